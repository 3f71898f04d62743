"""The product's configuration: one TOML file named by ``CHATOPS_CONFIG``.

It is read and validated once, at start, into frozen settings. Secrets appear only as
references. The ``[bot]`` table is handed on unvalidated to the bot, which checks it
the same way when it starts.
"""

import dataclasses
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from notifier.aws import GOOGLE_IDENTITY_URL, AwsSettings
from notifier.config_reader import Table
from notifier.endpoints import is_loopback, is_web_url
from notifier.errors import ConfigError
from notifier.secrets import SecretRef
from notifier.settings import (
    DEFAULT_CHAT_API,
    SPACE,
    CardSettings,
    Channel,
    ChatSettings,
    DeliverySettings,
    DigestSettings,
    EmailList,
    EmailSettings,
    Route,
    Settings,
    SnsSettings,
)

ENV_VAR = "CHATOPS_CONFIG"
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")
_ACCOUNT = re.compile(r"^\d{12}$")
_TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,256}$")
_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")


def load(path: str | os.PathLike[str] | None = None) -> Settings:
    """Reads and validates the file at ``path``, or the one ``CHATOPS_CONFIG`` names.

    With neither, the defaults (enough to preview cards, not to deliver them).

    Raises:
        ConfigError: naming the file, the key and what was expected.
    """
    path = path or os.environ.get(ENV_VAR)
    if not path:
        return Settings()
    source = str(path)
    try:
        document = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{source}: cannot read: {error.strerror}") from error
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{source}: not valid TOML: {error}") from error
    return parse(document, source)


def parse(document: Mapping[str, Any], source: str = "(config)") -> Settings:
    """Validates an already-decoded configuration document."""
    top = Table(document, "", source)
    aws = _aws(top.table("aws"))
    chat = _chat(top.table("chat"))
    cards = _cards(top.table("cards"), chat)
    email = _email(top.table("email")) if "email" in top else None
    sns = _sns(top.table("sns")) if "sns" in top else None
    settings = Settings(
        source=source,
        chat=chat,
        cards=cards,
        digest=_digest(top.table("digest")),
        email=email,
        sns=sns,
        aws=aws,
        delivery=_delivery(top.table("delivery")),
        bot=MappingProxyType(dict(top.raw("bot") or {})),
    )
    routes = tuple(_route(table, settings) for table in top.tables("routes"))
    top.finish()
    return _with_routes(settings, routes)


def check_deliverable(settings: Settings) -> None:
    """Raises ConfigError when the configuration gives findings nowhere to go.

    Previewing needs no channel; delivering does: without one, every finding would
    be reported unrouted and dropped.
    """
    if settings.routes:
        return
    chat = settings.chat
    if chat.credentials and not chat.space:
        reason = "chat.credentials is set but chat.space is not: name the space"
    elif chat.space and not chat.credentials:
        reason = "chat.space is set but chat.credentials is not: add the app's key"
    else:
        reason = (
            "no channel to deliver to: set [chat] credentials and space, "
            "chat.webhook_url, [email] or [sns]"
        )
    raise ConfigError(f"{settings.source}: {reason}")


def _chat(table: Table) -> ChatSettings:
    api_url = table.text("api_url", DEFAULT_CHAT_API).rstrip("/")
    _require_https(table, "api_url", api_url)
    space = table.text("space", None)
    if space is not None and not SPACE.match(space):
        raise table.error("space", "a space name such as spaces/AAAAxyz")
    chat = ChatSettings(
        api_url=api_url,
        credentials=table.secret("credentials"),
        space=space,
        webhook_url=table.secret("webhook_url"),
        action_function=table.text("action_function", "guardduty"),
        timeout_seconds=table.number("timeout_seconds", 10.0, 0.5, 60.0),
        max_attempts=table.integer("max_attempts", 5, 1, 10),
        writes_per_minute=table.integer("writes_per_minute", 50, 1, 60),
    )
    table.finish()
    return chat


def _cards(table: Table, chat: ChatSettings) -> CardSettings:
    aliases = table.table("account_aliases")
    names = {}
    for account in aliases.names():
        if not _ACCOUNT.match(account):
            raise aliases.error(account, "a 12-digit account id as the key")
        names[account] = aliases.text(account)
    aliases.finish()
    cards = CardSettings(
        account_aliases=MappingProxyType(names),
        console_links=table.boolean("console_links", True),
        action_function=chat.action_function,
    )
    table.finish()
    return cards


def _digest(table: Table) -> DigestSettings:
    digest = DigestSettings(
        threshold=table.integer("threshold", 10, 1, 1000),
        top=table.integer("top", 10, 1, 25),
    )
    table.finish()
    return digest


def _email(table: Table) -> EmailSettings:
    sender = table.text("sender")
    if not _EMAIL.match(sender):
        raise table.error("sender", "an e-mail address")
    transport = table.choice("transport", ("smtp", "ses"), "smtp")
    host = table.text("host", None)
    tls = table.choice("tls", ("starttls", "tls", "none"), "starttls")
    port = table.integer("port", 465 if tls == "tls" else 587, 1, 65535)
    username = table.text("username", None)
    password = table.secret("password")
    if transport == "smtp":
        _check_smtp(table, host, port, tls, username, password)
    lists = table.table("lists")
    email = EmailSettings(
        sender=sender,
        transport=transport,
        host=host,
        port=port,
        tls=tls,
        username=username,
        password=password,
        timeout_seconds=table.number("timeout_seconds", 10.0, 0.5, 120.0),
        lists=MappingProxyType(
            {name: _email_list(lists, name) for name in lists.names()}
        ),
    )
    lists.finish()
    if not email.lists:
        raise table.error("lists", "at least one list, e.g. [email.lists.security]")
    table.finish()
    return email


def _check_smtp(
    table: Table,
    host: str | None,
    port: int,
    tls: str,
    username: str | None,
    password: SecretRef | None,
) -> None:
    if host is None:
        raise table.error("host", "the SMTP server's host name")
    if tls == "starttls" and port == 465:
        raise table.error(
            "port",
            'not 465 with tls = "starttls" (465 speaks TLS from the first '
            'byte: set tls = "tls")',
        )
    if tls == "none" and not is_loopback(host):
        raise table.error("tls", '"starttls" or "tls" ("none" is for loopback only)')
    if tls == "none" and (username or password):
        raise table.error("tls", '"starttls" or "tls" to log in (never in plain text)')
    if bool(username) != bool(password):
        raise table.error(
            "password" if username else "username",
            "both username and password, or neither",
        )


def _email_list(lists: Table, name: str) -> EmailList:
    table = lists.table(name)
    addresses = {key: table.texts(key) for key in ("to", "cc", "bcc")}
    for key, values in addresses.items():
        if any(not _EMAIL.match(value) for value in values):
            raise table.error(key, "a list of e-mail addresses")
    if not addresses["to"] and not addresses["bcc"]:
        raise table.error("to", "at least one recipient in to or bcc")
    table.finish()
    return EmailList(name, addresses["to"], addresses["cc"], addresses["bcc"])


def _sns(table: Table) -> SnsSettings:
    topic = table.text("topic_arn")
    if not _TOPIC_ARN.match(topic):
        raise table.error("topic_arn", "an SNS topic ARN")
    table.finish()
    return SnsSettings(topic)


def _aws(table: Table) -> AwsSettings:
    region = table.text("region", None)
    if region is not None and not _REGION.match(region):
        raise table.error("region", "a Region name such as eu-west-1")
    regions = table.texts("regions")
    bad = [name for name in regions if not _REGION.match(name)]
    if bad:
        raise table.error("regions", "a list of Region names such as eu-west-1")
    endpoint = table.text("endpoint_url", None)
    if endpoint is not None:
        _require_https(table, "endpoint_url", endpoint)
    endpoints_table = table.table("endpoints")
    endpoints = {name: endpoints_table.text(name) for name in endpoints_table.names()}
    for name, url in endpoints.items():
        _require_https(endpoints_table, name, url)
    endpoints_table.finish()
    role_arn = table.text("role_arn", None)
    if role_arn is not None and not re.match(
        r"^arn:aws[a-z-]*:iam::\d{12}:role/\S+$", role_arn
    ):
        raise table.error("role_arn", "an IAM role ARN")
    audience = table.text("web_identity_audience", None)
    if audience is not None and role_arn is None:
        raise table.problem(
            "web_identity_audience", "needs role_arn, the role to assume"
        )
    token_url = table.text("web_identity_token_url", GOOGLE_IDENTITY_URL)
    # Google's metadata server answers plain http on the instance's own link.
    if token_url != GOOGLE_IDENTITY_URL:
        _require_https(table, "web_identity_token_url", token_url)
    aws = AwsSettings(
        region=region,
        endpoint_url=endpoint,
        endpoints=endpoints,
        role_arn=role_arn,
        regions=regions,
        connect_timeout=table.number("connect_timeout", 3.0, 0.1, 60.0),
        read_timeout=table.number("read_timeout", 5.0, 0.1, 120.0),
        max_attempts=table.integer("max_attempts", 3, 1, 10),
        web_identity_audience=audience,
        web_identity_token_url=token_url,
    )
    table.finish()
    return aws


def _delivery(table: Table) -> DeliverySettings:
    delivery = DeliverySettings(
        reserve_seconds=table.number("reserve_seconds", 10.0, 0.0, 600.0),
        records_table=table.text("records_table", None),
    )
    table.finish()
    return delivery


def _route(table: Table, settings: Settings) -> Route:
    channels = tuple(
        _channel(table, "channels", text, settings) for text in table.texts("channels")
    )
    passive = tuple(
        _channel(table, "passive", text, settings) for text in table.texts("passive")
    )
    if not channels and not passive:
        raise table.error("channels", 'at least one channel, e.g. ["chat"]')
    low = table.number("min_severity", 0.0, 0.0, 10.0)
    high = table.number("max_severity", 10.0, 0.0, 10.0)
    if low > high:
        raise table.error(
            "min_severity", f"a number no larger than max_severity ({high})"
        )
    route = Route(
        name=table.text("name", table.path),
        channels=channels,
        passive=passive,
        min_severity=low,
        max_severity=high,
        types=table.texts("types"),
        accounts=table.texts("accounts"),
        regions=table.texts("regions"),
        resource_types=table.texts("resource_types"),
        sample=table.boolean("sample", None),
    )
    table.finish()
    return route


def _channel(table: Table, key: str, text: str, settings: Settings) -> Channel:
    kind, _, named = text.partition(":")
    target = named.strip() or None
    problem = _channel_problem(kind, target, settings)
    if problem:
        raise table.problem(key, f"{text!r} is not a usable channel: {problem}")
    if kind == "chat" and target is None:
        target = settings.chat.space
    return Channel(kind, target)  # type: ignore[arg-type]


def _channel_problem(kind: str, target: str | None, settings: Settings) -> str | None:
    if kind == "chat":
        if settings.chat.credentials is None:
            return "[chat] has no credentials"
        if target is None and settings.chat.space is None:
            return "name a space (chat:spaces/X) or set chat.space"
        if target is not None and not SPACE.match(target):
            return "not a space name"
        return None
    if kind == "webhook":
        return None if settings.chat.webhook_url else "[chat] has no webhook_url"
    if kind == "email":
        if settings.email is None:
            return "there is no [email] section"
        return None if target in settings.email.lists else "no such [email.lists] entry"
    if kind == "sns":
        if target is None:
            return None if settings.sns else "there is no [sns] topic_arn"
        return None if _TOPIC_ARN.match(target) else "not an SNS topic ARN"
    return "the kind must be chat, webhook, email or sns"


def _with_routes(settings: Settings, routes: tuple[Route, ...]) -> Settings:
    """Without [[routes]], every finding tries each configured channel in turn."""
    if not routes:
        channels: list[Channel] = []
        if settings.chat.credentials and settings.chat.space:
            channels.append(Channel("chat", settings.chat.space))
        if settings.chat.webhook_url:
            channels.append(Channel("webhook"))
        if settings.email:
            channels.extend(Channel("email", name) for name in settings.email.lists)
        if settings.sns:
            channels.append(Channel("sns"))
        routes = (Route("default", tuple(channels)),) if channels else ()
    return dataclasses.replace(settings, routes=routes)


def _require_https(table: Table, key: str, url: str) -> None:
    if is_web_url(url):
        return
    raise table.error(key, "an https:// URL (http:// only on loopback)")
