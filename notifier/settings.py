"""The product's settings: frozen values the configuration file is read into.

:mod:`notifier.config` reads and validates the file; everything else takes these.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from notifier.aws import AwsSettings
from notifier.secrets import SecretRef

DEFAULT_CHAT_API = "https://chat.googleapis.com"
SPACE = re.compile(r"^spaces/[A-Za-z0-9_-]{1,100}$")

TlsMode = Literal["starttls", "tls", "none"]
ChannelKind = Literal["chat", "webhook", "email", "sns"]


@dataclass(frozen=True)
class ChatSettings:
    """Posting to Google Chat as the Chat app, or through an incoming webhook."""

    api_url: str = DEFAULT_CHAT_API
    credentials: SecretRef | None = None
    space: str | None = None
    webhook_url: SecretRef | None = None
    action_function: str = "guardduty"
    timeout_seconds: float = 10.0
    max_attempts: int = 5
    writes_per_minute: int = 50


@dataclass(frozen=True)
class CardSettings:
    """How cards read: account names people know, and whether to link the console."""

    account_aliases: Mapping[str, str] = field(default_factory=dict)
    console_links: bool = True
    action_function: str = "guardduty"

    def account_name(self, account_id: str | None) -> str | None:
        return self.account_aliases.get(account_id or "")


@dataclass(frozen=True)
class DigestSettings:
    """Above ``threshold`` findings for one space in one batch, one digest card."""

    threshold: int = 10
    top: int = 10


@dataclass(frozen=True)
class EmailList:
    """Named recipients; Bcc addresses go only into the SMTP envelope."""

    name: str
    to: tuple[str, ...]
    cc: tuple[str, ...] = ()
    bcc: tuple[str, ...] = ()


@dataclass(frozen=True)
class EmailSettings:
    """Sending e-mail over SMTP (explicit TLS mode) or Amazon SES."""

    sender: str
    transport: Literal["smtp", "ses"] = "smtp"
    host: str | None = None
    port: int = 587
    tls: TlsMode = "starttls"
    username: str | None = None
    password: SecretRef | None = None
    timeout_seconds: float = 10.0
    lists: Mapping[str, EmailList] = field(default_factory=dict)


@dataclass(frozen=True)
class SnsSettings:
    """The SNS topic for alerts (subscribers filter on message attributes)."""

    topic_arn: str


@dataclass(frozen=True)
class Channel:
    """A destination a route names: ``chat:spaces/X``, ``webhook``, ``email:LIST``,
    ``sns`` or ``sns:TOPIC-ARN``."""

    kind: ChannelKind
    target: str | None = None

    def __str__(self) -> str:
        return f"{self.kind}:{self.target}" if self.target else self.kind


@dataclass(frozen=True)
class Route:
    """Which findings go where.

    Attributes:
        channels: tried in order until one accepts the finding.
        passive: always sent as well (a list of people who want to be told).
        An empty match list matches everything; ``sample`` None matches both.
    """

    name: str
    channels: tuple[Channel, ...]
    passive: tuple[Channel, ...] = ()
    min_severity: float = 0.0
    max_severity: float = 10.0
    types: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    resource_types: tuple[str, ...] = ()
    sample: bool | None = None


@dataclass(frozen=True)
class DeliverySettings:
    """How the notifier spends its time and remembers what it sent."""

    reserve_seconds: float = 10.0
    records_table: str | None = None


@dataclass(frozen=True)
class Settings:
    """Everything the configuration file says, validated."""

    source: str = "(defaults)"
    chat: ChatSettings = field(default_factory=ChatSettings)
    cards: CardSettings = field(default_factory=CardSettings)
    digest: DigestSettings = field(default_factory=DigestSettings)
    email: EmailSettings | None = None
    sns: SnsSettings | None = None
    routes: tuple[Route, ...] = ()
    aws: AwsSettings = field(default_factory=AwsSettings)
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    bot: Mapping[str, Any] = field(default_factory=dict)
