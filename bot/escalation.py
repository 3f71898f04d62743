"""Telling the on-call team: a post in the escalation space and an SNS message.

The Chat post mentions the configured people (``<users/NNN>``, the bot's own
configuration, never finding text) and carries the finding's card; the SNS message,
for PagerDuty, Opsgenie or e-mail subscribers, says the same in plain text. Both are
safe to repeat: the post has a client-assigned id derived from the escalation, and
a FIFO topic gets a deduplication id. Submitting one dialog again (a double
click, or a retry after a failure) repeats its escalation; escalating the finding
again later, from a new dialog, is a new one, even in the same words.
"""

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from bot.settings import EscalationSettings
from notifier import text
from notifier.aws import ClientSource
from notifier.budget import Budget
from notifier.cards import fallback_text, finding_message
from notifier.errors import ChatOpsError
from notifier.finding import Finding
from notifier.handling import Handling
from notifier.settings import CardSettings

logger = logging.getLogger(__name__)

SUBJECT_LIMIT = 99
REASON_LIMIT = 1000


class ChatPoster(Protocol):
    """Posts a message to a space as the Chat app (``notifier.chat.ChatApp``).

    Raises ``ChatOpsError`` (``DeliveryError``) when Chat does not take it.
    """

    def post_message(
        self,
        space: str,
        message: dict[str, Any],
        *,
        thread_key: str | None = None,
        message_id: str | None = None,
        budget: Budget,
    ) -> object: ...


@dataclass(frozen=True)
class Escalation:
    """One escalation: who, why, and the finding's card as it now reads.

    Attributes:
        occasion: tells this escalation from another of the same finding by the
            same person in the same words: the dialog's own token, its card and
            the history it opened with. Every submission of one dialog has the
            same.
    """

    finding: Finding
    actor: str
    actor_email: str | None
    reason: str
    history: Sequence[Handling]
    occasion: str = ""


class Escalator:
    """Sends escalations wherever ``[bot.escalation]`` says."""

    def __init__(
        self,
        settings: EscalationSettings,
        cards: CardSettings,
        clients: ClientSource,
        poster: ChatPoster | None,
    ) -> None:
        self.settings = settings
        self._cards = cards
        self._clients = clients
        self._poster = poster
        if settings.space and poster is None:
            logger.warning(
                "bot.escalation.space is set but no Chat poster is wired in: "
                "escalations cannot be posted there"
            )

    @property
    def channels(self) -> tuple[str, ...]:
        """Where escalations go besides GuardDuty, in words for people."""
        named = []
        if self.settings.space:
            named.append("the escalation space")
        if self.settings.topic_arn:
            named.append("the paging topic")
        return tuple(named)

    def send(self, escalation: Escalation, budget: Budget) -> list[str]:
        """Posts and publishes; returns the channels that failed, in words.

        A retry after a partial failure posts under the same message id, but
        publishes again.
        """
        # Limitation: a standard (not FIFO) topic gets a second page when a person
        # retries an escalation whose Chat post failed; a FIFO topic deduplicates.
        failed = []
        if self.settings.space and not self._post(escalation, budget):
            failed.append("the escalation space")
        if self.settings.topic_arn and not self._publish(escalation):
            failed.append("the paging topic")
        return failed

    def _post(self, escalation: Escalation, budget: Budget) -> bool:
        assert self.settings.space is not None
        if self._poster is None:
            return False
        message = finding_message(
            escalation.finding, self._cards, history=escalation.history
        )
        mentions = " ".join(f"<{user}>" for user in self.settings.mentions)
        message["text"] = f"{mentions} A GuardDuty finding was escalated.".strip()
        try:
            self._poster.post_message(
                self.settings.space,
                message,
                message_id="client-esc-" + _digest(escalation)[:40],
                budget=budget,
            )
        except ChatOpsError as error:
            logger.warning(
                "escalation post to %s failed: %s", self.settings.space, error
            )
            return False
        return True

    def _publish(self, escalation: Escalation) -> bool:
        topic = self.settings.topic_arn
        assert topic is not None
        finding = escalation.finding
        request: dict[str, Any] = {
            "TopicArn": topic,
            "Subject": _subject(finding),
            "Message": _sns_text(escalation),
            "MessageAttributes": {
                "event": _attribute("escalation"),
                "severity": _attribute(finding.severity_label.name),
                "account": _attribute(finding.account_id or "unknown"),
                "region": _attribute(finding.region or "unknown"),
            },
        }
        if topic.endswith(".fifo"):
            request["MessageGroupId"] = text.token(finding.id, "A-Za-z0-9_-", 128)
            request["MessageDeduplicationId"] = _digest(escalation)
        try:
            self._clients.client("sns", topic.split(":")[3]).publish(**request)
        except (BotoCoreError, ClientError, ChatOpsError) as error:
            logger.warning(
                "escalation publish to %s failed: %s", topic, type(error).__name__
            )
            return False
        return True


def _digest(escalation: Escalation) -> str:
    identity = "\n".join(
        (
            escalation.finding.arn or escalation.finding.id,
            escalation.actor_email or escalation.actor,
            escalation.reason,
            escalation.occasion,
        )
    )
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()


def _attribute(value: str) -> dict[str, str]:
    return {"DataType": "String", "StringValue": value}


def _subject(finding: Finding) -> str:
    kind = text.token(finding.type, r"A-Za-z0-9:/._!&\-", 80)
    label = finding.severity_label.title
    return text.truncate_bytes(f"GuardDuty escalation: {label} {kind}", SUBJECT_LIMIT)


def _sns_text(escalation: Escalation) -> str:
    finding = escalation.finding
    who = escalation.actor
    if escalation.actor_email:
        who = f"{who} ({escalation.actor_email})"
    score = f" {finding.severity:.1f}" if finding.severity is not None else ""
    lines = [
        "A GuardDuty finding was escalated from Google Chat.",
        "",
        f"Escalated by: {text.clean(who, limit=200)}",
        f"Reason: {text.clean(escalation.reason, limit=REASON_LIMIT)}",
        "",
        f"Finding: {text.clean(finding.title, limit=300)}",
        f"Summary: {fallback_text(finding)}",
        f"Severity: {finding.severity_label.title}{score}",
        f"Finding ID: {finding.id}",
        f"Finding ARN: {finding.arn or 'unknown'}",
    ]
    if finding.console_url:
        lines.append(f"Console: {finding.console_url}")
    return "\n".join(lines)
