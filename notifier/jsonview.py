"""A read-only, never-raising view over untrusted JSON.

Inbound documents (GuardDuty findings, Chat events) can miss any member or carry a
member of an unexpected type. ``JsonView`` answers ``None`` or an empty value instead
of raising, so a malformed field costs one fact on a card, never the whole finding.
"""

import math
from collections.abc import Iterator, Mapping
from typing import Any


class JsonView:
    """Wraps one JSON value; every accessor tolerates absence and wrong types."""

    __slots__ = ("_value",)

    def __init__(self, value: object) -> None:
        self._value = value

    @property
    def raw(self) -> object:
        """The wrapped value, as decoded from JSON."""
        return self._value

    def at(self, *path: str | int) -> "JsonView":
        """The value at ``path`` (keys of objects, indexes of lists), or a null view."""
        value = self._value
        for step in path:
            if isinstance(step, int) and isinstance(value, list):
                value = value[step] if -len(value) <= step < len(value) else None
            elif isinstance(step, str) and isinstance(value, Mapping):
                value = value.get(step)
            else:
                value = None
        return JsonView(value)

    def __bool__(self) -> bool:
        return self._value not in (None, "", [], {})

    def text(self) -> str | None:
        """A string, or a number or boolean written as one; ``None`` otherwise."""
        value = self._value
        if isinstance(value, str):
            return value if value.strip() else None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float) and math.isfinite(value):
            return str(int(value)) if float(value).is_integer() else str(value)
        return None

    def number(self) -> float | None:
        """A finite number, also from a numeric string; ``None`` otherwise."""
        value = self._value
        if isinstance(value, bool):
            return None
        if isinstance(value, str):
            try:
                value = float(value.strip())
            except ValueError:
                return None
        if isinstance(value, int | float) and math.isfinite(value):
            return float(value)
        return None

    def flag(self) -> bool | None:
        """A boolean, also from "true"/"false" strings; ``None`` otherwise."""
        value = self._value
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        return None

    def items(self) -> Iterator["JsonView"]:
        """The elements of a list (a lone object counts as a list of one)."""
        if isinstance(self._value, list):
            yield from (JsonView(item) for item in self._value)
        elif isinstance(self._value, Mapping):
            yield self

    def members(self) -> list[str]:
        """The member names of an object, or an empty list."""
        return [str(key) for key in self.mapping()]

    def is_object(self) -> bool:
        return isinstance(self._value, Mapping)

    def mapping(self) -> Mapping[str, Any]:
        """The object itself, or an empty mapping."""
        return self._value if isinstance(self._value, Mapping) else {}

    def texts(self) -> list[str]:
        """Every element of a list that reads as text."""
        return [text for item in self.items() if (text := item.text()) is not None]
