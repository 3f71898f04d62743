"""The sandbox's own controls in the page: GuardDuty creates or sees a finding again,
and the card follows. Driven over HTTP, as the page's script sends them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from notifier.cards import shown_version
from notifier.finding import Finding
from notifier.handling import Action
from sandbox.chat_page import PAGE_HEADER
from sandbox.chat_server import ChatServer
from sandbox.configuration import HOME_REGION
from sandbox.stack import Sandbox
from tests.e2e.conftest import card, new_finding, press, stored, submit

# Two of the project's sample types (the ones the page offers).
COMMAND_AND_CONTROL = "Backdoor:EC2/C&CActivity.B!DNS"
BITCOIN = "CryptoCurrency:EC2/BitcoinTool.B"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=False) as running:
        yield running


def control(
    sandbox: Sandbox, name: str, body: dict[str, Any], *, page: bool = True
) -> requests.Response:
    headers = {PAGE_HEADER: "1"} if page else {}
    return requests.post(
        f"{sandbox.chat.url}/ui/sandbox/{name}", json=body, headers=headers, timeout=20
    )


def page_state(sandbox: Sandbox) -> dict[str, Any]:
    response = requests.get(f"{sandbox.chat.url}/ui/state", timeout=5)
    response.raise_for_status()
    state: dict[str, Any] = response.json()
    return state


def test_a_new_sample_finding_gets_a_card(sandbox: Sandbox) -> None:
    answer = control(sandbox, "sample", {"type": COMMAND_AND_CONTROL})

    assert answer.status_code == 200
    reply = answer.json()
    made = stored(sandbox, reply["finding"])
    assert made.type == COMMAND_AND_CONTROL
    assert made.sample
    assert made.account_id == sandbox.guardduty.administrator
    assert made.region == HOME_REGION
    assert reply["message"] == card(sandbox, made)["name"]
    assert reply["notice"].endswith("the notifier posted its card.")


def test_seeing_a_finding_again_edits_its_card(sandbox: Sandbox) -> None:
    finding = new_finding(sandbox)

    answer = control(sandbox, "bump", {"finding": finding.id})

    assert answer.status_code == 200
    now = stored(sandbox, finding.id)
    assert now.count == (finding.count or 0) + 1
    shown = shown_version(card(sandbox, finding))
    assert shown is not None
    assert shown.version == now.version
    assert f"(count {now.count})" in answer.json()["notice"]
    assert answer.json()["message"] == card(sandbox, finding)["name"]


def test_a_suppressed_kind_of_finding_gets_no_card(sandbox: Sandbox) -> None:
    finding = new_finding(sandbox, BITCOIN)
    press(sandbox, finding, Action.SUPPRESS, "Alex Analyst")
    submit(sandbox, "Alex Analyst")
    cards = len(sandbox.cards())

    answer = control(sandbox, "sample", {"type": BITCOIN})

    assert answer.status_code == 200
    assert "a suppression rule archived it at once" in answer.json()["notice"]
    assert Finding(sandbox.guardduty.finding(answer.json()["finding"])).archived
    assert len(sandbox.cards()) == cards
    names = [rule["name"] for rule in page_state(sandbox)["controls"]["filters"]]
    assert [f.name for f in sandbox.guardduty.filters(HOME_REGION)] == names


def test_the_page_state_shows_what_guardduty_holds(sandbox: Sandbox) -> None:
    finding = new_finding(sandbox)
    press(sandbox, finding, Action.ARCHIVE, "Alex Analyst")

    controls = page_state(sandbox)["controls"]

    [shown] = [f for f in controls["findings"] if f["id"] == finding.id]
    assert shown["archived"] is True
    assert shown["count"] == finding.count
    assert shown["title"] == finding.title
    assert COMMAND_AND_CONTROL in controls["sampleTypes"]
    assert controls["region"] == HOME_REGION


@pytest.mark.parametrize(
    ("name", "body", "status", "words"),
    [
        ("sample", {"type": "Nope:EC2/Nothing"}, 409, "no sample finding of type"),
        ("bump", {"finding": "0" * 32}, 409, "GuardDuty has no finding"),
        ("reboot", {}, 409, "no such sandbox control"),
    ],
)
def test_a_control_that_cannot_be_done_says_why(
    sandbox: Sandbox, name: str, body: dict[str, Any], status: int, words: str
) -> None:
    before = len(sandbox.guardduty.findings())

    answer = control(sandbox, name, body)

    assert answer.status_code == status
    assert words in answer.json()["error"]
    assert len(sandbox.guardduty.findings()) == before


def test_controls_need_the_page_header(sandbox: Sandbox) -> None:
    before = len(sandbox.guardduty.findings())

    answer = control(sandbox, "sample", {"type": COMMAND_AND_CONTROL}, page=False)

    assert answer.status_code == 403
    assert len(sandbox.guardduty.findings()) == before


def test_a_local_chat_without_controls_has_none() -> None:
    with ChatServer() as chat:
        state = requests.get(f"{chat.url}/ui/state", timeout=5).json()
        answer = requests.post(
            f"{chat.url}/ui/sandbox/sample",
            json={"type": COMMAND_AND_CONTROL},
            headers={PAGE_HEADER: "1"},
            timeout=5,
        )

    assert state["controls"] is None
    assert answer.status_code == 404
