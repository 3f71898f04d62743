"""E-mail over a real SMTP server on loopback, and over SES (moto)."""

import email
import email.policy
from email.message import EmailMessage
from typing import Any

import boto3
import pytest
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from notifier import config
from notifier.aws import AwsClients, AwsSettings
from notifier.budget import Budget
from notifier.email import SesTransport, SmtpTransport, compose, mailer_for
from notifier.errors import ConfigError, DeliveryError
from notifier.secrets import SecretRef, SecretStore
from notifier.settings import CardSettings, EmailList, EmailSettings
from notifier.summary import summarize
from tests.pipeline.conftest import (
    AUDIT_BCC,
    SMTP_PASSWORD,
    Mailbox,
    Tls,
    closed_port,
    finding,
)

HOSTILE_TITLE = '<script>alert("x")</script> & <b>bold</b>'
HOSTILE_TAG = '<img src=x onerror="steal()">'
SECURITY = EmailList(
    "security", ("secops@example.com",), ("team@example.com",), (AUDIT_BCC,)
)


def smtp_settings(port: int, **overrides: Any) -> EmailSettings:
    values: dict[str, Any] = {
        "sender": "guardduty@example.com",
        "host": "127.0.0.1",
        "port": port,
        "tls": "starttls",
        "username": "alerts",
        "password": SecretRef("env", "SMTP_PASSWORD"),
        "timeout_seconds": 3.0,
        "lists": {"security": SECURITY},
    }
    values.update(overrides)
    return EmailSettings(**values)


@pytest.fixture(autouse=True)
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_PASSWORD", SMTP_PASSWORD)


def send(settings: EmailSettings, tls: Tls | None, **fields: Any) -> None:
    mailer = mailer_for(
        settings,
        CardSettings(),
        SecretStore(),
        AwsClients(AwsSettings(region="us-east-1")),
        tls.client_context() if tls else None,
    )
    try:
        mailer.send_finding("security", finding(**fields), Budget.of(10))
    finally:
        mailer.close()


def received(mailbox: Mailbox, index: int = 0) -> EmailMessage:
    message = email.message_from_bytes(
        mailbox.messages[index][2], policy=email.policy.default
    )
    assert isinstance(message, EmailMessage)
    return message


def test_starttls_upgrades_before_the_login(
    starttls_server: tuple[Mailbox, int], tls: Tls
) -> None:
    mailbox, port = starttls_server

    send(smtp_settings(port), tls)

    assert mailbox.commands[:4] == ["EHLO", "STARTTLS", "EHLO", "AUTH"]
    assert mailbox.logins == [("alerts", SMTP_PASSWORD, True)]
    assert len(mailbox.messages) == 1


def test_html_from_the_finding_is_escaped_in_the_email(
    starttls_server: tuple[Mailbox, int], tls: Tls
) -> None:
    mailbox, port = starttls_server
    tags = [{"key": "Name", "value": HOSTILE_TAG}]
    resource = {"resourceType": "Instance", "instanceDetails": {"tags": tags}}

    send(smtp_settings(port), tls, title=HOSTILE_TITLE, resource=resource)

    message = received(mailbox)
    html_part = message.get_body(("html",))
    plain_part = message.get_body(("plain",))
    assert html_part is not None
    assert plain_part is not None
    html = html_part.get_content()
    assert "<script>" not in html
    assert "<img" not in html
    assert "<b>bold" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp;" in html
    assert "&lt;img src=x onerror=&quot;steal()&quot;&gt;" in html
    assert HOSTILE_TITLE in plain_part.get_content()
    assert message.get_content_type() == "multipart/alternative"


def test_bcc_recipients_are_only_in_the_envelope(
    starttls_server: tuple[Mailbox, int], tls: Tls
) -> None:
    mailbox, port = starttls_server

    send(smtp_settings(port), tls)

    sender, recipients, raw = mailbox.messages[0]
    assert sender == "guardduty@example.com"
    assert recipients == ["secops@example.com", "team@example.com", AUDIT_BCC]
    assert AUDIT_BCC.encode() not in raw
    assert "Bcc" not in received(mailbox)
    assert received(mailbox)["To"] == "secops@example.com"
    assert received(mailbox)["Cc"] == "team@example.com"


def test_a_non_ascii_subject_is_rfc_2047_encoded(
    starttls_server: tuple[Mailbox, int], tls: Tls
) -> None:
    mailbox, port = starttls_server

    title = "Zugriff über Tor 🚨\r\nBcc: evil@example.com"
    send(smtp_settings(port), tls, title=title)

    raw = mailbox.messages[0][2]
    header = next(line for line in raw.split(b"\r\n") if line.startswith(b"Subject:"))
    assert b"=?utf-8?" in header
    assert max(raw) < 0x80  # nothing but ASCII on the wire
    subject = received(mailbox)["Subject"]
    assert (
        subject
        == "[GuardDuty] High 8.0: " + "Zugriff über Tor 🚨 Bcc: evil@example.com"
    )
    assert "evil@example.com" not in mailbox.messages[0][1]


def test_port_465_with_starttls_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match='not 465 with tls = "starttls"'):
        config.parse(
            {
                "email": {
                    "sender": "guardduty@example.com",
                    "host": "smtp.example.com",
                    "port": 465,
                    "tls": "starttls",
                    "lists": {"security": {"to": ["secops@example.com"]}},
                }
            }
        )


def test_port_465_with_starttls_is_refused_again_before_connecting(
    plain_server: tuple[Mailbox, int],
) -> None:
    mailbox, _ = plain_server

    with pytest.raises(ConfigError, match="port 465 expects TLS from the first byte"):
        send(smtp_settings(465), None)

    assert mailbox.commands == []
    assert mailbox.logins == []


def test_a_server_without_starttls_gets_no_login_in_plain_text(
    plain_server: tuple[Mailbox, int],
) -> None:
    mailbox, port = plain_server

    with pytest.raises(DeliveryError, match="does not offer STARTTLS"):
        send(smtp_settings(port), None)

    assert mailbox.commands == ["EHLO"]
    assert mailbox.logins == []
    assert mailbox.messages == []


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"tls": "none", "host": "smtp.example.com"}, "only allowed for a loopback"),
        ({"tls": "none"}, "never logs in"),
    ],
)
def test_plain_smtp_is_for_loopback_and_never_logs_in(
    plain_server: tuple[Mailbox, int], overrides: dict[str, Any], problem: str
) -> None:
    mailbox, port = plain_server

    with pytest.raises(ConfigError, match=problem):
        send(smtp_settings(port, **overrides), None)

    assert mailbox.logins == []


def test_plain_smtp_on_loopback_without_login_delivers(
    plain_server: tuple[Mailbox, int],
) -> None:
    mailbox, port = plain_server

    send(smtp_settings(port, tls="none", username=None, password=None), None)

    assert mailbox.commands == ["EHLO", "MAIL"]
    assert len(mailbox.messages) == 1


def test_tls_mode_speaks_tls_from_the_first_byte(
    tls_server: tuple[Mailbox, int], tls: Tls
) -> None:
    mailbox, port = tls_server

    send(smtp_settings(port, tls="tls"), tls)

    assert "STARTTLS" not in mailbox.commands
    assert mailbox.logins == [("alerts", SMTP_PASSWORD, True)]
    assert len(mailbox.messages) == 1


def test_a_certificate_the_client_does_not_trust_fails_without_login(
    starttls_server: tuple[Mailbox, int],
) -> None:
    mailbox, port = starttls_server

    with pytest.raises(DeliveryError, match="TLS failed"):
        send(smtp_settings(port), None)

    assert mailbox.logins == []
    assert mailbox.messages == []


def test_an_unreachable_server_is_a_retryable_failure() -> None:
    with pytest.raises(DeliveryError) as caught:
        send(
            smtp_settings(closed_port(), tls="none", username=None, password=None), None
        )

    assert caught.value.retryable is True


def test_one_connection_serves_a_batch(
    starttls_server: tuple[Mailbox, int], tls: Tls
) -> None:
    mailbox, port = starttls_server
    transport = SmtpTransport(smtp_settings(port), SecretStore(), tls.client_context())
    message = compose(summarize(finding(), CardSettings()), "a@example.com", SECURITY)

    for _ in range(3):
        transport.send(message.as_bytes(), "a@example.com", SECURITY, Budget.of(5))
    transport.close()

    assert mailbox.commands.count("STARTTLS") == 1
    assert len(mailbox.messages) == 3


def test_ses_sends_the_same_message_with_bcc_only_in_the_destination(aws: None) -> None:
    ses = boto3.client("sesv2", region_name="us-east-1")
    ses.create_email_identity(EmailIdentity="guardduty@example.com")
    settings = EmailSettings(
        sender="guardduty@example.com", transport="ses", lists={"security": SECURITY}
    )
    clients = AwsClients(AwsSettings(region="us-east-1"))
    mailer = mailer_for(settings, CardSettings(), SecretStore(), clients)
    assert isinstance(mailer._transport, SesTransport)

    mailer.send_finding("security", finding(title=HOSTILE_TITLE), Budget.of(5))

    [sent] = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
    assert AUDIT_BCC in sent.destinations
    assert "secops@example.com" in sent.destinations
    message = email.message_from_string(sent.raw_data, policy=email.policy.default)
    assert "Bcc" not in message
    assert AUDIT_BCC not in sent.raw_data
    assert message["Subject"] == f"[GuardDuty] High 8.0: {HOSTILE_TITLE}"
