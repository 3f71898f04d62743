"""GuardDuty severity scores and the labels, colours and icons drawn from them."""

import enum
from dataclasses import dataclass


class Severity(enum.Enum):
    """GuardDuty's severity bands, plus UNKNOWN for a score that could not be read."""

    UNKNOWN = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def of(cls, score: float | None) -> "Severity":
        """The band of ``score``: Low below 4, Medium below 7, High below 9."""
        if score is None:
            return cls.UNKNOWN
        if score >= 9.0:
            return cls.CRITICAL
        if score >= 7.0:
            return cls.HIGH
        if score >= 4.0:
            return cls.MEDIUM
        return cls.LOW

    @classmethod
    def parse(cls, name: str) -> "Severity":
        """The band named ``name`` (any case); raises ValueError otherwise."""
        try:
            return cls[name.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {name!r}") from None

    @property
    def title(self) -> str:
        return self.name.capitalize()

    @property
    def style(self) -> "SeverityStyle":
        return _STYLES[self]

    @property
    def floor(self) -> float:
        """The lowest score in the band (0 for UNKNOWN)."""
        return {0: 0.0, 1: 1.0, 2: 4.0, 3: 7.0, 4: 9.0}[self.value]


@dataclass(frozen=True)
class SeverityStyle:
    """How a band looks: a colour with contrast on light and dark themes, an icon."""

    colour: str
    rgb: tuple[float, float, float]
    icon: str
    emoji: str


_STYLES = {
    Severity.CRITICAL: SeverityStyle(
        "#a50e0e", (0.647, 0.055, 0.055), "crisis_alert", "🟥"
    ),
    Severity.HIGH: SeverityStyle("#d93025", (0.851, 0.188, 0.145), "error", "🔴"),
    Severity.MEDIUM: SeverityStyle("#e37400", (0.890, 0.455, 0.0), "warning", "🟠"),
    Severity.LOW: SeverityStyle("#1a73e8", (0.102, 0.451, 0.910), "info", "🔵"),
    Severity.UNKNOWN: SeverityStyle("#5f6368", (0.373, 0.388, 0.408), "help", "⚪"),
}
