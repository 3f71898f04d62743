"""What a search or a count covers: the parsed filters, as GuardDuty criteria.

:mod:`bot.filters` reads the words people type into a :class:`Query`; the query
writes the FindingCriteria (boto3's form) and a line of words for the card.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from notifier.severity import Severity

DEFAULT_LIMIT = 10
MAX_VALUES = 50  # an Equals condition takes at most 50 values
# Each band as whole-number bounds: (lowest included, first excluded).
BANDS: dict[Severity, tuple[int | None, int | None]] = {
    Severity.LOW: (None, 4),
    Severity.MEDIUM: (4, 7),
    Severity.HIGH: (7, 9),
    Severity.CRITICAL: (9, None),
}


@dataclass(frozen=True)
class Bound:
    """One end of a severity range: a whole number, and whether it is excluded."""

    value: int
    strict: bool = False


@dataclass(frozen=True)
class Query:
    """The parsed filters: what a search or a count covers.

    Attributes:
        lower: findings above (strict) or at least this severity.
        upper: findings below (strict) or at most this severity.
        types: exact finding type names (any of them).
        type_prefixes: starts of type names (as typed), matched ignoring case.
        regions: the Regions to search; empty means the bot's Regions.
        since: only findings updated this long ago or later.
        archived: True for archived findings only, False for current ones
            only, None for both.
    """

    lower: Bound | None = None
    upper: Bound | None = None
    types: tuple[str, ...] = ()
    type_prefixes: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    since: timedelta | None = None
    archived: bool | None = False
    limit: int = DEFAULT_LIMIT

    def criteria(
        self, now: datetime, types: Sequence[str] | None = None
    ) -> dict[str, Any]:
        """The FindingCriteria (boto3's form) of every filter but type patterns.

        Args:
            now: the time ``since`` counts back from.
            types: the type names to ask for; by default the exact types, or
                no type condition at all when there are type patterns.
        """
        criterion: dict[str, Any] = {}
        severity = self._severity_condition()
        if severity:
            criterion["severity"] = severity
        names = types if types is not None else self._plain_types()
        if names:
            criterion["type"] = {"Equals": list(names)}
        if self.accounts:
            criterion["accountId"] = {"Equals": list(self.accounts)}
        if self.resources:
            criterion["resource.resourceType"] = {"Equals": list(self.resources)}
        if self.since is not None:
            start = int((now - self.since).timestamp() * 1000)
            criterion["updatedAt"] = {"GreaterThanOrEqual": start}
        if self.archived is not None:
            flag = "true" if self.archived else "false"
            criterion["service.archived"] = {"Equals": [flag]}
        return {"Criterion": criterion}

    def matches_type(self, name: str) -> bool:
        """Whether a type name is one the type filters ask for."""
        lowered = name.lower()
        return name in self.types or any(
            lowered.startswith(prefix.lower()) for prefix in self.type_prefixes
        )

    def describe(self) -> str:
        """The filters in a line of plain text, built from validated values only."""
        parts = []
        severity = self._severity_words()
        if severity:
            parts.append(severity)
        patterns = [*self.types, *(f"{prefix}*" for prefix in self.type_prefixes)]
        if patterns:
            parts.append("type " + ", ".join(patterns))
        if self.accounts:
            parts.append("account " + ", ".join(self.accounts))
        if self.resources:
            parts.append("resource " + ", ".join(self.resources))
        if self.since is not None:
            parts.append(f"updated in the last {window_text(self.since)}")
        parts.append(
            {True: "archived", False: "current", None: "current and archived"}[
                self.archived
            ]
        )
        return " \u00b7 ".join(parts)

    def _plain_types(self) -> tuple[str, ...]:
        return () if self.type_prefixes else self.types

    def _severity_condition(self) -> dict[str, int]:
        condition = {}
        if self.lower is not None:
            key = "GreaterThan" if self.lower.strict else "GreaterThanOrEqual"
            condition[key] = self.lower.value
        if self.upper is not None:
            key = "LessThan" if self.upper.strict else "LessThanOrEqual"
            condition[key] = self.upper.value
        return condition

    def _severity_words(self) -> str:
        for band, (low, high) in BANDS.items():
            if bound(low, False) == self.lower and bound(high, True) == self.upper:
                return f"{band.title} severity"
        words = []
        if self.lower is not None:
            sign = ">" if self.lower.strict else "\u2265"
            words.append(f"severity {sign} {self.lower.value}")
        if self.upper is not None:
            sign = "<" if self.upper.strict else "\u2264"
            words.append(f"severity {sign} {self.upper.value}")
        return ", ".join(words)


def window_text(window: timedelta) -> str:
    """``30m``, ``24h`` or ``7d``: whole days from two days on, else hours or
    minutes."""
    minutes = int(window.total_seconds()) // 60
    if minutes % 1440 == 0 and minutes >= 2880:
        return f"{minutes // 1440}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


def bound(value: int | None, strict: bool = False) -> Bound | None:
    """A bound at ``value``, or None for an open end of the scale."""
    return None if value is None else Bound(value, strict)
