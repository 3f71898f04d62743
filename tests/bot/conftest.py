"""The bot under test: Google's keys on loopback, GuardDuty behind botocore Stubber.

Tokens are signed by the sandbox's `GoogleIdentity` and its certificates served by
a running `ChatServer`; GuardDuty answers come from the project's sample findings,
turned into what boto3 returns by botocore's own response parser.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
import botocore.parsers
import botocore.session
import pytest
import requests
from botocore.stub import Stubber

from bot.interactions import Bot, Interaction, build_bot
from notifier.aws import AwsClients
from notifier.budget import Budget
from notifier.config import parse
from notifier.errors import DeliveryError
from notifier.settings import Settings
from sandbox.chat_server import ChatServer
from sandbox.google_identity import ChatApp, TokenKind
from tests.bot.chat_events import body
from tests.conftest import SAMPLES, load_json

APP = ChatApp(
    project_number="123456789012", endpoint_url="https://chatops.example.com/"
)
ADMIN_DETECTOR = "885c9a1d055a8f1ddd3be54b6fd206fb"
# The administrator account's detector in each Region the samples use.
ADMIN_DETECTORS = {
    "us-east-1": ADMIN_DETECTOR,
    "eu-west-1": "2ed30ac2213fb2bac1714363b28e162a",
}
NOW = datetime(2026, 12, 1, 10, 0, 30, tzinfo=UTC)
PERMISSIONS = {
    "default": ["*@example.com"],
    "archive": ["alice@example.com", "bob@example.com"],
    "suppress": ["alice@example.com"],
}


@pytest.fixture(scope="module")
def chat() -> Iterator[ChatServer]:
    with ChatServer() as server:
        yield server


def verify_table(chat: ChatServer, kind: TokenKind) -> dict[str, Any]:
    """The ``[bot.verify]`` table for tokens of ``kind``, certificates on loopback."""
    table: dict[str, Any] = {"certs_url": chat.certs_url(kind)}
    if kind is TokenKind.PROJECT_NUMBER:
        table["audience"] = APP.project_number
    else:
        table["audience"] = APP.endpoint_url
    if kind is TokenKind.ADDON:
        table["issuer"] = APP.addon_service_account
    return table


def config_document(
    chat: ChatServer,
    kind: TokenKind = TokenKind.PROJECT_NUMBER,
    *,
    bot: dict[str, Any] | None = None,
    aws: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "aws": {"region": "us-east-1", **(aws or {})},
        "bot": {
            "verify": verify_table(chat, kind),
            "permissions": PERMISSIONS,
            **(bot or {}),
        },
    }


def settings_for(
    chat: ChatServer, kind: TokenKind = TokenKind.PROJECT_NUMBER, **extra: Any
) -> Settings:
    return parse(config_document(chat, kind, **extra), "test.toml")


def toml_text(document: dict[str, Any], prefix: str = "") -> str:
    """A TOML file for a document of tables, strings, numbers and string lists."""
    lines, tables = [], []
    for key, value in document.items():
        if isinstance(value, dict):
            tables.append((key, value))
        else:
            lines.append(f"{json.dumps(key)} = {json.dumps(value)}")
    text = "\n".join(lines) + "\n"
    for key, value in tables:
        name = f"{prefix}.{json.dumps(key)}" if prefix else json.dumps(key)
        text += f"\n[{name}]\n" + toml_text(value, name)
    return text


def sample(name: str) -> dict[str, Any]:
    """A sample finding in GuardDuty's camelCase form (an event's ``detail``)."""
    document = load_json(SAMPLES / f"{name}.json")
    return copy.deepcopy(document.get("detail", document))


def boto_findings(*findings: dict[str, Any]) -> dict[str, Any]:
    """GetFindings output as boto3 returns it, parsed from GuardDuty's wire JSON."""
    response = {
        "status_code": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({"findings": list(findings)}).encode("utf-8"),
    }
    parsed = botocore.parsers.create_parser("rest-json").parse(
        response, _get_findings_output()
    )
    parsed.pop("ResponseMetadata", None)
    return dict(parsed)


@functools.cache
def _get_findings_output() -> Any:
    model = botocore.session.get_session().get_service_model("guardduty")
    return model.operation_model("GetFindings").output_shape


def archived(finding: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(finding)
    changed["service"]["archived"] = True
    return changed


@dataclass
class Harness:
    """A bot with stubbed GuardDuty, and a way to send it signed events."""

    chat: ChatServer
    bot: Bot
    stub: Stubber
    clients: AwsClients
    kind: TokenKind = TokenKind.PROJECT_NUMBER
    detector_id: str = ADMIN_DETECTOR

    def post(
        self, event: dict[str, Any], *, token: str | None = None
    ) -> tuple[int, Any]:
        token = token or self.chat.identity.token(self.kind, APP)
        reply = self.bot.handle(
            Interaction.of(
                "POST", "/", {"Authorization": f"Bearer {token}"}, body(event)
            )
        )
        document = (
            json.loads(reply.body)
            if reply.content_type.startswith("application/json")
            else reply.body
        )
        return reply.status, document

    def detector(self) -> None:
        self.stub.add_response(
            "list_detectors", {"DetectorIds": [self.detector_id]}, {}
        )

    def expect(self, operation: str, response: dict[str, Any], **params: Any) -> None:
        self.stub.add_response(
            operation, response, {"DetectorId": self.detector_id, **params}
        )

    def expect_finding(self, finding: dict[str, Any]) -> None:
        self.expect("get_findings", boto_findings(finding), FindingIds=[finding["id"]])


def make_harness(
    chat: ChatServer,
    *,
    poster: Any = None,
    region: str = "us-east-1",
    **extra: Any,
) -> Iterator[Harness]:
    """A bot whose GuardDuty client for ``region`` is stubbed."""
    settings = settings_for(chat, **extra)
    clients = AwsClients(settings.aws, session=boto_session())
    client = clients.client("guardduty", region)
    with Stubber(client) as stub:
        bot = build_bot(settings, clients=clients, poster=poster, now=lambda: NOW)
        yield Harness(chat, bot, stub, clients, detector_id=ADMIN_DETECTORS[region])


@functools.cache
def boto_session() -> boto3.session.Session:
    """One boto3 session for every test: clients from it cost milliseconds."""
    return boto3.session.Session()


@pytest.fixture
def harness(chat: ChatServer) -> Iterator[Harness]:
    yield from make_harness(chat)


class SpacePoster:
    """The Chat poster seam, posting through the local Chat's REST API for real."""

    def __init__(self, chat: ChatServer, session: requests.Session) -> None:
        self._chat = chat
        self._session = session

    def post_message(
        self,
        space: str,
        message: dict[str, Any],
        *,
        thread_key: str | None = None,
        message_id: str | None = None,
        budget: Budget,
    ) -> object:
        response = self._session.post(
            f"{self._chat.url}/v1/{space}/messages",
            params={"messageId": message_id} if message_id else None,
            json=message,
            timeout=budget.timeout(5.0),
        )
        if response.status_code == 409:
            return response.json()
        if response.status_code != 200:
            raise DeliveryError(f"Chat answered {response.status_code}")
        return response.json()
