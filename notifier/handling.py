"""What people did to a finding from Chat, and how that record travels with its card.

Chat keeps no state for the app, and GuardDuty keeps no names (feedback comments are
write-only). So the record of who acknowledged, archived or escalated a finding rides
in the card's own button parameters: every click hands it back to the bot, which
appends the new entry, and the notifier reads it before it edits a card in place.
"""

import enum
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from notifier.jsonview import JsonView
from notifier.text import clean
from notifier.timestamps import format_time

HISTORY_KEPT = 6
NOTE_LIMIT = 160
ACTOR_LIMIT = 80


class Action(enum.Enum):
    """What a person can do to a finding from its card, by permission name."""

    ACKNOWLEDGE = "acknowledge"
    ARCHIVE = "archive"
    UNARCHIVE = "unarchive"
    FALSE_POSITIVE = "false_positive"
    ESCALATE = "escalate"
    SUPPRESS = "suppress"
    REFRESH = "refresh"
    SHOW = "show"

    @property
    def past_tense(self) -> str:
        return _PAST[self]

    @property
    def icon(self) -> str:
        return _ICONS[self]


_PAST = {
    Action.ACKNOWLEDGE: "Acknowledged",
    Action.ARCHIVE: "Archived",
    Action.UNARCHIVE: "Unarchived",
    Action.FALSE_POSITIVE: "Marked false positive",
    Action.ESCALATE: "Escalated",
    Action.SUPPRESS: "Suppressed",
    Action.REFRESH: "Refreshed",
    Action.SHOW: "Shown",
}
_ICONS = {
    Action.ACKNOWLEDGE: "task_alt",
    Action.ARCHIVE: "archive",
    Action.UNARCHIVE: "unarchive",
    Action.FALSE_POSITIVE: "thumb_down",
    Action.ESCALATE: "campaign",
    Action.SUPPRESS: "filter_alt_off",
    Action.REFRESH: "refresh",
    Action.SHOW: "open_in_full",
}


@dataclass(frozen=True)
class Handling:
    """One thing a person did to a finding.

    Attributes:
        action: what they did.
        actor: their display name (untrusted: escape to show).
        at: when.
        note: the escalation reason, or the suppression filter's name.
    """

    action: Action
    actor: str
    at: datetime
    note: str | None = None

    def summary(self) -> str:
        """``Archived by NAME at TIME``: plain text, escape before showing in HTML."""
        line = f"{self.action.past_tense} by {self.actor} at {format_time(self.at)}"
        if self.action is Action.ESCALATE and self.note:
            return f"{line}: {self.note}"
        if self.action is Action.SUPPRESS and self.note:
            return f"{line} (filter {self.note})"
        return line


def encode_history(history: Sequence[Handling]) -> str:
    """The newest entries as compact JSON, sized to ride in a button parameter."""
    kept = [
        [
            entry.action.value,
            clean(entry.actor, limit=ACTOR_LIMIT)[:ACTOR_LIMIT] or "someone",
            int(entry.at.timestamp()),
            *([clean(entry.note, limit=NOTE_LIMIT)[:NOTE_LIMIT]] if entry.note else []),
        ]
        for entry in history[-HISTORY_KEPT:]
        if entry.action not in (Action.REFRESH, Action.SHOW)
    ]
    return json.dumps(kept, separators=(",", ":"), ensure_ascii=False)


def decode_history(text: str | None) -> tuple[Handling, ...]:
    """Reads what :func:`encode_history` wrote; malformed entries are skipped."""
    try:
        entries = json.loads(text) if text else []
    except ValueError:
        return ()
    return tuple(
        handling
        for entry in entries
        if isinstance(entries, list)
        if (handling := _entry(JsonView(entry))) is not None
    )


def _entry(entry: JsonView) -> Handling | None:
    try:
        action = Action(entry.at(0).text())
    except ValueError:
        return None
    actor = entry.at(1).text()
    moment = entry.at(2).number()
    if not actor or moment is None:
        return None
    try:
        at = datetime.fromtimestamp(moment, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return Handling(action, actor[:ACTOR_LIMIT], at, entry.at(3).text())


def history_from_message(
    message: Mapping[str, Any], finding: str | None = None
) -> tuple[Handling, ...]:
    """The history a card the product rendered carries in its button parameters.

    Args:
        finding: read only buttons naming this finding ARN (a digest's buttons
            name several findings).
    """
    for parameters in _action_parameters(JsonView(message)):
        if finding is not None and parameters.get("finding") != finding:
            continue
        if "history" in parameters:
            return decode_history(parameters["history"])
    return ()


def merge(*histories: Iterable[Handling]) -> tuple[Handling, ...]:
    """Every entry of ``histories`` once, oldest first (equal times keep their order).

    Two copies of one card's record (the card as Chat holds it now, and the older
    one a button or a dialog carried) become one record holding both.
    """
    entries: dict[Handling, None] = {}
    for history in histories:
        for entry in history:
            entries.setdefault(entry, None)
    return tuple(sorted(entries, key=lambda entry: entry.at))


def button_parameters(message: Mapping[str, Any]) -> list[dict[str, str]]:
    """Every button's ``action.parameters`` in a message, as dictionaries."""
    return list(_action_parameters(JsonView(message)))


def _action_parameters(node: JsonView) -> Iterable[dict[str, str]]:
    """Every ``action.parameters`` list in a message, as dictionaries."""
    stack = [node]
    while stack:
        current = stack.pop()
        if current.is_object():
            parameters = current.at("action", "parameters")
            if parameters.raw is not None:
                yield {
                    key: value
                    for item in parameters.items()
                    if (key := item.at("key").text())
                    and (value := item.at("value").text())
                }
            stack.extend(current.at(key) for key in current.members())
        elif isinstance(current.raw, list):
            stack.extend(current.items())
