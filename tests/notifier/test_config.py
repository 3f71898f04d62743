"""Configuration: one TOML file, validated once, errors that name file and key."""

import json
import logging
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from notifier import config
from notifier.aws import AwsClients, AwsSettings
from notifier.errors import ConfigError, SecretError
from notifier.secrets import SecretRef, SecretStore
from notifier.settings import Channel, Route
from tests.conftest import ROOT

EXAMPLE = ROOT / "infra" / "chatops.example.toml"


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "chatops.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_the_shipped_example_is_valid_and_documents_every_section() -> None:
    settings = config.load(EXAMPLE)
    assert settings.chat.credentials == SecretRef("secretsmanager", "chatops/chat-sa")
    assert [route.name for route in settings.routes] == [
        "critical-and-high",
        "samples-to-test-space",
        "everything-else",
    ]
    assert settings.routes[0].passive == (Channel("email", "leadership"),)
    assert settings.cards.account_name("111122223333") == "production"
    assert set(settings.bot) == {
        "answer_seconds",
        "verify",
        "permissions",
        "escalation",
        "commands",
    }


def test_the_simplest_configuration_routes_every_finding_to_the_space(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        """
[chat]
api_url = "https://chat.googleapis.com"
credentials = "secretsmanager:chatops/chat-sa"
space = "spaces/AAAA"
""",
    )
    settings = config.load(path)
    assert settings.routes == (Route("default", (Channel("chat", "spaces/AAAA"),)),)


def test_without_routes_every_configured_channel_is_a_fallback_in_order(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        """
[chat]
credentials = "env:SA"
space = "spaces/AAAA"
webhook_url = "env:HOOK"
[email]
sender = "alerts@example.com"
host = "127.0.0.1"
tls = "none"
port = 2525
[email.lists.soc]
to = ["soc@example.com"]
[sns]
topic_arn = "arn:aws:sns:eu-west-1:111122223333:alerts"
""",
    )
    (route,) = config.load(path).routes
    assert [str(channel) for channel in route.channels] == [
        "chat:spaces/AAAA",
        "webhook",
        "email:soc",
        "sns",
    ]


def test_the_environment_variable_names_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, '[chat]\nspace = "spaces/XYZ"\n')
    monkeypatch.setenv("CHATOPS_CONFIG", str(path))
    assert config.load().chat.space == "spaces/XYZ"


def test_no_file_means_defaults_that_can_render_but_not_deliver() -> None:
    settings = config.load()
    assert settings.routes == ()
    assert settings.chat.api_url == "https://chat.googleapis.com"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("[chat]\nspace = 7\n", "chat.space: expected a non-empty string, got 7"),
        ('[chat]\nspace = "AAAA"\n', "chat.space: expected a space name"),
        ('[chat]\nspcae = "spaces/A"\n', "unknown key 'chat.spcae' in chat"),
        ("colour = true\n", "unknown key 'colour' in the top level"),
        (
            '[chat]\ncredentials = "{\\"private_key\\": \\"x\\"}"\n',
            "chat.credentials: expected a secret reference",
        ),
        (
            '[chat]\nwebhook_url = "https://chat.googleapis.com/v1/spaces/A/messages'
            '?key=k&token=t"\n',
            "chat.webhook_url: expected a secret reference",
        ),
        (
            '[chat]\napi_url = "http://chat.example.com"\n',
            "chat.api_url: expected an https:// URL",
        ),
        (
            "[chat]\nmax_attempts = 0\n",
            "chat.max_attempts: expected a whole number from 1",
        ),
        ("[chat]\nmax_attempts = true\n", "chat.max_attempts: expected a whole number"),
        ('[digest]\nthreshold = "ten"\n', "digest.threshold: expected a whole number"),
        (
            '[email]\nsender = "a@example.com"\nhost = "smtp.example.com"\nport = 465\n'
            'tls = "starttls"\n[email.lists.a]\nto = ["b@example.com"]\n',
            'email.port: expected not 465 with tls = "starttls"',
        ),
        (
            '[email]\nsender = "a@example.com"\nhost = "smtp.example.com"\n'
            'tls = "none"\n[email.lists.a]\nto = ["b@example.com"]\n',
            'email.tls: expected "starttls" or "tls" ("none" is for loopback only)',
        ),
        (
            '[email]\nsender = "a@example.com"\nhost = "127.0.0.1"\ntls = "none"\n'
            'username = "u"\npassword = "env:P"\n'
            '[email.lists.a]\nto = ["b@example.com"]\n',
            "to log in (never in plain text)",
        ),
        (
            '[email]\nsender = "a@example.com"\nhost = "smtp.example.com"\n'
            'password = "hunter2"\n[email.lists.a]\nto = ["b@example.com"]\n',
            "email.password: expected a secret reference",
        ),
        (
            '[email]\nsender = "a@example.com"\nhost = "smtp.example.com"\n',
            "email.lists: expected at least one list",
        ),
        (
            '[email]\nsender = "a@example.com"\nhost = "h.example.com"\n'
            '[email.lists.a]\nto = ["not an address"]\n',
            "email.lists.a.to: expected a list of e-mail addresses",
        ),
        ('[sns]\ntopic_arn = "alerts"\n', "sns.topic_arn: expected an SNS topic ARN"),
        ('[aws]\nregion = "Ireland"\n', "aws.region: expected a Region name"),
        (
            '[[routes]]\nchannels = ["chat"]\n',
            "routes[0].channels: 'chat' is not a usable channel: "
            "[chat] has no credentials",
        ),
        ('[[routes]]\nchannels = ["pager"]\n', "the kind must be chat, webhook"),
        ("[[routes]]\nchannels = []\n", "routes[0].channels: expected at least one"),
        (
            '[chat]\nwebhook_url = "env:H"\n[[routes]]\nchannels = ["webhook"]\n'
            "min_severity = 8\nmax_severity = 4\n",
            "routes[0].min_severity: expected a number no larger than max_severity",
        ),
        ('[chat]\nspace = "spaces/A"\n[chat\n', "not valid TOML"),
    ],
)
def test_errors_name_the_file_the_key_and_what_was_expected(
    tmp_path: Path, body: str, error: str
) -> None:
    path = write(tmp_path, body)
    with pytest.raises(ConfigError) as raised:
        config.load(path)
    assert str(raised.value).startswith(f"{path}: ")
    assert error in str(raised.value)


def test_a_literal_secret_is_never_echoed_in_the_error(tmp_path: Path) -> None:
    path = write(
        tmp_path, '[chat]\nwebhook_url = "https://x.example/?key=SUPERSECRET"\n'
    )
    with pytest.raises(ConfigError) as raised:
        config.load(path)
    assert "SUPERSECRET" not in str(raised.value)


def test_an_unreadable_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        config.load(tmp_path / "absent.toml")


def test_env_and_file_secrets_resolve_once_and_are_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret_file = tmp_path / "key.json"
    secret_file.write_text('{"type": "service_account"}\n', encoding="utf-8")
    store = SecretStore()
    monkeypatch.setenv("HOOK", "https://hook.example/a")
    assert store.get(SecretRef.parse("env:HOOK")) == "https://hook.example/a"
    assert (
        store.get(SecretRef.parse(f"file:{secret_file}"))
        == '{"type": "service_account"}'
    )
    monkeypatch.setenv("HOOK", "changed")
    secret_file.unlink()
    assert store.get(SecretRef.parse("env:HOOK")) == "https://hook.example/a"
    assert (
        store.get(SecretRef.parse(f"file:{secret_file}"))
        == '{"type": "service_account"}'
    )


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("env:CHATOPS_ABSENT_VARIABLE", "not set"),
        ("file:/nonexistent/key", "No such file"),
    ],
)
def test_a_missing_secret_names_the_reference(reference: str, message: str) -> None:
    with pytest.raises(SecretError, match=f"secret {reference}: .*{message}"):
        SecretStore().get(SecretRef.parse(reference))


@mock_aws
def test_secrets_manager_and_ssm_secrets_resolve_in_the_arn_region() -> None:
    manager = boto3.client("secretsmanager", region_name="eu-west-1")
    arn = manager.create_secret(
        Name="chatops/chat-sa", SecretString=json.dumps({"client_email": "a@b"})
    )["ARN"]
    boto3.client("ssm", region_name="us-east-1").put_parameter(
        Name="/chatops/smtp", Value="s3cret", Type="SecureString"
    )
    store = SecretStore(AwsClients(AwsSettings(region="us-east-1")))
    assert json.loads(store.get(SecretRef("secretsmanager", arn))) == {
        "client_email": "a@b"
    }
    assert store.get(SecretRef("ssm", "/chatops/smtp")) == "s3cret"
    with pytest.raises(
        SecretError, match="secret secretsmanager:absent: ResourceNotFound"
    ):
        store.get(SecretRef("secretsmanager", "absent"))


@pytest.mark.parametrize("literal", ["84736251", "true", "3.14", '"hunter2"'])
def test_a_literal_secret_of_any_type_is_refused_without_echo(
    tmp_path: Path, literal: str
) -> None:
    path = write(
        tmp_path,
        '[email]\nsender = "a@example.com"\nhost = "smtp.example.com"\n'
        f'username = "u"\npassword = {literal}\n'
        '[email.lists.a]\nto = ["b@example.com"]\n',
    )
    with pytest.raises(
        ConfigError, match=r"email\.password: expected a secret"
    ) as raised:
        config.load(path)
    assert literal.strip('"') not in str(raised.value)


def test_debug_logging_never_carries_secret_values(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with mock_aws(), caplog.at_level(logging.DEBUG):
        boto3.client("secretsmanager", region_name="us-east-1").create_secret(
            Name="chatops/smtp", SecretString="hunter2-smtp-password"
        )
        boto3.client("ssm", region_name="us-east-1").put_parameter(
            Name="/chatops/key", Value="s3cret-parameter", Type="SecureString"
        )
        store = SecretStore(AwsClients(AwsSettings(region="us-east-1")))
        assert store.get(SecretRef("secretsmanager", "chatops/smtp"))
        assert store.get(SecretRef("ssm", "/chatops/key"))
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "resolved secret secretsmanager:chatops/smtp" in logged
    assert "hunter2-smtp-password" not in logged
    assert "s3cret-parameter" not in logged
