"""GuardDuty's wire JSON checked against the shapes of botocore's model.

The wire form is what travels over HTTP and what EventBridge puts in `detail`:
camelCase keys (each member's `locationName`), members typed `timestamp` as
epoch-second numbers, and top-level finding times as ISO strings because the
model types those as plain strings. botocore validates the Python side of a
call; this module validates the JSON side, so the GuardDuty stand-in can refuse
a malformed request body and tests can prove a fixture is a real `Finding`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import botocore.session

SERVICE = "guardduty"

# Members placed outside the JSON body; the caller passes them as params.
_OUTSIDE_BODY = frozenset({"uri", "querystring", "header", "headers", "statusCode"})


@dataclass(frozen=True)
class WireProblem:
    """One way a JSON value departs from its shape.

    Attributes:
        path: where, as `$` for the root, `.name` for a member, `[3]` for a
            list item and `["key"]` for a map entry.
        message: what is wrong, in a short sentence.
        unknown: True when the only fault is a key the model does not know.
    """

    path: str
    message: str
    unknown: bool = False

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class WireError(ValueError):
    """JSON that does not fit its shape; `problems` lists every fault found."""

    def __init__(self, problems: list[WireProblem]) -> None:
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(shown + more)


@functools.cache
def service_model() -> Any:
    """The GuardDuty service model shipped with the installed botocore."""
    return botocore.session.get_session().get_service_model(SERVICE)


def shape(name: str) -> Any:
    """The model's shape called `name`, e.g. "Finding"."""
    return service_model().shape_for(name)


def operation(name: str) -> Any:
    """The model's operation called `name`, e.g. "ListFindings"."""
    return service_model().operation_model(name)


def problems(shape_: Any, value: object, *, strict: bool = True) -> list[WireProblem]:
    """Every way `value` departs from `shape_`.

    Args:
        shape_: a botocore shape (see `shape`).
        value: parsed JSON.
        strict: when False, keys the model does not know and JSON nulls are
            accepted, as a client must when it reads data GuardDuty wrote.
    """
    found: list[WireProblem] = []
    _Checker(strict, found).check(shape_, value, "$")
    return found


def check(shape_: Any, value: object, *, strict: bool = True) -> None:
    """Raise WireError unless `value` fits `shape_` (see `problems`)."""
    found = problems(shape_, value, strict=strict)
    if found:
        raise WireError(found)


def request_problems(
    operation_: Any, body: object, params: Mapping[str, object]
) -> list[WireProblem]:
    """Every fault of a request to `operation_`, strictly.

    Args:
        operation_: a botocore operation model (see `operation`).
        body: the parsed JSON body (`{}` when the request had none).
        params: members sent in the path or query string, keyed by their wire
            name (e.g. "DetectorId", "maxResults") and already converted to
            their JSON type.
    """
    found: list[WireProblem] = []
    input_shape = operation_.input_shape
    if input_shape is None:
        return found
    checker = _Checker(True, found)
    if not isinstance(body, dict):
        found.append(WireProblem("$", "the body must be a JSON object"))
        return found
    in_body: dict[str, Any] = {}
    for name, member in input_shape.members.items():
        wire_name = member.serialization.get("name", name)
        if member.serialization.get("location") in _OUTSIDE_BODY:
            source: Mapping[str, object] = params
            path = wire_name
        else:
            in_body[wire_name] = member
            source = body
            path = f"$.{wire_name}"
        if wire_name not in source:
            if name in input_shape.required_members:
                found.append(WireProblem(path, "is required"))
            continue
        checker.check(member, source[wire_name], path)
    for key in body:
        if key not in in_body:
            found.append(WireProblem(f"$.{key}", "is not a member", unknown=True))
    return found


class _Checker:
    def __init__(self, strict: bool, found: list[WireProblem]) -> None:
        self.strict = strict
        self.found = found

    def fault(self, path: str, message: str, *, unknown: bool = False) -> None:
        self.found.append(WireProblem(path, message, unknown))

    def check(self, shape_: Any, value: object, path: str) -> None:
        if value is None:
            if self.strict:
                self.fault(path, "is null")
            return
        kind = shape_.type_name
        if kind == "structure":
            self.structure(shape_, value, path)
        elif kind == "list":
            self.list_(shape_, value, path)
        elif kind == "map":
            self.map_(shape_, value, path)
        elif kind == "string":
            self.string(shape_, value, path)
        elif kind in ("integer", "long"):
            self.integer(shape_, value, path)
        elif kind in ("double", "float"):
            self.number(shape_, value, path)
        elif kind == "boolean":
            if not isinstance(value, bool):
                self.fault(path, "must be a boolean")
        elif kind == "timestamp":
            self.timestamp(shape_, value, path)
        else:
            self.fault(path, f"has a shape type ({kind}) this checker does not know")

    def structure(self, shape_: Any, value: object, path: str) -> None:
        if not isinstance(value, dict):
            self.fault(path, "must be an object")
            return
        by_wire_name = {
            m.serialization.get("name", n): (n, m) for n, m in shape_.members.items()
        }
        for key, item in value.items():
            if key not in by_wire_name:
                if self.strict:
                    self.fault(f"{path}.{key}", "is not a member", unknown=True)
                continue
            self.check(by_wire_name[key][1], item, f"{path}.{key}")
        for name in shape_.required_members:
            wire_name = shape_.members[name].serialization.get("name", name)
            if value.get(wire_name) is None:
                self.fault(f"{path}.{wire_name}", "is required")
        if shape_.metadata.get("union"):
            present = [k for k in value if k in by_wire_name and value[k] is not None]
            if len(present) != 1:
                self.fault(path, "must set exactly one member")

    def list_(self, shape_: Any, value: object, path: str) -> None:
        if not isinstance(value, list):
            self.fault(path, "must be an array")
            return
        self.bounds(shape_, len(value), path, "items")
        for index, item in enumerate(value):
            self.check(shape_.member, item, f"{path}[{index}]")

    def map_(self, shape_: Any, value: object, path: str) -> None:
        if not isinstance(value, dict):
            self.fault(path, "must be an object")
            return
        self.bounds(shape_, len(value), path, "entries")
        for key, item in value.items():
            entry = f'{path}["{key}"]'
            self.check(shape_.key, key, entry)
            self.check(shape_.value, item, entry)

    def string(self, shape_: Any, value: object, path: str) -> None:
        if not isinstance(value, str):
            self.fault(path, "must be a string")
            return
        enum = shape_.metadata.get("enum")
        if enum and value not in enum:
            self.fault(path, f"must be one of {', '.join(enum)}")
        self.bounds(shape_, len(value), path, "characters")
        pattern = shape_.metadata.get("pattern")
        # Smithy patterns are not anchored: a match anywhere satisfies them.
        if pattern and re.search(pattern, value) is None:
            self.fault(path, f"must match the pattern {pattern}")

    def integer(self, shape_: Any, value: object, path: str) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fault(path, "must be a whole number")
            return
        self.range_(shape_, value, path)

    def number(self, shape_: Any, value: object, path: str) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fault(path, "must be a number")
            return
        self.range_(shape_, value, path)

    def timestamp(self, shape_: Any, value: object, path: str) -> None:
        wire_format = shape_.serialization.get("timestampFormat", "unixTimestamp")
        if wire_format == "unixTimestamp":
            if isinstance(value, int | float) and not isinstance(value, bool):
                return
            if not self.strict and isinstance(value, str) and _is_iso(value):
                return
            self.fault(path, "must be a number of seconds since the epoch")
        elif not (isinstance(value, str) and _is_iso(value)):
            self.fault(path, "must be an ISO-8601 date and time")

    def bounds(self, shape_: Any, size: int, path: str, unit: str) -> None:
        low, high = shape_.metadata.get("min"), shape_.metadata.get("max")
        if low is not None and size < low:
            self.fault(path, f"must have at least {low} {unit}")
        if high is not None and size > high:
            self.fault(path, f"must have at most {high} {unit}")

    def range_(self, shape_: Any, value: float, path: str) -> None:
        low, high = shape_.metadata.get("min"), shape_.metadata.get("max")
        if low is not None and value < low:
            self.fault(path, f"must be at least {low}")
        if high is not None and value > high:
            self.fault(path, f"must be at most {high}")


def _is_iso(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True
