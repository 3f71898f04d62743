"""Channels: the senders delivery hands findings to, and how they are built.

Delivery depends only on the protocols below. Each sender raises
:class:`notifier.errors.DeliveryError` (``retryable`` set) when it did not deliver,
and returns anything it likes when it did.
"""

import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from notifier.aws import AwsClients
from notifier.budget import Budget
from notifier.chat import ChatApp
from notifier.config import check_deliverable
from notifier.email import mailer_for
from notifier.finding import Finding
from notifier.records import DeliveryRecords
from notifier.secrets import SecretStore
from notifier.settings import Settings
from notifier.sns import Publisher
from notifier.webhook import ChatWebhook


class ChatSender(Protocol):
    """Posts to Google Chat as the Chat app, in any space (``notifier.chat.ChatApp``).

    ``post_finding`` creates or edits the finding's one card in ``space``;
    ``post_digest`` posts one digest card for ``findings``.
    """

    def post_finding(
        self, space: str, finding: Finding, budget: Budget, /
    ) -> object: ...

    def post_digest(
        self, space: str, findings: list[Finding], budget: Budget, /
    ) -> object: ...


class WebhookSender(Protocol):
    """Posts through one incoming webhook (``notifier.chat.ChatWebhook``)."""

    def post_finding(self, finding: Finding, budget: Budget, /) -> object: ...

    def post_digest(self, findings: list[Finding], budget: Budget, /) -> object: ...


class MailSender(Protocol):
    """Sends one finding to a named e-mail list (``notifier.email.Mailer``)."""

    def send_finding(
        self, list_name: str, finding: Finding, budget: Budget, /
    ) -> object: ...

    def close(self) -> None:
        """Ends any connection kept open during a batch."""


class TopicPublisher(Protocol):
    """Publishes one finding to an SNS topic (``notifier.sns.Publisher``)."""

    def publish_finding(
        self, topic_arn: str, finding: Finding, budget: Budget, /
    ) -> object: ...


@dataclass(frozen=True)
class Channels:
    """The senders one configuration uses; None where a kind is not set up."""

    chat: ChatSender | None = None
    webhook: WebhookSender | None = None
    email: MailSender | None = None
    sns: TopicPublisher | None = None
    records: DeliveryRecords | None = None


ChatFactory = Callable[
    [Settings, SecretStore], tuple[ChatSender | None, WebhookSender | None]
]


def open_channels(
    settings: Settings,
    secrets: SecretStore,
    clients: AwsClients,
    *,
    chat_factory: "ChatFactory | None" = None,
    ssl_context: ssl.SSLContext | None = None,
) -> Channels:
    """The senders ``settings`` call for. Nothing connects until the first send.

    Args:
        chat_factory: builds the Chat app and webhook clients; :func:`chat_clients`
            unless given.
        ssl_context: trust for SMTP's TLS (the system's CA store unless given).

    Raises:
        ConfigError: the configuration names no channel at all.
    """
    check_deliverable(settings)
    chat, webhook = (chat_factory or chat_clients)(settings, secrets)
    email = settings.email
    table = settings.delivery.records_table
    return Channels(
        chat=chat,
        webhook=webhook,
        email=(
            mailer_for(email, settings.cards, secrets, clients, ssl_context)
            if email
            else None
        ),
        sns=Publisher(clients, settings.cards) if _uses_sns(settings) else None,
        records=DeliveryRecords(table, clients) if table else None,
    )


def chat_clients(
    settings: Settings, secrets: SecretStore
) -> tuple[ChatSender | None, WebhookSender | None]:
    """The Chat app client (when ``chat.credentials`` is set) and the webhook client
    (when ``chat.webhook_url`` is set)."""
    app = ChatApp(settings, secrets) if settings.chat.credentials else None
    webhook = ChatWebhook(settings, secrets) if settings.chat.webhook_url else None
    return app, webhook


def _uses_sns(settings: Settings) -> bool:
    if settings.sns is not None:
        return True
    return any(
        channel.kind == "sns"
        for route in settings.routes
        for channel in (*route.channels, *route.passive)
    )
