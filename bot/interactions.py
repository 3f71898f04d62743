"""The bot's core: one HTTP request from Google Chat in, one answer out.

Entry points (Flask, functions-framework, a Lambda function URL) turn their
platform's request into an :class:`Interaction` and the :class:`Reply` back into
theirs. In between, always in this order: the bearer token is verified, the body
is read as an event, and the event is routed to the card actions or the command
router. Failures become a status and a fixed short body; details go to the log.
"""

import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import requests

from bot import settings as bot_settings
from bot.actions import Actions
from bot.commands import CommandContext, CommandRouter
from bot.credentials import aws_session
from bot.deadline import Deadline
from bot.errors import BadEvent, Unauthenticated, VerifierUnavailable
from bot.escalation import ChatPoster, Escalator
from bot.events import ChatEvent, parse_event
from bot.guardduty import GuardDuty
from bot.lookup import FindingLookup
from bot.regions import RegionScope, RegionSweep
from bot.responses import Answer, Notice, render
from bot.search import FindingSearch
from bot.statistics import FindingStatistics
from bot.verification import Verifier
from notifier.aws import AwsClients, ClientSource
from notifier.chat import ChatApp
from notifier.secrets import SecretStore
from notifier.settings import Settings

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000
HEALTH_PATH = "/healthz"
JSON = "application/json; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
# A Python string holds a surrogate only alone (JSON's escaped pairs are joined
# when read), and a lone one has no UTF-8 form.
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Interaction:
    """An HTTP request as the core sees it; header names are lower-case."""

    method: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    @classmethod
    def of(
        cls,
        method: str,
        path: str,
        headers: Iterable[tuple[str, str]] | Mapping[str, str],
        body: bytes,
    ) -> "Interaction":
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        lowered = {name.lower(): value for name, value in pairs}
        return cls(method.upper(), path or "/", MappingProxyType(lowered), body)


@dataclass(frozen=True)
class Reply:
    """The HTTP answer: a status, a body and its content type."""

    status: int
    body: bytes
    content_type: str = TEXT

    @classmethod
    def text(cls, status: int, words: str) -> "Reply":
        return cls(status, (words + "\n").encode("utf-8"))

    @classmethod
    def json(cls, document: Mapping[str, Any]) -> "Reply":
        """A 200 with ``document``; lone surrogates, which have no UTF-8 form,
        become U+FFFD as ``notifier.text.clean`` makes them."""
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
        return cls(200, _SURROGATE.sub("\ufffd", body).encode("utf-8"), JSON)


UNAUTHORIZED = Reply.text(401, "Unauthorized")
UNAVAILABLE = Reply.text(503, "Service unavailable")
BAD_REQUEST = Reply.text(400, "Bad request")
TOO_LARGE = Reply.text(413, "Payload too large")
NOT_FOUND = Reply.text(404, "Not found")
NOT_ALLOWED = Reply.text(405, "Method not allowed")
HEALTHY = Reply.text(200, "ok")
FAILED = Notice("The bot failed to answer. Nothing was changed.", "INTERNAL")


class Bot:
    """Answers Google Chat's requests.

    Attributes:
        commands: the command router, where slash command handlers register.
        guardduty: the GuardDuty client the actions use.
    """

    def __init__(
        self,
        verifier: Verifier,
        actions: Actions,
        commands: CommandRouter,
        guardduty: GuardDuty,
    ) -> None:
        self._verifier = verifier
        self._actions = actions
        self.commands = commands
        self.guardduty = guardduty

    def handle(self, interaction: Interaction) -> Reply:
        """Any request: ``GET /healthz`` or a Chat event ``POST``; never raises.

        What fails unexpectedly before the event is read answers 503 with its
        fixed body, never a 500 page; the details go to the log.
        """
        if interaction.path == HEALTH_PATH:
            return HEALTHY if interaction.method in ("GET", "HEAD") else NOT_ALLOWED
        if interaction.method != "POST":
            return NOT_ALLOWED
        try:
            return self.answer(interaction)
        except Exception:
            logger.exception("the request could not be answered")
            return UNAVAILABLE

    def answer(self, interaction: Interaction) -> Reply:
        """A Chat event: verified first, then read, then answered."""
        started = time.monotonic()
        if len(interaction.body) > MAX_BODY_BYTES:
            return TOO_LARGE
        try:
            self._verifier.verify(interaction.headers.get("authorization"))
        except Unauthenticated:
            return UNAUTHORIZED
        except VerifierUnavailable:
            return UNAVAILABLE
        try:
            event = parse_event(interaction.body)
        except BadEvent as error:
            logger.warning("event refused: %s", error)
            return BAD_REQUEST
        reply = self._reply(self._route(event), event)
        logger.info(
            "answered %s (%s) from %s in %s in %d ms",
            event.kind.value,
            event.envelope,
            event.user.name,
            event.space or "no space",
            (time.monotonic() - started) * 1000,
        )
        return reply

    def _route(self, event: ChatEvent) -> Answer:
        try:
            if self._actions.handles(event):
                return self._actions.answer(event)
            return self.commands.answer(event)
        except Exception:
            logger.exception("answering %s failed", event.kind.value)
            return FAILED

    @staticmethod
    def _reply(answer: Answer, event: ChatEvent) -> Reply:
        """The answer in the event's envelope; the fixed failure notice instead
        when it cannot be written."""
        try:
            document = render(answer, event)
            return Reply(204, b"") if document is None else Reply.json(document)
        except Exception:
            logger.exception("the answer to %s could not be written", event.kind.value)
            failed = render(FAILED, event)
            assert failed is not None
            return Reply.json(failed)


def build_bot(
    settings: Settings,
    *,
    poster: ChatPoster | None = None,
    clients: ClientSource | None = None,
    http: requests.Session | None = None,
    now: Callable[[], datetime] | None = None,
) -> Bot:
    """The bot as the configuration describes it.

    Args:
        poster: posts escalations to the escalation space; by default the
            notifier's Chat app client when ``chat.credentials`` is set, else
            escalations go to GuardDuty and SNS only.
        clients: boto3 clients to use (tests pass their own); by default built
            from ``[aws]`` with the credentials :mod:`bot.credentials` chooses.
        http: the HTTP session for Google's certificates and identity tokens.
        now: the clock stamped on history entries, and the time ``since:``
            filters count back from.

    Raises:
        ConfigError: the ``[bot]`` table is invalid.
    """
    config = bot_settings.read(settings)
    scope = region_scope(settings)
    if clients is None:
        clients = AwsClients(settings.aws, session=aws_session(settings.aws, http=http))
    if poster is None and settings.chat.credentials is not None:
        poster = ChatApp(settings, SecretStore(clients))
    guardduty = GuardDuty(clients)
    options = {"now": now} if now else {}
    actions = Actions(
        guardduty=guardduty,
        permissions=config.permissions,
        escalator=Escalator(config.escalation, settings.cards, clients, poster),
        cards=settings.cards,
        regions=scope.default,
        deadline=Deadline(config.answer_seconds),
        **options,
    )
    return Bot(
        Verifier(config.verify, session=http),
        actions,
        _commands(settings, config, scope, guardduty, now),
        guardduty,
    )


def region_scope(settings: Settings) -> RegionScope:
    """Where the bot may act and search: ``aws.regions``, else the home Region.

    The home Region is ``aws.region``, else the platform's (``AWS_REGION`` on
    Lambda), where boto3 calls when the configuration names none.
    """
    home = (
        settings.aws.region
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
    )
    scope = RegionScope(settings.aws.regions, home or None)
    # Not a configuration error: the notifier reads the same file and needs no
    # Region, and a bot without one still verifies requests and answers /gd-help;
    # each click or search then says what to set.
    if not scope.default:
        logger.warning(
            "neither aws.regions nor aws.region is set (nor AWS_REGION): the bot "
            "acts on no finding and searches no Region"
        )
    return scope


def _commands(
    settings: Settings,
    config: bot_settings.BotSettings,
    scope: RegionScope,
    guardduty: GuardDuty,
    now: Callable[[], datetime] | None,
) -> CommandRouter:
    """The command router, with the slash commands that call GuardDuty."""
    context = CommandContext(
        guardduty=guardduty,
        scope=scope,
        sweep=RegionSweep(),
        cards=settings.cards,
        permissions=config.permissions,
        answer_seconds=config.answer_seconds,
        now=now or (lambda: datetime.now(UTC)),
    )
    router = CommandRouter(config.commands, permissions=config.permissions)
    router.register("finding", FindingLookup(context).answer)
    router.register("findings", FindingSearch(context).answer)
    router.register("stats", FindingStatistics(context).answer)
    return router
