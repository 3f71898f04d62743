"""The answer reaches Chat in time, whether GuardDuty is quick or hangs.

GuardDuty here is a loopback HTTP server speaking its REST-JSON protocol to a real
boto3 client (``aws.endpoint_url``), answering after a chosen delay.
"""

from __future__ import annotations

import http.server
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from bot.interactions import Interaction, build_bot
from notifier.aws import AwsClients
from notifier.cards import action_parameters
from notifier.handling import Action
from sandbox.google_identity import TokenKind
from sandbox.loopback import LoopbackServer
from tests.bot import chat_events
from tests.bot.answers import private_text, updated_message
from tests.bot.conftest import ADMIN_DETECTOR, APP, boto_session, sample, settings_for
from tests.bot.test_actions import finding_of

FINDING = sample("instance-network-connection")


class SlowGuardDuty(http.server.BaseHTTPRequestHandler):
    """ListDetectors, ArchiveFindings and GetFindings, each after ``delay`` s."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._answer(
            {"detectorIds": [ADMIN_DETECTOR]} if self.path == "/detector" else None
        )

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        base = f"/detector/{ADMIN_DETECTOR}/findings"
        answers = {f"{base}/archive": {}, f"{base}/get": {"findings": [FINDING]}}
        self._answer(answers.get(self.path))

    def _answer(self, document: dict[str, Any] | None) -> None:
        self.server.calls.append(self.path)  # type: ignore[attr-defined]
        time.sleep(self.server.delay)  # type: ignore[attr-defined]
        payload = json.dumps(document if document is not None else {}).encode()
        self.send_response(200 if document is not None else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def guardduty() -> Iterator[LoopbackServer]:
    with LoopbackServer(SlowGuardDuty) as server:
        server.http_server.calls = []  # type: ignore[attr-defined]
        server.http_server.delay = 0.0  # type: ignore[attr-defined]
        yield server


def archive(
    chat, guardduty: LoopbackServer, delay: float, **bot: Any
) -> tuple[float, Any]:
    guardduty.http_server.delay = delay  # type: ignore[attr-defined]
    settings = settings_for(
        chat,
        aws={"endpoint_url": guardduty.url, "max_attempts": 1, "read_timeout": 10.0},
        bot=bot,
    )
    clients = AwsClients(settings.aws, session=boto_session())
    clients.client("guardduty", "us-east-1")  # made before the clock starts
    handler = build_bot(settings, clients=clients)
    token = chat.identity.token(TokenKind.PROJECT_NUMBER, APP)
    parameters = action_parameters(Action.ARCHIVE, finding_of(FINDING))
    request = Interaction.of(
        "POST",
        "/",
        {"Authorization": f"Bearer {token}"},
        chat_events.body(chat_events.click("chat", parameters)),
    )
    started = time.monotonic()
    reply = handler.handle(request)
    elapsed = time.monotonic() - started
    assert reply.status == 200
    return elapsed, json.loads(reply.body)


def test_the_card_comes_back_within_3_seconds_when_guardduty_answers_within_1(
    chat, guardduty
):
    elapsed, answer = archive(chat, guardduty, delay=0.3)

    assert "Archived by Alice Admin" in str(updated_message(answer, "chat"))
    assert guardduty.http_server.calls == [
        "/detector",
        f"/detector/{ADMIN_DETECTOR}/findings/archive",
        f"/detector/{ADMIN_DETECTOR}/findings/get",
    ]
    assert elapsed < 3.0


def test_a_hanging_guardduty_gets_a_private_answer_before_the_deadline(chat, guardduty):
    elapsed, answer = archive(chat, guardduty, delay=4.0, answer_seconds=1.0)

    text = private_text(answer, "chat")
    assert text.startswith("GuardDuty did not answer in time.")
    assert "press Refresh" in text
    assert 1.0 <= elapsed < 2.0
