"""The ``[bot]`` table: what it accepts, what it refuses, and how errors read."""

from __future__ import annotations

from typing import Any

import pytest

from bot.settings import (
    CHAT_CERTS_URL,
    GOOGLE_CERTS_URL,
    CommandIds,
    EscalationSettings,
    TokenKind,
    read,
)
from notifier.config import load, parse
from notifier.errors import ConfigError
from notifier.handling import Action
from tests.conftest import ROOT

EXAMPLE = ROOT / "infra" / "chatops.example.toml"
ADDON = "service-123456789012@gcp-sa-gsuiteaddons.iam.gserviceaccount.com"


def bot(table: dict[str, Any], aws: dict[str, Any] | None = None) -> Any:
    document: dict[str, Any] = {"bot": table}
    if aws is not None:
        document["aws"] = aws
    return read(parse(document, "chatops.toml"))


def test_the_example_configuration_is_accepted_as_documented():
    settings = load(EXAMPLE)
    config = read(settings)

    assert config.verify.kind is TokenKind.PROJECT_NUMBER
    assert config.verify.certs_url == CHAT_CERTS_URL
    assert config.answer_seconds == 8.0
    assert config.escalation == EscalationSettings(
        "spaces/CCCConcall",
        ("users/123456789012345678901",),
        "arn:aws:sns:us-east-1:111122223333:guardduty-chatops-escalations",
    )
    assert config.commands == CommandIds(1, 2, 3, 4)
    assert config.permissions.allows(Action.ARCHIVE, "bob@example.com")
    assert not config.permissions.allows(Action.SUPPRESS, "bob@example.com")


@pytest.mark.parametrize(
    ("verify", "kind", "certs"),
    [
        ({"audience": "123456789012"}, TokenKind.PROJECT_NUMBER, CHAT_CERTS_URL),
        (
            {"audience": "https://bot.example.com/"},
            TokenKind.ENDPOINT_URL,
            GOOGLE_CERTS_URL,
        ),
        (
            {"audience": "https://bot.example.com/", "issuer": ADDON},
            TokenKind.ADDON,
            GOOGLE_CERTS_URL,
        ),
    ],
)
def test_the_token_kind_and_its_certificates_follow_audience_and_issuer(
    verify, kind, certs
):
    config = bot({"verify": verify})

    assert config.verify.kind is kind
    assert config.verify.certs_url == certs


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            {},
            "bot.verify.audience: expected a non-empty string, got nothing",
        ),
        (
            {"verify": {"audience": "my-app"}},
            "bot.verify.audience: expected the project number or the endpoint's URL",
        ),
        (
            {"verify": {"audience": "http://bot.example.com/"}},
            "bot.verify.audience: expected the project number",
        ),
        (
            {"verify": {"audience": "123456789012", "issuer": ADDON}},
            "bot.verify.issuer: expected chat@system.gserviceaccount.com, or",
        ),
        (
            {"verify": {"audience": "1", "issuer": "someone@example.com"}},
            "bot.verify.issuer",
        ),
        (
            {"verify": {"audience": "1", "certs_url": "http://certs.example.com/"}},
            "bot.verify.certs_url: expected an https:// URL",
        ),
        (
            {"verify": {"audience": "1", "cert_url": "x"}},
            "unknown key 'bot.verify.cert_url'",
        ),
        (
            {"verify": {"audience": "1"}, "permissions": {"delete": ["*"]}},
            "bot.permissions.delete: not an action; expected one of acknowledge",
        ),
        (
            {"verify": {"audience": "1"}, "permissions": {"archive": ["alice"]}},
            "bot.permissions.archive: expected a list of e-mail addresses",
        ),
        (
            {"verify": {"audience": "1"}, "permissions": {"archive": ["*@*"]}},
            "bot.permissions.archive",
        ),
        (
            {"verify": {"audience": "1"}, "escalation": {"space": "CCCC"}},
            "bot.escalation.space: expected a space name",
        ),
        (
            {"verify": {"audience": "1"}, "escalation": {"mentions": ["users/1"]}},
            "bot.escalation.mentions: mentions need an escalation space",
        ),
        (
            {
                "verify": {"audience": "1"},
                "escalation": {"space": "spaces/A", "mentions": ["@alice"]},
            },
            "bot.escalation.mentions: expected a list of user names",
        ),
        (
            {"verify": {"audience": "1"}, "escalation": {"topic_arn": "arn:aws:sqs:x"}},
            "bot.escalation.topic_arn: expected an SNS topic ARN",
        ),
        (
            {"verify": {"audience": "1"}, "commands": {"stats": 1}},
            "bot.commands.stats: the id 1 belongs to another command",
        ),
        (
            {"verify": {"audience": "1"}, "commands": {"help": 0}},
            "bot.commands.help: expected a whole number",
        ),
        (
            {"verify": {"audience": "1"}, "answer_seconds": 60},
            "bot.answer_seconds: expected a number from 1.0 to 25.0",
        ),
    ],
)
def test_a_wrong_value_is_refused_naming_the_file_and_key(table, message):
    with pytest.raises(ConfigError) as refused:
        bot(table)

    assert message in str(refused.value)
    assert str(refused.value).startswith("chatops.toml: ")


def test_loopback_certificates_are_allowed_for_tests():
    config = bot({"verify": {"audience": "1", "certs_url": "http://127.0.0.1:9/certs"}})

    assert config.verify.certs_url == "http://127.0.0.1:9/certs"


@pytest.mark.parametrize(
    ("rules", "action", "email", "allowed"),
    [
        ({"default": ["*@example.com"]}, Action.ARCHIVE, "Alice@Example.com", True),
        ({"default": ["*@example.com"]}, Action.ARCHIVE, "eve@evil-example.com", False),
        ({"default": ["*@example.com"]}, Action.ARCHIVE, "eve@sub.example.com", False),
        ({"default": ["*@example.com"]}, Action.ARCHIVE, None, False),
        ({"archive": ["bob@example.com"]}, Action.ARCHIVE, "bob@example.com", True),
        ({"archive": ["bob@example.com"]}, Action.REFRESH, "bob@example.com", False),
        ({"archive": ["*"], "default": []}, Action.ARCHIVE, None, True),
        ({}, Action.REFRESH, "alice@example.com", False),
    ],
)
def test_permissions_match_addresses_domains_and_everyone(
    rules, action, email, allowed
):
    permissions = bot({"verify": {"audience": "1"}, "permissions": rules}).permissions

    assert permissions.allows(action, email) is allowed


@pytest.mark.parametrize("action", list(Action), ids=lambda action: action.value)
def test_each_action_has_its_own_permission_name(action):
    rules = {"default": [], action.value: ["carol@example.com"]}
    permissions = bot({"verify": {"audience": "1"}, "permissions": rules}).permissions

    assert permissions.allows(action, "carol@example.com")
    others = [other for other in Action if other is not action]
    assert not any(permissions.allows(other, "carol@example.com") for other in others)


@pytest.mark.parametrize(
    ("aws", "message"),
    [
        (
            {"web_identity_audience": "chatops"},
            "aws.web_identity_audience: needs role_arn",
        ),
        (
            {
                "role_arn": "arn:aws:iam::111122223333:role/bot",
                "web_identity_audience": "chatops",
                "web_identity_token_url": "file:///etc/token",
            },
            r"aws\.web_identity_token_url: expected an https:// URL \(http:// only on",
        ),
    ],
)
def test_web_identity_needs_a_role_and_a_token_url(aws, message):
    with pytest.raises(ConfigError, match=message):
        parse({"aws": aws}, "chatops.toml")


def test_web_identity_settings_reach_the_aws_settings():
    aws = parse(
        {
            "aws": {
                "role_arn": "arn:aws:iam::111122223333:role/bot",
                "web_identity_audience": "chatops",
                "web_identity_token_url": "http://127.0.0.1:9/identity",
            }
        },
        "chatops.toml",
    ).aws

    assert aws.web_identity_audience == "chatops"
    assert aws.web_identity_token_url == "http://127.0.0.1:9/identity"
