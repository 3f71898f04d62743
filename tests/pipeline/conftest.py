"""Real parts for the delivery pipeline: SMTP on loopback (with and without TLS),
moto for SNS, SQS, SES and DynamoDB, and the sandbox's Chat API."""

from __future__ import annotations

import datetime
import ipaddress
import json
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from moto import mock_aws

from notifier import config
from notifier.chat import ChatApp
from notifier.finding import Finding
from notifier.secrets import SecretStore
from notifier.transport import RetryPolicy, Transport
from sandbox.chat_server import ChatServer
from tests.notifier.test_finding import finding_document

SMTP_PASSWORD = "s3cret-smtp-password"
SECURITY = ("secops@example.com",)
AUDIT_BCC = "hidden-audit@example.com"


def finding(number: int = 1, **overrides: Any) -> Finding:
    """A finding with its own id (and ARN) per ``number``."""
    ident = f"{number:032x}"
    arn = (
        "arn:aws:guardduty:eu-west-1:111122223333:detector/"
        f"12abc34d567e8fa901bc2d34e56789f0/finding/{ident}"
    )
    return Finding(finding_document(id=ident, arn=arn, **overrides))


# --- SMTP -----------------------------------------------------------------------


@dataclass
class Mailbox:
    """What an SMTP server saw: commands in order, and each message delivered."""

    commands: list[str] = field(default_factory=list)
    logins: list[tuple[str, str, bool]] = field(default_factory=list)
    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), content))
        return "250 OK"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        login, password = data.login.decode(), data.password.decode()
        encrypted = server.transport.get_extra_info("ssl_object") is not None
        self.logins.append((login, password, encrypted))
        return AuthResult(success=password == SMTP_PASSWORD)


class _RecordingSMTP(SMTP):
    mailbox: Mailbox

    async def smtp_EHLO(self, arg: str) -> None:
        self.mailbox.commands.append("EHLO")
        await super().smtp_EHLO(arg)

    async def smtp_STARTTLS(self, arg: str) -> None:
        self.mailbox.commands.append("STARTTLS")
        await super().smtp_STARTTLS(arg)

    async def smtp_AUTH(self, arg: str) -> None:
        self.mailbox.commands.append("AUTH")
        await super().smtp_AUTH(arg)

    async def smtp_MAIL(self, arg: str) -> None:
        self.mailbox.commands.append("MAIL")
        await super().smtp_MAIL(arg)


class _Controller(Controller):
    """aiosmtpd on a port the OS picks, recording into a Mailbox."""

    def __init__(self, mailbox: Mailbox, **kwargs: Any) -> None:
        super().__init__(mailbox, hostname="127.0.0.1", port=0, **kwargs)
        self.mailbox = mailbox

    def factory(self) -> SMTP:
        server = _RecordingSMTP(self.handler, **self.SMTP_kwargs)
        server.mailbox = self.mailbox
        return server

    def _trigger_server(self) -> None:
        server: Any = self.server
        self.port = server.sockets[0].getsockname()[1]
        super()._trigger_server()


@dataclass(frozen=True)
class Tls:
    """A certificate for 127.0.0.1 and localhost, made for one test session."""

    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Tls(cert_path, key_path)


@pytest.fixture
def starttls_server(tls: Tls) -> Iterator[tuple[Mailbox, int]]:
    """SMTP on loopback that requires STARTTLS before MAIL and AUTH."""
    mailbox = Mailbox()
    controller = _Controller(
        mailbox,
        tls_context=tls.server_context(),
        require_starttls=True,
        authenticator=mailbox.authenticate,
        auth_require_tls=True,
    )
    controller.start()
    yield mailbox, controller.port
    controller.stop()


@pytest.fixture
def tls_server(tls: Tls) -> Iterator[tuple[Mailbox, int]]:
    """SMTP speaking TLS from the first byte (what port 465 does)."""
    mailbox = Mailbox()
    controller = _Controller(
        mailbox,
        ssl_context=tls.server_context(),
        authenticator=mailbox.authenticate,
        auth_require_tls=False,  # aiosmtpd counts only STARTTLS as TLS here
    )
    controller.start()
    yield mailbox, controller.port
    controller.stop()


@pytest.fixture
def plain_server() -> Iterator[tuple[Mailbox, int]]:
    """SMTP without TLS on loopback (a local relay)."""
    mailbox = Mailbox()
    controller = _Controller(
        mailbox, authenticator=mailbox.authenticate, auth_require_tls=False
    )
    controller.start()
    yield mailbox, controller.port
    controller.stop()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- Chat -----------------------------------------------------------------------


def real_chat(api_url: str, key_file: Path) -> ChatApp:
    """The product's Chat app client, posting to ``api_url`` with the sandbox's
    service-account key (the real token flow); retries are quick and never sleep."""
    settings = config.parse(
        {"chat": {"api_url": api_url, "credentials": f"file:{key_file}"}}, "test"
    )
    transport = Transport(
        RetryPolicy(max_attempts=2, timeout_seconds=2.0), sleep=lambda _: None
    )
    return ChatApp(settings, SecretStore(), transport=transport)


@pytest.fixture(scope="module")
def chat_server() -> Iterator[ChatServer]:
    with ChatServer() as server:
        yield server


@pytest.fixture(scope="module")
def chat_key(chat_server: ChatServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    account = chat_server.create_service_account("guardduty-chatops", app_name="GD")
    folder = tmp_path_factory.mktemp("chat-key")
    return chat_server.write_service_account_key(folder / "chat-sa.json", account)


@pytest.fixture
def chat(chat_server: ChatServer, chat_key: Path) -> ChatApp:
    return real_chat(chat_server.url, chat_key)


@pytest.fixture
def chat_down(chat_key: Path) -> ChatApp:
    """The real client pointed at a port where no Chat API listens."""
    return real_chat(f"http://127.0.0.1:{closed_port()}", chat_key)


# --- AWS (moto) and configuration -----------------------------------------------


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def topic_with_queue(
    name: str = "guardduty-alerts", region: str = "us-east-1"
) -> tuple[str, str]:
    """An SNS topic and an SQS queue subscribed to it: (topic ARN, queue URL)."""
    sns = boto3.client("sns", region_name=region)
    topic = sns.create_topic(Name=name)["TopicArn"]
    sqs = boto3.client("sqs", region_name=region)
    queue = sqs.create_queue(QueueName=f"{name}-reader")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    return topic, queue


def published(queue: str, region: str = "us-east-1") -> list[dict[str, Any]]:
    """The SNS notifications waiting in ``queue`` (SNS's JSON envelope each)."""
    sqs = boto3.client("sqs", region_name=region)
    notes: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)
        messages = batch.get("Messages", [])
        if not messages:
            return notes
        for message in messages:
            notes.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])


def records_table(name: str = "deliveries") -> str:
    boto3.client("dynamodb", region_name="us-east-1").create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "finding", "KeyType": "HASH"},
            {"AttributeName": "delivery", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "finding", "AttributeType": "S"},
            {"AttributeName": "delivery", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


def configuration(
    *,
    space: str = "spaces/AAAA",
    smtp_port: int | None = None,
    topic: str | None = None,
    routes: list[dict[str, Any]] | None = None,
    **sections: dict[str, Any],
) -> dict[str, Any]:
    """A configuration document: Chat, e-mail on loopback (no TLS), SNS, and
    ``sections`` merged in (``delivery={...}``, ``aws={...}``)."""
    document: dict[str, Any] = {
        "chat": {"credentials": "env:CHAT_SA_KEY", "space": space},
        "aws": {"region": "us-east-1", "max_attempts": 1},
    }
    if smtp_port is not None:
        document["email"] = {
            "sender": "guardduty@example.com",
            "host": "127.0.0.1",
            "port": smtp_port,
            "tls": "none",
            "timeout_seconds": 2.0,
            "lists": {
                "security": {"to": list(SECURITY), "bcc": [AUDIT_BCC]},
                "leadership": {"to": ["ciso@example.com"]},
            },
        }
    if topic is not None:
        document["sns"] = {"topic_arn": topic}
    if routes is not None:
        document["routes"] = routes
    for name, values in sections.items():
        document.setdefault(name, {}).update(values)
    return document


def to_toml(document: dict[str, Any], prefix: str = "") -> str:
    """The small subset of TOML these configurations need."""
    scalars = {k: v for k, v in document.items() if not isinstance(v, dict | list)}
    scalars |= {
        k: v
        for k, v in document.items()
        if isinstance(v, list) and not (v and isinstance(v[0], dict))
    }
    lines = [f"{key} = {json.dumps(value)}" for key, value in scalars.items()]
    for key, value in document.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            lines += ["", f"[{path}]", to_toml(value, f"{path}.")]
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for table in value:
                lines += ["", f"[[{path}]]", to_toml(table, f"{path}.")]
    return "\n".join(lines)
