"""The Chat app the local Chat talks to: its configuration, the call, the record.

Google Chat knows an app by its Cloud project: where its endpoint is, which token
audience it chose, whether it is a Workspace add-on, and which slash commands it
registered (name and ID). `AppConfig` holds the same for the sandbox, plus the
service account whose messages count as the app's own. `post_event` is the call
Chat makes: one POST with `Authorization: Bearer`, Chat's 30-second limit, and
every failure turned into words a person can read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import requests

from sandbox.chat_answers import Effect
from sandbox.chat_events import CommandEvent, EventFormat
from sandbox.chat_messages import Caller
from sandbox.chat_people import Person
from sandbox.google_identity import ChatApp, TokenKind

logger = logging.getLogger(__name__)

CHAT_TIMEOUT_SECONDS = 30.0
DEFAULT_COMMANDS: Mapping[str, int] = MappingProxyType(
    {"/gd-finding": 1, "/gd-findings": 2, "/gd-stats": 3, "/gd-help": 4}
)
USER_AGENT = "Google-Dynamite"


@dataclass(frozen=True)
class AppConfig:
    """One Chat app as Google Chat is configured to call it.

    Attributes:
        bot_url: the app's HTTP endpoint.
        app: its project number and endpoint URL, the token audiences.
        token_kind: which of Google's three bearer tokens it is sent.
        caller: the app as the writer of messages (its service account).
        event_format: "classic" Chat events or "addon" event objects.
        commands: slash command names ("/gd-help") and their command IDs.
        command_event: for classic apps, "MESSAGE" or "APP_COMMAND" events.
        timeout: seconds to wait for an answer (Chat waits 30).
    """

    bot_url: str
    app: ChatApp
    token_kind: TokenKind
    caller: Caller
    event_format: EventFormat = "classic"
    commands: Mapping[str, int] = field(default_factory=lambda: DEFAULT_COMMANDS)
    command_event: CommandEvent = "MESSAGE"
    timeout: float = CHAT_TIMEOUT_SECONDS

    def __post_init__(self) -> None:
        if self.event_format not in ("classic", "addon"):
            raise ValueError(f"unknown event format {self.event_format!r}")
        if self.command_event not in ("MESSAGE", "APP_COMMAND"):
            raise ValueError(f"unknown command event {self.command_event!r}")
        for name, command_id in self.commands.items():
            if not name.startswith("/") or " " in name or command_id < 1:
                raise ValueError(f"bad slash command {name!r} -> {command_id!r}")

    @property
    def name(self) -> str:
        """The app's display name."""
        return self.caller.display_name

    def app_user(self) -> dict[str, Any]:
        """The app as a `User` (type BOT), as Chat names it in events."""
        return self.caller.sender()


@dataclass(frozen=True)
class BotReply:
    """What came back from the app: an HTTP status, a JSON object, or an error."""

    status: int | None
    body: dict[str, Any] | None = None
    error: str | None = None


BotCall = Callable[[AppConfig, Mapping[str, Any], str], BotReply]


def post_event(config: AppConfig, event: Mapping[str, Any], token: str) -> BotReply:
    """Posts one event to the app as Google Chat does, and reads its answer."""
    headers = {"Authorization": f"Bearer {token}", "User-Agent": USER_AGENT}
    # Limitation: the timeout bounds the connection and each wait for data, not
    # the whole answer; an app that trickles its answer out can take longer.
    try:
        response = requests.post(
            config.bot_url, json=event, headers=headers, timeout=config.timeout
        )
    except requests.Timeout:
        return BotReply(
            None, error=f"{config.name} did not respond within {config.timeout:g} s"
        )
    except requests.RequestException as error:
        logger.info("the app could not be reached: %s", type(error).__name__)
        return BotReply(None, error=f"{config.name} could not be reached")

    status = response.status_code
    if status != 200:
        return BotReply(status, error=f"{config.name} did not respond (HTTP {status})")
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return BotReply(status, error=f"{config.name} answered with no JSON object")
    return BotReply(status, body)


@dataclass(frozen=True)
class Scene:
    """Where an interaction happens: who, which space, which message.

    Attributes:
        person: who interacted.
        space: `spaces/{id}`.
        origin: the message clicked, the dialog was opened from, or the command
            message; None for ADDED_TO_SPACE.
        click: a card click or dialog step, the only events an update answers.
    """

    person: Person
    space: str
    origin: Mapping[str, Any] | None
    click: bool

    def updatable(self, config: AppConfig) -> bool:
        """UPDATE_MESSAGE may edit the origin: a click on the app's own message."""
        if not self.click or self.origin is None:
            return False
        sender = self.origin.get("sender") or {}
        return bool(sender.get("name") == config.app_user()["name"])


@dataclass(frozen=True)
class Interaction:
    """One event sent to the app, and what came of it.

    Attributes:
        kind: CARD_CLICKED, SUBMIT_DIALOG, CANCEL_DIALOG, SLASH_COMMAND or
            ADDED_TO_SPACE.
        user: who, `users/{id}`.
        space: where, `spaces/{id}`.
        at: the event's time.
        event: the event as sent (an add-on event's systemIdToken redacted).
        status: the app's HTTP status; None if it never answered.
        answer: the app's JSON answer.
        effect: what the answer did, when it was applied.
        message: the message created or updated.
        dialog: the dialog card now open.
        notice: text shown to the person (userFacingMessage, notification).
        error: why nothing was applied; None when the answer was.
    """

    kind: str
    user: str
    space: str
    at: str
    event: Mapping[str, Any]
    status: int | None = None
    answer: Mapping[str, Any] | None = None
    effect: Effect | None = None
    message: Mapping[str, Any] | None = None
    dialog: Mapping[str, Any] | None = None
    notice: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """The app answered and its answer was applied."""
        return self.error is None and self.status == 200

    def summary(self) -> dict[str, Any]:
        """A short JSON view for the page: no event, no answer bodies."""
        return {
            "kind": self.kind,
            "user": self.user,
            "space": self.space,
            "at": self.at,
            "status": self.status,
            "effect": self.effect.value if self.effect else None,
            "notice": self.notice,
            "error": self.error,
            "ok": self.ok,
        }
