"""A local Chat with the app configured, cards posted the way the notifier posts."""

from __future__ import annotations

import json
from typing import Any

import google.auth.transport.requests

from notifier.cards import finding_message
from notifier.finding import Finding, read_findings
from notifier.settings import CardSettings
from sandbox.chat_server import ChatServer
from tests.conftest import SAMPLES

Session = google.auth.transport.requests.AuthorizedSession


def sample_finding(name: str = "instance-port-probe.json") -> Finding:
    """One of the project's sample findings."""
    document = json.loads((SAMPLES / name).read_text(encoding="utf-8"))
    return read_findings(document)[0]


def post_card(
    chat: ChatServer, session: Session, space: str, finding: Finding
) -> dict[str, Any]:
    """Posts the finding's card through the Chat API as the app; returns it."""
    response = session.post(
        f"{chat.url}/v1/{space}/messages",
        json=finding_message(finding, CardSettings()),
    )
    response.raise_for_status()
    message: dict[str, Any] = response.json()
    return message
