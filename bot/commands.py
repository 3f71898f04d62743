"""Messages, slash and quick commands, and the app joining or leaving a space.

The router turns a command id into its name (``[bot.commands]``) and hands the
event to the handler registered under that name; clicks on buttons a command's
answer drew reach the same handler through their ``command`` parameter. Commands
without a handler, and plain messages to the app, get the help card; joining a
space gets a welcome card.
"""

from collections.abc import Callable, Mapping
from typing import Any

from bot.events import ChatEvent, EventKind
from bot.responses import Answer, NewMessage, NoAnswer, Notice
from bot.settings import CommandIds
from notifier import widgets

CommandHandler = Callable[[ChatEvent], Answer]

_COMMANDS = (
    ("/gd-finding ID", "The finding's card, with its buttons"),
    ("/gd-findings [filters]", "The top findings that match the filters"),
    ("/gd-stats [window]", "Counts by severity, type and account"),
    ("/gd-help", "What this app does"),
)
_ABOUT = (
    "Each GuardDuty finding arrives as a card. Its buttons act on the finding in "
    "GuardDuty: <b>Acknowledge</b>, <b>Archive</b> and <b>Escalate</b>, and under "
    "<b>More</b>: <b>False positive</b>, <b>Suppress similar</b> and "
    "<b>Refresh</b>. The card shows who did what."
)


class CommandRouter:
    """Answers every event that is not a click on a finding's buttons.

    Args:
        ids: the configured command ids.
        handlers: command name (``finding``, ``findings``, ``stats``, ``help``) to
            the function answering it.
    """

    def __init__(
        self, ids: CommandIds, handlers: Mapping[str, CommandHandler] | None = None
    ) -> None:
        self._ids = ids
        self._handlers = dict(handlers or {})

    def register(self, name: str, handler: CommandHandler) -> None:
        """Answers the command ``name`` with ``handler`` from now on."""
        self._handlers[name] = handler

    def answer(self, event: ChatEvent) -> Answer:
        if event.kind is EventKind.REMOVED_FROM_SPACE:
            return NoAnswer()
        if event.kind is EventKind.ADDED_TO_SPACE:
            return NewMessage(help_message("GuardDuty alerts are on"))
        handler = self._handlers.get(self._command_name(event) or "")
        if handler is not None:
            return handler(event)
        if event.kind is EventKind.CARD_CLICKED:
            return Notice("This button does nothing any more.", "INVALID_ARGUMENT")
        return NewMessage(help_message("GuardDuty alerts"), private=True)

    def _command_name(self, event: ChatEvent) -> str | None:
        """The command an event is for: by id, or for the buttons and dialogs a
        command's answer has, by their ``command`` parameter."""
        if event.kind is EventKind.CARD_CLICKED:
            return event.parameters.get("command")
        return self._ids.name_of(event.command_id)


def help_message(title: str) -> dict[str, Any]:
    """What the app does and which commands it knows, as a card message."""
    rows = [widgets.paragraph(_ABOUT)]
    rows.extend(
        widgets.line(f"<b>{command}</b>", "terminal", bottom=what)
        for command, what in _COMMANDS
    )
    card = {
        "header": {"title": title, "subtitle": "GuardDuty findings in Google Chat"},
        "sections": [widgets.section(rows)],
    }
    return {
        "fallbackText": f"{title}: act on GuardDuty findings from their cards",
        "cardsV2": [{"cardId": "help", "card": card}],
    }
