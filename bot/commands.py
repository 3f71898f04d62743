"""Messages, slash and quick commands, and the app joining or leaving a space.

The router turns a command id into its name (``[bot.commands]``) and hands the
event to the handler registered under that name; clicks on buttons a command's
answer drew reach the same handler through their ``command`` parameter. A space
the app joins gets a welcome card for everyone (or, when the app was added by a
command, that command's answer); ``/gd-help``, unknown commands and messages the
app has no answer for get the help card, privately, with what the asker may do.
"""

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.events import ChatEvent, ChatUser, EventKind
from bot.filters import COMMA_HINT, SYNTAX, FilterError, parse_filters
from bot.guardduty import GuardDuty
from bot.permissions import Permissions
from bot.query import Query
from bot.regions import NO_REGION, RegionScope, RegionSweep
from bot.responses import Answer, NewMessage, NoAnswer, Notice
from bot.settings import CommandIds
from notifier import text, widgets
from notifier.budget import Budget
from notifier.handling import Action
from notifier.settings import CardSettings

logger = logging.getLogger(__name__)

CommandHandler = Callable[[ChatEvent], Answer]
# Time kept back from the answer deadline to draw the card and send it, and
# before that, for a GuardDuty call started last to end in: at most this long,
# and at most a tenth (a fifth) of the time there is.
RENDER_SECONDS = 0.5
CALL_RESERVE_SECONDS = 0.5

_COMMANDS = (
    ("/gd-finding ID", "One finding's card, by id, ARN or console link"),
    ("/gd-findings [filters]", "The top findings that match the filters"),
    ("/gd-stats [filters]", "Counts by severity, type, account and resource"),
    ("/gd-help", "What this app does, and what you may do"),
)
_ABOUT = (
    "Each GuardDuty finding arrives as a card. Its buttons act on the finding in "
    "GuardDuty: <b>Acknowledge</b>, <b>Archive</b> and <b>Escalate</b>, and under "
    "<b>More</b>: <b>False positive</b>, <b>Suppress similar</b> and "
    "<b>Refresh</b>. The card shows who did what."
)
_WELCOME = (
    "Hello! I post GuardDuty findings here as cards you can act on, and I answer "
    "the commands below. Only you see a command you type."
)
_UNKNOWN = (
    "Hello! I have no answer to that, but I answer the commands below. Only you "
    "see this message."
)
# What each permission lets a person do, in the order the help card lists them.
_DOING = {
    Action.SHOW: "open finding cards and use /gd-finding, /gd-findings, /gd-stats",
    Action.ACKNOWLEDGE: "acknowledge findings",
    Action.ARCHIVE: "archive findings",
    Action.UNARCHIVE: "unarchive findings",
    Action.FALSE_POSITIVE: "mark findings as false positives",
    Action.ESCALATE: "escalate findings",
    Action.SUPPRESS: "suppress similar findings",
    Action.REFRESH: "refresh finding cards",
}


@dataclass(frozen=True)
class CommandContext:
    """What every GuardDuty command needs: where to search and in what time.

    Attributes:
        answer_seconds: the bot's answer deadline (``bot.answer_seconds``).
        now: the current time, in UTC (``since:`` counts back from it).
    """

    guardduty: GuardDuty
    scope: RegionScope
    sweep: RegionSweep
    cards: CardSettings
    permissions: Permissions
    answer_seconds: float
    now: Callable[[], datetime]

    def budget(self) -> Budget:
        """The time a command may wait for GuardDuty, from now."""
        reserve = min(RENDER_SECONDS, self.answer_seconds / 10)
        return Budget.of(self.answer_seconds - reserve)

    @staticmethod
    def calls(budget: Budget) -> Budget:
        """The part of ``budget`` in which new GuardDuty calls may start."""
        return budget.share(min(CALL_RESERVE_SECONDS, budget.remaining() / 5))

    def regions_for(
        self, wanted: tuple[str, ...]
    ) -> tuple[tuple[str, ...], Notice | None]:
        """The Regions to search (``wanted``, else the bot's own), or the
        refusal to search them."""
        refused = self.scope.refused(wanted)
        if refused:
            return (), Notice(
                f"This bot does not search {', '.join(refused)}; it searches "
                f"{self.scope.describe()}.",
                "FAILED_PRECONDITION",
            )
        regions = wanted or self.scope.default
        if not regions:
            return (), Notice(NO_REGION, "FAILED_PRECONDITION")
        return regions, None

    def filtered(
        self, event: ChatEvent, command: str, *, limit: bool = True
    ) -> "Filtered | Notice":
        """What a filtered command (``/gd-findings``, ``/gd-stats``) searches, or
        the private answer that stops it: a refused person, a filter that does not
        parse, Regions the bot does not search."""
        refused = self.refusal(event)
        if refused is not None:
            return refused
        try:
            query = parse_filters(event.argument_text, limit=limit)
        except FilterError as error:
            return Notice(filter_problem(command, error), "INVALID_ARGUMENT")
        regions, problem = self.regions_for(query.regions)
        if problem is not None:
            return problem
        return Filtered(query, regions)

    def refusal(self, event: ChatEvent) -> Notice | None:
        """A private refusal for a person who may not look at findings."""
        user = event.user
        if user.is_human and self.permissions.allows(Action.SHOW, user.email):
            return None
        logger.info("command refused to %s: no show permission", user.name)
        return Notice(
            "You may not look up GuardDuty findings. The bot's administrators can "
            "allow it in bot.permissions (show).",
            "PERMISSION_DENIED",
        )


@dataclass(frozen=True)
class Filtered:
    """A filtered command's query, and the Regions it searches."""

    query: Query
    regions: tuple[str, ...]


class CommandRouter:
    """Answers every event that is not a click on a finding's buttons.

    Args:
        ids: the configured command ids.
        handlers: command name (``finding``, ``findings``, ``stats``, ``help``) to
            the function answering it.
        permissions: who may do what, for the help card's "what you may do".
    """

    def __init__(
        self,
        ids: CommandIds,
        handlers: Mapping[str, CommandHandler] | None = None,
        permissions: Permissions | None = None,
    ) -> None:
        self._ids = ids
        self._handlers = dict(handlers or {})
        self._permissions = permissions or Permissions()

    def register(self, name: str, handler: CommandHandler) -> None:
        """Answers the command ``name`` with ``handler`` from now on."""
        self._handlers[name] = handler

    def answer(self, event: ChatEvent) -> Answer:
        if event.kind is EventKind.REMOVED_FROM_SPACE:
            return NoAnswer()
        # An app added to a space by a slash command gets that command's event
        # as ADDED_TO_SPACE: the command is answered, not the welcome.
        handler = self._handlers.get(self._command_name(event) or "")
        if handler is not None:
            return handler(event)
        if event.kind is EventKind.ADDED_TO_SPACE:
            return NewMessage(welcome_message(event.space))
        if event.kind is EventKind.CARD_CLICKED:
            return Notice("This button does nothing any more.", "INVALID_ARGUMENT")
        known = self._ids.name_of(event.command_id) is not None
        about = _WELCOME if known else _UNKNOWN
        message = help_message(about, user=event.user, permissions=self._permissions)
        return NewMessage(message, private=True)

    def _command_name(self, event: ChatEvent) -> str | None:
        """The command an event is for: by id, or for the buttons and dialogs a
        command's answer has, by their ``command`` parameter."""
        if event.kind is EventKind.CARD_CLICKED:
            return event.parameters.get("command")
        return self._ids.name_of(event.command_id)


def welcome_message(space: str | None) -> dict[str, Any]:
    """The card for everyone in a space the app just joined."""
    rows = [widgets.paragraph(_WELCOME), *_command_rows()]
    if space:
        name = text.token(space, "A-Za-z0-9/_-", 120)
        rows.append(
            widgets.line(
                f"To send findings here, set <b>chat.space = {name}</b>.",
                "settings",
            )
        )
    return _card_message(
        "GuardDuty chat-ops is here",
        "GuardDuty chat-ops: findings as cards, and /gd-help",
        [widgets.section(rows), _filter_section()],
    )


def help_message(
    about: str = _WELCOME,
    *,
    user: ChatUser | None = None,
    permissions: Permissions | None = None,
) -> dict[str, Any]:
    """What the app does, its commands and filters, and (for ``user``) what that
    person may do, as a card message.

    Args:
        about: the opening sentence, the bot's own words (card markup).
    """
    sections = [
        widgets.section([widgets.paragraph(about), *_command_rows()], "Commands"),
        _filter_section(),
        widgets.section([widgets.paragraph(_ABOUT)], "Finding cards"),
    ]
    if user is not None and permissions is not None:
        sections.append(_permission_section(user, permissions))
    return _card_message(
        "GuardDuty chat-ops",
        "GuardDuty chat-ops: /gd-finding, /gd-findings, /gd-stats, /gd-help",
        sections,
    )


def allowed_actions(user: ChatUser, permissions: Permissions) -> list[Action]:
    """The actions ``user`` may take, in the help card's order."""
    if not user.is_human:
        return []
    return [action for action in _DOING if permissions.allows(action, user.email)]


def syntax_lines() -> list[str]:
    """The filter grammar as plain lines, for answers without a card."""
    return [f"{example}: {meaning}" for example, meaning in SYNTAX] + [COMMA_HINT]


def filter_problem(command: str, error: FilterError) -> str:
    """A private answer naming the word that did not parse, and the syntax."""
    word = text.plain(error.word, 80).replace("`", "'")
    lines = [
        f"`{word}`: {error.reason}.",
        f"Usage: {command} [filters], for example {command} severity>=high "
        "since:24h. Filters:",
        *(f"  {line}" for line in syntax_lines()),
    ]
    return "\n".join(lines)


def _command_rows() -> list[dict[str, Any]]:
    return [
        widgets.line(f"<b>{command}</b>", "terminal", bottom=what)
        for command, what in _COMMANDS
    ]


def _filter_section() -> dict[str, Any]:
    rows = [
        # The meanings show < and >: escaped in the HTML text, not a plain label.
        widgets.line(
            f"<b>{text.markup(example, 80)}</b><br>{text.markup(meaning, 200)}",
            "filter_alt",
        )
        for example, meaning in SYNTAX
    ]
    rows.append(widgets.paragraph(text.markup(COMMA_HINT, 200)))
    return widgets.section(
        rows, "Filters for /gd-findings and /gd-stats", collapse_after=3
    )


def _permission_section(user: ChatUser, permissions: Permissions) -> dict[str, Any]:
    allowed = allowed_actions(user, permissions)
    rows = [
        widgets.line(
            text.markup(_DOING[action], 200),
            "check_circle" if action in allowed else "block",
            label="You may" if action in allowed else "You may not",
        )
        for action in _DOING
    ]
    return widgets.section(rows, "What you may do")


def _card_message(
    title: str, fallback: str, sections: list[dict[str, Any]]
) -> dict[str, Any]:
    card = {
        "header": {"title": title, "subtitle": "GuardDuty findings in Google Chat"},
        "sections": sections,
    }
    return {"fallbackText": fallback, "cardsV2": [{"cardId": "help", "card": card}]}
