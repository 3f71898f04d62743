"""The sandbox in-process: the local Chat, the local GuardDuty, the real bot, and the
notifier's real Lambda handler between them.

One sandbox per module and event format (starting one takes about a second);
each test makes its own finding through GuardDuty, so tests share nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from notifier.finding import Finding
from notifier.handling import Action, Handling, history_from_message
from sandbox.chat_app import Interaction
from sandbox.configuration import HOME_REGION
from sandbox.stack import Sandbox

FORMATS = ["classic", "addon"]
PORT_PROBE = "Recon:EC2/PortProbeUnprotectedPort"


@pytest.fixture(scope="module", params=FORMATS)
def sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    with Sandbox(event_format=request.param) as running:
        yield running


def new_finding(sandbox: Sandbox, finding_type: str = PORT_PROBE) -> Finding:
    """A fresh sample finding from GuardDuty, once its card is posted."""
    [made] = sandbox.guardduty.create_samples(HOME_REGION, [finding_type])
    sandbox.settle()
    assert sandbox.card(made["id"]) is not None, "the notifier posted no card"
    return stored(sandbox, made["id"])


def stored(sandbox: Sandbox, finding_id: str) -> Finding:
    """The finding as GuardDuty holds it now."""
    return Finding(sandbox.guardduty.finding(finding_id))


def card(sandbox: Sandbox, finding: Finding) -> dict[str, Any]:
    """The finding's card as the local Chat holds it now."""
    message = sandbox.card(finding.id)
    assert message is not None
    return message


def press(sandbox: Sandbox, finding: Finding, action: Action, who: str) -> Interaction:
    """`who` clicks the card's button (or menu item) for `action`."""
    message = card(sandbox, finding)
    return sandbox.chat.click(
        sandbox.alerts_space, message["name"], {"action": action.value}, user=who
    )


def submit(sandbox: Sandbox, who: str, **inputs: str) -> Interaction:
    """`who` confirms the dialog in front of them, having typed `inputs`."""
    values = {name: [value] for name, value in inputs.items()}
    return sandbox.chat.submit_dialog(
        {"step": "confirm"}, inputs=values or None, user=who
    )


def history(sandbox: Sandbox, finding: Finding) -> tuple[Handling, ...]:
    """Who did what, as the card's buttons carry it."""
    return history_from_message(card(sandbox, finding))


def text_of(message: Any) -> str:
    """Everything a message says, as one string to search."""
    return json.dumps(message, ensure_ascii=False)
