"""Posting to Google Chat as the Chat app: one live card per finding, edited in place.

A finding's card has a client-assigned message id derived from the finding
(:mod:`notifier.chat_keys`). The first delivery creates it in its thread; a later
one, finding the id taken (409 ALREADY_EXISTS), reads the card, keeps the record of
who did what that rides on its buttons, and edits the card, unless it already
shows this version of the finding. So a Lambda retry never posts twice, and a
GuardDuty update never wipes "Archived by NAME".
"""

import enum
import logging
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from notifier import chat_keys
from notifier.budget import Budget
from notifier.cards import ShownVersion, finding_message, shown_version
from notifier.chat_auth import AppCredentials
from notifier.digest import digest_message
from notifier.errors import DeliveryError
from notifier.finding import Finding
from notifier.handling import history_from_message
from notifier.secrets import SecretStore
from notifier.settings import SPACE, Settings
from notifier.severity import Severity
from notifier.timestamps import parse_time
from notifier.transport import Answer, Call, RequestFailed, Transport

log = logging.getLogger(__name__)

REPLY_OPTION = "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"
# Google's update mask path for cards (text, attachment, cards, cards_v2 and
# accessory_widgets are the documented ones).
# Limitation: fallbackText has no update mask path, so an edited card keeps the
# notification line of its first post (the severity it had then); the severity
# reply is what tells people of a rise.
UPDATE_MASK = "cards_v2"
_THREAD_NAME = re.compile(r"spaces/[A-Za-z0-9_-]+/threads/[A-Za-z0-9_.-]+")


class Outcome(enum.Enum):
    """What a post did to the space."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    FAILED = "failed"


@dataclass(frozen=True)
class ChatResult:
    """The result of one post to Chat.

    Attributes:
        outcome: created; updated; unchanged (the message was already there
            with this content: a repeat, a retry, or an attempt whose answer was
            lost but which did create it); or failed (see :meth:`failed`).
        message: the message's resource name, ``spaces/S/messages/M``.
        attempts: HTTP attempts it took, across every call.
        status: the HTTP status of the last call.
        reply: the severity reply's resource name, when one was posted.
    """

    outcome: Outcome
    message: str | None
    attempts: int
    status: int | None
    reply: str | None = None

    @classmethod
    def failed(cls, error: DeliveryError) -> "ChatResult":
        """A failed result for an error a post raised (for reporting)."""
        if isinstance(error, RequestFailed):
            return cls(Outcome.FAILED, None, error.attempts, error.status)
        return cls(Outcome.FAILED, None, 0, None)


class ChatApp:
    """Posts as the Chat app, with its service-account key (``chat.credentials``).

    Args:
        settings: the configuration (``chat``, ``cards`` and ``digest`` are used).
        secrets: resolves ``chat.credentials``.
        transport: sends the calls; by default the pooled session with
            ``chat.max_attempts``, ``chat.timeout_seconds`` and the process's pacer
            at ``chat.writes_per_minute``.

    Every method raises :class:`DeliveryError` (a :class:`RequestFailed` for HTTP
    failures) when Chat did not take the message; ``retryable`` says whether
    trying later may help.
    """

    def __init__(
        self,
        settings: Settings,
        secrets: SecretStore,
        *,
        transport: Transport | None = None,
    ) -> None:
        self._settings = settings
        self._secrets = secrets
        self._transport = transport or Transport.for_chat(settings.chat)
        self._credentials: AppCredentials | None = None

    def post_finding(self, space: str, finding: Finding, budget: Budget) -> ChatResult:
        """Creates the finding's card in ``space``, or edits the one already there.

        When the finding's severity rose since the card was drawn, a short reply
        in the card's thread says so (people are notified of replies, not edits).
        """
        space = _checked_space(space)
        card_id = chat_keys.message_id(finding)
        body = {
            **finding_message(finding, self._settings.cards),
            "thread": {"threadKey": chat_keys.thread_key(finding)},
        }
        created = self._create(space, body, card_id, "create", finding.id, budget)
        if created.ok:
            return _result(Outcome.CREATED, space, card_id, created)
        if created.status != 409:
            raise _refused("create", space, created)
        return self._update(space, finding, card_id, budget, created.attempts)

    def post_digest(
        self, space: str, findings: Sequence[Finding], budget: Budget
    ) -> ChatResult:
        """Posts one digest card of ``findings``; a retry of the same batch finds
        the digest it posted (unchanged) instead of posting another."""
        space = _checked_space(space)
        message = digest_message(
            findings, self._settings.cards, top=self._settings.digest.top
        )
        return self._post(
            space, message, chat_keys.digest_id(findings), "digest", budget
        )

    def post_message(
        self,
        space: str,
        message: Mapping[str, Any],
        *,
        thread_key: str | None = None,
        message_id: str | None = None,
        budget: Budget,
    ) -> ChatResult:
        """Posts ``message`` (a Chat Message body) as the app.

        Args:
            thread_key: reply in this thread (the app's own key), or start it.
            message_id: a client-assigned id (``client-...``); a message with it
                already there is left unchanged. Without one, a random
                ``requestId`` keeps this call's retries from posting twice.
        """
        space = _checked_space(space)
        body = dict(message)
        if thread_key is not None:
            body["thread"] = {"threadKey": thread_key}
        return self._post(space, body, message_id, "post", budget)

    def _update(
        self,
        space: str,
        finding: Finding,
        card_id: str,
        budget: Budget,
        attempts: int,
    ) -> ChatResult:
        existing = self._send(
            Call(
                "GET",
                self._message_url(space, card_id),
                "read",
                space,
                write=False,
                finding=finding.id,
                message=card_id,
            ),
            budget,
        )
        attempts += existing.attempts
        # Limitation: a card someone deleted answers 409 on create (if Google keeps
        # the id reserved; its documents do not say) and 404 here, and is not posted
        # again: the delivery fails without retry and the route's next channel takes
        # the finding.
        if not existing.ok:
            raise _refused("read", space, existing)
        stored = existing.body.mapping()
        shown = shown_version(stored)
        if shown is not None and _is_current(shown, finding):
            return _result(Outcome.UNCHANGED, space, card_id, existing, attempts)

        reply = None
        if shown is not None and _rose(shown, finding):
            # Before the edit: if the edit then fails, the retry still sees the
            # old severity, and the reply's own id stops a second reply.
            posted = self._announce_rise(space, finding, shown, existing, budget)
            attempts += posted.attempts
            reply = posted.message

        history = history_from_message(stored)
        message = finding_message(finding, self._settings.cards, history=history)
        patched = self._send(
            Call(
                "PATCH",
                self._message_url(space, card_id),
                "update",
                space,
                params={"updateMask": UPDATE_MASK},
                body={"cardsV2": message["cardsV2"]},
                finding=finding.id,
                message=card_id,
            ),
            budget,
        )
        attempts += patched.attempts
        if not patched.ok:
            raise _refused("update", space, patched)
        return _result(Outcome.UPDATED, space, card_id, patched, attempts, reply)

    def _announce_rise(
        self,
        space: str,
        finding: Finding,
        shown: ShownVersion,
        existing: Answer,
        budget: Budget,
    ) -> ChatResult:
        """A reply in the card's thread, built from validated numbers and labels
        only: no finding text, so nothing in it can mention or link."""
        before = _severity_text(shown.severity)
        after = _severity_text(finding.severity)
        thread = existing.body.at("thread", "name").text()
        body = {
            "text": f"Severity rose from {before} to {after}",
            "thread": (
                {"name": thread}
                if thread and _THREAD_NAME.fullmatch(thread)
                else {"threadKey": chat_keys.thread_key(finding)}
            ),
        }
        return self._post(
            space, body, chat_keys.reply_id(finding), "reply", budget, finding.id
        )

    def _post(
        self,
        space: str,
        body: Mapping[str, Any],
        client_id: str | None,
        operation: str,
        budget: Budget,
        finding: str | None = None,
    ) -> ChatResult:
        """Creates a message; one whose client id is taken is left unchanged."""
        answer = self._create(space, body, client_id, operation, finding, budget)
        if answer.ok:
            return _result(Outcome.CREATED, space, client_id, answer)
        if answer.status == 409 and client_id is not None:
            return _result(Outcome.UNCHANGED, space, client_id, answer)
        raise _refused(operation, space, answer)

    def _create(
        self,
        space: str,
        body: Mapping[str, Any],
        client_id: str | None,
        operation: str,
        finding: str | None,
        budget: Budget,
    ) -> Answer:
        params = (
            {"messageId": client_id}
            if client_id is not None
            else {"requestId": str(uuid.uuid4())}
        )
        if "thread" in body:
            params["messageReplyOption"] = REPLY_OPTION
        return self._send(
            Call(
                "POST",
                f"{self._settings.chat.api_url}/v1/{space}/messages",
                operation,
                space,
                params=params,
                body=body,
                finding=finding,
                message=client_id,
            ),
            budget,
        )

    def _send(self, call: Call, budget: Budget) -> Answer:
        return self._transport.send(call, budget, self._authorizer())

    def _authorizer(self) -> AppCredentials:
        if self._credentials is None:
            ref = self._settings.chat.credentials
            if ref is None:
                raise DeliveryError(
                    "chat.credentials is not set: no Chat app key to post with"
                )
            self._credentials = AppCredentials(
                self._secrets,
                ref,
                self._transport.session,
                self._settings.chat.timeout_seconds,
            )
        return self._credentials

    def _message_url(self, space: str, client_id: str) -> str:
        return f"{self._settings.chat.api_url}/v1/{space}/messages/{client_id}"


def _checked_space(space: str) -> str:
    if not SPACE.match(space):
        raise DeliveryError(f"not a Chat space name: {space[:120]!r}")
    return space


def _is_current(shown: ShownVersion, finding: Finding) -> bool:
    """Whether the card already shows this version, or a newer one (an update
    that arrives late must not roll the card back)."""
    if shown.version == finding.version:
        return True
    # Finding.version starts with the finding's updatedAt.
    shown_at = parse_time(shown.version.partition("#")[0])
    updated = finding.updated_at
    return shown_at is not None and updated is not None and shown_at > updated


def _rose(shown: ShownVersion, finding: Finding) -> bool:
    if shown.severity is None or finding.severity is None:
        return False
    return round(finding.severity, 1) > shown.severity


def _severity_text(score: float | None) -> str:
    label = Severity.of(score)
    return f"{label.title} {score:.1f}" if score is not None else label.title


def _result(
    outcome: Outcome,
    space: str,
    client_id: str | None,
    answer: Answer,
    attempts: int | None = None,
    reply: str | None = None,
) -> ChatResult:
    name = answer.body.at("name").text()
    if outcome is not Outcome.CREATED and client_id is not None:
        name = f"{space}/messages/{client_id}"
    return ChatResult(
        outcome,
        name,
        answer.attempts if attempts is None else attempts,
        answer.status,
        reply,
    )


def _refused(operation: str, space: str, answer: Answer) -> RequestFailed:
    return RequestFailed(
        f"Chat {operation} in {space} refused: {answer.problem()}",
        retryable=False,
        status=answer.status,
        attempts=answer.attempts,
    )
