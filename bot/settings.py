"""The ``[bot]`` table of the configuration file, validated when the bot starts.

Errors name the file and the key, like every other configuration error. The token
kind follows from ``bot.verify.audience`` and ``bot.verify.issuer``:

- a project number (digits) as audience: tokens that
  ``chat@system.gserviceaccount.com`` signs itself, verified with that account's
  x509 certificates (``CHAT_CERTS_URL``);
- an endpoint URL as audience: Google ID tokens (``GOOGLE_CERTS_URL``) whose
  ``email`` is ``chat@system.gserviceaccount.com``;
- an endpoint URL with ``issuer`` set to the add-on account
  ``service-NNN@gcp-sa-gsuiteaddons.iam.gserviceaccount.com``: Google ID tokens for a
  Chat app built as a Workspace add-on (also ``GOOGLE_CERTS_URL``).
"""

import enum
import re
from dataclasses import dataclass, field

from bot.permissions import NAMES, Permissions, is_rule
from notifier.config_reader import Table
from notifier.endpoints import is_web_url
from notifier.settings import SPACE, Settings

CHAT_ISSUER = "chat@system.gserviceaccount.com"
CHAT_CERTS_URL = (
    "https://www.googleapis.com/service_accounts/v1/metadata/x509/" + CHAT_ISSUER
)
GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"
GOOGLE_ISSUERS = ("accounts.google.com", "https://accounts.google.com")

_ADDON_ACCOUNT = re.compile(
    r"^service-\d+@gcp-sa-gsuiteaddons\.iam\.gserviceaccount\.com$"
)
_PROJECT_NUMBER = re.compile(r"^\d{1,30}$")
_MENTION = re.compile(r"^users/(\d{1,40}|all)$")
_TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,256}$")
COMMANDS = ("finding", "findings", "stats", "help")


class TokenKind(enum.Enum):
    """The three bearer tokens Google Chat may send, by how the app is set up."""

    PROJECT_NUMBER = "project-number"
    ENDPOINT_URL = "endpoint-url"
    ADDON = "addon"


@dataclass(frozen=True)
class VerifySettings:
    """What a valid bearer token says, and where its signing keys are published.

    Attributes:
        audience: the ``aud`` claim: the project number or the endpoint URL.
        issuer: who signs: the ``iss`` claim of project-number tokens, the
            ``email`` claim of Google ID tokens.
        certs_url: the ``{kid: PEM certificate}`` document of the signer.
        kind: which of the three token forms follows from the two above.
        clock_skew_seconds: leeway for ``iat`` and ``exp`` against our clock.
    """

    audience: str
    issuer: str
    certs_url: str
    kind: TokenKind
    clock_skew_seconds: int = 10


@dataclass(frozen=True)
class EscalationSettings:
    """Where an escalation goes besides GuardDuty's feedback comment."""

    space: str | None = None
    mentions: tuple[str, ...] = ()
    topic_arn: str | None = None


@dataclass(frozen=True)
class CommandIds:
    """The slash command ids configured in the Chat API console."""

    finding: int = 1
    findings: int = 2
    stats: int = 3
    help: int = 4

    def name_of(self, command_id: int | None) -> str | None:
        """The command's name for an id Chat sent, or None when it is not ours."""
        for name in COMMANDS:
            if getattr(self, name) == command_id:
                return name
        return None


@dataclass(frozen=True)
class BotSettings:
    """The bot's part of the configuration, validated.

    Attributes:
        answer_seconds: how long one interaction may take before the bot gives
            up on GuardDuty and tells the person so (Chat waits up to 30 s).
    """

    verify: VerifySettings
    permissions: Permissions = field(default_factory=Permissions)
    escalation: EscalationSettings = field(default_factory=EscalationSettings)
    commands: CommandIds = field(default_factory=CommandIds)
    answer_seconds: float = 8.0


def read(settings: Settings) -> BotSettings:
    """Validates ``settings.bot``.

    Raises:
        ConfigError: naming the file, the key and what was expected.
    """
    table = Table(settings.bot, "bot", settings.source)
    bot = BotSettings(
        verify=_verify(table.table("verify")),
        permissions=_permissions(table.table("permissions")),
        escalation=_escalation(table.table("escalation")),
        commands=_commands(table.table("commands")),
        answer_seconds=table.number("answer_seconds", 8.0, 1.0, 25.0),
    )
    table.finish()
    return bot


def _verify(table: Table) -> VerifySettings:
    audience = table.text("audience")
    by_number = bool(_PROJECT_NUMBER.match(audience))
    if not by_number and not is_web_url(audience):
        raise table.error("audience", "the project number or the endpoint's URL")
    issuer = table.text("issuer", CHAT_ISSUER)
    if issuer == CHAT_ISSUER:
        kind = TokenKind.PROJECT_NUMBER if by_number else TokenKind.ENDPOINT_URL
    elif _ADDON_ACCOUNT.match(issuer) and not by_number:
        kind = TokenKind.ADDON
    else:
        expected = f"{CHAT_ISSUER}, or with an endpoint URL audience " + (
            "service-NNN@gcp-sa-gsuiteaddons.iam.gserviceaccount.com"
        )
        raise table.error("issuer", expected)
    default_certs = (
        CHAT_CERTS_URL if kind is TokenKind.PROJECT_NUMBER else GOOGLE_CERTS_URL
    )
    certs_url = table.text("certs_url", default_certs)
    if not is_web_url(certs_url):
        raise table.error("certs_url", "an https:// URL (http:// only on loopback)")
    verify = VerifySettings(
        audience=audience,
        issuer=issuer,
        certs_url=certs_url,
        kind=kind,
        clock_skew_seconds=table.integer("clock_skew_seconds", 10, 0, 300),
    )
    table.finish()
    return verify


def _permissions(table: Table) -> Permissions:
    rules = {}
    for name in table.names():
        if name not in NAMES:
            raise table.problem(
                name, "not an action; expected one of " + ", ".join(NAMES)
            )
        values = table.texts(name)
        if not all(is_rule(value) for value in values):
            raise table.error(name, 'a list of e-mail addresses, "*@domain" or "*"')
        rules[name] = values
    table.finish()
    return Permissions.of(rules)


def _escalation(table: Table) -> EscalationSettings:
    space = table.text("space", None)
    if space is not None and not SPACE.match(space):
        raise table.error("space", "a space name such as spaces/AAAAxyz")
    mentions = table.texts("mentions")
    if not all(_MENTION.match(mention) for mention in mentions):
        raise table.error("mentions", "a list of user names such as users/1234567890")
    if mentions and space is None:
        raise table.problem("mentions", "mentions need an escalation space")
    topic = table.text("topic_arn", None)
    if topic is not None and not _TOPIC_ARN.match(topic):
        raise table.error("topic_arn", "an SNS topic ARN")
    table.finish()
    return EscalationSettings(space, mentions, topic)


def _commands(table: Table) -> CommandIds:
    ids: dict[str, int] = {}
    for name in COMMANDS:
        value = table.integer(name, getattr(CommandIds, name), 1, 2**31 - 1)
        if value in ids.values():
            raise table.problem(name, f"the id {value} belongs to another command")
        ids[name] = value
    table.finish()
    return CommandIds(**ids)
