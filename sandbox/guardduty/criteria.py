"""FindingCriteria and SortCriteria, evaluated the way GuardDuty does.

A criterion names a finding field by its dotted wire path
(`resource.instanceDetails.instanceId`); paths pass through lists, so a
criterion on `resource.instanceDetails.tags.key` looks at every tag. The
fields allowed are the ones the model's documentation lists for ListFindings
and CreateFilter.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sandbox import wire
from sandbox.guardduty.findings import Finding, epoch_ms

_LIST_ITEM = re.compile(r"<li>\s*<p>([A-Za-z0-9_.]+)</p>")
_EQUALITY = {"equals": False, "eq": False, "notEquals": True, "neq": True}
_ORDERING: dict[str, Callable[[float, float], bool]] = {
    "greaterThan": lambda a, b: a > b,
    "gt": lambda a, b: a > b,
    "greaterThanOrEqual": lambda a, b: a >= b,
    "gte": lambda a, b: a >= b,
    "lessThan": lambda a, b: a < b,
    "lt": lambda a, b: a < b,
    "lessThanOrEqual": lambda a, b: a <= b,
    "lte": lambda a, b: a <= b,
}
_WILDCARD = {"matches": False, "notMatches": True}


class CriteriaError(ValueError):
    """A criterion GuardDuty would refuse; `parameter` names the wire member."""

    def __init__(self, parameter: str, reason: str) -> None:
        super().__init__(f"{parameter}: {reason}")
        self.parameter = parameter


@functools.cache
def searchable_fields() -> frozenset[str]:
    """Field paths the model documents for ListFindings and CreateFilter."""
    fields: set[str] = set()
    for name in ("ListFindings", "CreateFilter"):
        member = wire.operation(name).input_shape.members["FindingCriteria"]
        fields.update(_LIST_ITEM.findall(member.documentation))
    return frozenset(fields)


def field_values(finding: Mapping[str, Any], path: str) -> list[object]:
    """Every value at dotted `path` in `finding`, looking through lists."""
    current: list[object] = [finding]
    for step in path.split("."):
        following: list[object] = []
        for node in current:
            if isinstance(node, Mapping) and node.get(step) is not None:
                item = node[step]
                following.extend(item if isinstance(item, list) else [item])
        current = following
    return current


@dataclass(frozen=True)
class Criteria:
    """A checked FindingCriteria; `matches` tells whether a finding fits."""

    conditions: tuple[tuple[str, str, Any], ...] = ()

    @classmethod
    def parse(
        cls, wire_criteria: Mapping[str, Any] | None, *, wildcards: bool = False
    ) -> Criteria:
        """Check a wire FindingCriteria (`{"criterion": {...}}`).

        Args:
            wire_criteria: the request's `findingCriteria`, or None.
            wildcards: whether `matches`/`notMatches` are allowed; the model
                allows them only in CreateFilter and UpdateFilter.

        Raises:
            CriteriaError: an unknown field, an empty condition, or a wildcard
                operator where it is not allowed.
        """
        criterion = (wire_criteria or {}).get("criterion") or {}
        conditions = []
        for field, condition in criterion.items():
            if field not in searchable_fields():
                raise CriteriaError("findingCriteria", f"unknown field {field}")
            if not condition:
                raise CriteriaError("findingCriteria", f"no operator for {field}")
            for operator, operand in condition.items():
                if operator in _WILDCARD and not wildcards:
                    raise CriteriaError("findingCriteria", f"{operator} not allowed")
                conditions.append((field, operator, operand))
        return cls(tuple(conditions))

    def matches(self, finding: Mapping[str, Any]) -> bool:
        """Whether `finding` meets every condition."""
        return all(
            _holds(field_values(finding, field), field, operator, operand)
            for field, operator, operand in self.conditions
        )


def sort_findings(
    findings: Iterable[Finding], sort_criteria: Mapping[str, Any] | None
) -> list[Finding]:
    """`findings` ordered by a wire SortCriteria; unsorted order is kept.

    Findings without the attribute come last whatever the order.

    Raises:
        CriteriaError: the attribute is not a searchable field.
    """
    ordered = list(findings)
    attribute = (sort_criteria or {}).get("attributeName")
    if not attribute:
        return ordered
    if attribute not in searchable_fields():
        raise CriteriaError("sortCriteria", f"unknown attribute {attribute}")
    descending = (sort_criteria or {}).get("orderBy") == "DESC"
    keyed = [(_sort_key(field_values(f, attribute), attribute), f) for f in ordered]
    present = [pair for pair in keyed if pair[0] is not None]
    missing = [f for key, f in keyed if key is None]
    present.sort(key=lambda pair: pair[0], reverse=descending)
    return [f for _, f in present] + missing


def _holds(values: list[object], field: str, operator: str, operand: Any) -> bool:
    if operator in _EQUALITY:
        found = any(_equal(v, wanted) for v in values for wanted in operand)
        return found != _EQUALITY[operator]
    if operator in _WILDCARD:
        found = any(
            fnmatch.fnmatchcase(_text(v), pattern)
            for v in values
            for pattern in operand
        )
        return found != _WILDCARD[operator]
    compare = _ORDERING[operator]
    numbers = (_number(v, field) for v in values)
    return any(n is not None and compare(n, float(operand)) for n in numbers)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _equal(value: object, wanted: str) -> bool:
    if _text(value) == wanted:
        return True
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return float(value) == float(wanted)
        except ValueError:
            return False
    return False


def _number(value: object, field: str) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        # Members typed `timestamp` travel as epoch seconds; criteria use ms.
        return float(value) * 1000 if _is_timestamp(field) else float(value)
    if isinstance(value, str):
        millis = epoch_ms(value)
        if millis is not None:
            return float(millis)
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _sort_key(values: list[object], field: str) -> tuple[int, float | str] | None:
    if not values:
        return None
    number = _number(values[0], field)
    return (0, number) if number is not None else (1, _text(values[0]))


@functools.cache
def _is_timestamp(field: str) -> bool:
    shape = wire.shape("Finding")
    for step in field.split("."):
        while shape.type_name == "list":
            shape = shape.member
        if shape.type_name != "structure":
            return False
        members = {m.serialization.get("name", n): m for n, m in shape.members.items()}
        if step not in members:
            return False
        shape = members[step]
    return bool(shape.type_name == "timestamp")
