"""Facts: the labelled values a card, an e-mail or a digest shows about a finding."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Fact:
    """One labelled value read from a finding.

    Attributes:
        label: what the value is, in a responder's words ("Instance", "Remote IP").
        value: the value exactly as the finding has it (untrusted: escape to show).
        icon: a Material icon name that hints at the kind of value.
        group: the section of the card the fact belongs to.
    """

    label: str
    value: str
    icon: str = "label"
    group: str = "resource"


def join(values: list[str], limit: int = 5) -> str:
    """``a, b, c and 4 more`` for a list that may be long."""
    shown = ", ".join(values[:limit])
    rest = len(values) - limit
    return f"{shown} and {rest} more" if rest > 0 else shown
