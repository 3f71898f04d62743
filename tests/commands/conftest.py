"""Slash commands under test: a bot searching two Regions, each behind botocore Stubber.

Commands arrive in the three forms Google Chat sends them: a classic APP_COMMAND
event (``appCommandMetadata.appCommandId``), a classic MESSAGE whose message has
``slashCommand.commandId``, and a Workspace add-on ``appCommandPayload``. Every
answer is validated against Google's schema before a test reads it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.stub import Stubber

from bot.interactions import Bot, build_bot
from notifier.aws import AwsClients
from sandbox.chat_schema import validate_interaction_response
from sandbox.chat_server import ChatServer
from tests.bot import chat_events
from tests.bot.conftest import (
    ADMIN_DETECTORS,
    NOW,
    Harness,
    boto_findings,
    boto_session,
    sample,
    settings_for,
)
from tests.bot.conftest import chat as chat

REGIONS = ("us-east-1", "eu-west-1")
COMMAND_IDS = {"finding": 1, "findings": 2, "stats": 3, "help": 4}
# (envelope, classic event type): the three ways a slash command arrives.
FORMS = [("chat", "APP_COMMAND"), ("chat", "MESSAGE"), ("addon", "APP_COMMAND")]
FORM_IDS = ["classic-app-command", "classic-message", "addon"]
SORT = {"AttributeName": "severity", "OrderBy": "DESC"}
CURRENT = {"service.archived": {"Equals": ["false"]}}
NOW_MS = int(NOW.timestamp() * 1000)


def command(form: tuple[str, str], name: str, argument: str = "") -> dict[str, Any]:
    """The event for ``/gd-<name> <argument>`` in one of the three forms."""
    envelope, kind = form
    if kind == "MESSAGE":
        return chat_events.message(envelope, argument, command_id=COMMAND_IDS[name])
    return chat_events.app_command(envelope, COMMAND_IDS[name], argument)


def answer_message(document: dict[str, Any], envelope: str) -> dict[str, Any]:
    """The message a NEW_MESSAGE answer posts, after checking Google's schema."""
    validate_interaction_response(document, envelope=envelope)  # type: ignore[arg-type]
    if envelope == "chat":
        assert document["actionResponse"] == {"type": "NEW_MESSAGE"}
        return {k: v for k, v in document.items() if k != "actionResponse"}
    data = document["hostAppDataAction"]["chatDataAction"]
    assert list(data) == ["createMessageAction"]
    return dict(data["createMessageAction"]["message"])


def private_card(document: dict[str, Any], envelope: str) -> dict[str, Any]:
    """The one card of an answer only Alice sees."""
    message = answer_message(document, envelope)
    assert message["privateMessageViewer"] == {"name": chat_events.ALICE["name"]}
    (card,) = message["cardsV2"]
    return dict(card["card"])


def private_text(
    document: dict[str, Any], envelope: str, user: dict[str, Any] = chat_events.ALICE
) -> str:
    """The text of an answer only ``user`` sees."""
    message = answer_message(document, envelope)
    assert message["privateMessageViewer"] == {"name": user["name"]}
    assert "cardsV2" not in message
    return str(message["text"])


def in_region(name: str, region: str, finding_id: str | None = None) -> dict[str, Any]:
    """A sample finding moved to ``region`` (its ARN says so), with a new id."""
    finding = copy.deepcopy(sample(name))
    account = finding["accountId"]
    finding["id"] = finding_id or finding["id"]
    finding["region"] = region
    finding["arn"] = (
        f"arn:aws:guardduty:{region}:{account}:detector/"
        f"{'a' * 32}/finding/{finding['id']}"
    )
    return finding


@dataclass
class Regions:
    """A bot whose GuardDuty clients in both Regions are stubbed."""

    bot: Bot
    harness: Harness
    stubs: dict[str, Stubber]

    def ask(self, event: dict[str, Any]) -> Any:
        """The JSON answer to a signed event; the bot answered 200."""
        status, answer = self.harness.post(event)
        assert status == 200
        return answer

    def detector(self, region: str) -> None:
        self.stubs[region].add_response(
            "list_detectors", {"DetectorIds": [ADMIN_DETECTORS[region]]}, {}
        )

    def expect(
        self, region: str, operation: str, response: dict[str, Any], **params: Any
    ) -> None:
        self.stubs[region].add_response(
            operation, response, {"DetectorId": ADMIN_DETECTORS[region], **params}
        )

    def fail(self, region: str, operation: str, code: str) -> None:
        self.stubs[region].add_client_error(
            operation, service_error_code=code, http_status_code=400
        )

    def expect_get(self, region: str, *findings: dict[str, Any]) -> None:
        self.expect(
            region,
            "get_findings",
            boto_findings(*findings),
            FindingIds=[f["id"] for f in findings],
        )

    def done(self) -> None:
        for stub in self.stubs.values():
            stub.assert_no_pending_responses()


def make_regions(
    chat: ChatServer, *, bot: dict[str, Any] | None = None, **aws: Any
) -> Iterator[Regions]:
    settings = settings_for(chat, aws={"regions": list(REGIONS), **aws}, bot=bot or {})
    clients = AwsClients(settings.aws, session=boto_session())
    stubs = {region: Stubber(clients.client("guardduty", region)) for region in REGIONS}
    for stub in stubs.values():
        stub.activate()
    try:
        built = build_bot(settings, clients=clients, now=lambda: NOW)
        harness = Harness(chat, built, stubs[REGIONS[0]], clients)
        yield Regions(built, harness, stubs)
    finally:
        for stub in stubs.values():
            stub.deactivate()


@pytest.fixture
def regions(chat: ChatServer) -> Iterator[Regions]:
    yield from make_regions(chat)
