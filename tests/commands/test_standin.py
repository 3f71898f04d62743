"""The commands against the GuardDuty stand-in: the criteria work on the wire.

The bot's boto3 clients talk REST-JSON to a seeded `GuardDutyStandIn` on
loopback (``aws.endpoint_url``); what the answers show is checked against the
stand-in's own findings, filtered and counted here independently.
"""

from __future__ import annotations

import html
import json
import os
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.interactions import Bot, Interaction, build_bot
from notifier.aws import AwsClients
from notifier.severity import Severity
from notifier.timestamps import parse_time
from sandbox.chat_server import ChatServer
from sandbox.google_identity import TokenKind
from sandbox.guardduty import GuardDutyStandIn
from tests.bot.answers import button_parameters
from tests.bot.chat_events import body
from tests.bot.conftest import APP, settings_for
from tests.commands.conftest import REGIONS, command, private_card

# Half an hour after the last sample finding was updated.
CLOCK = datetime(2026, 11, 2, 20, 50, tzinfo=UTC)


@pytest.fixture(scope="module")
def guardduty() -> Iterator[GuardDutyStandIn]:
    with GuardDutyStandIn() as standin:
        standin.seed()
        yield standin


@pytest.fixture
def bot(
    chat: ChatServer, guardduty: GuardDutyStandIn, monkeypatch: pytest.MonkeyPatch
) -> Bot:
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    aws = {"regions": list(REGIONS), "endpoint_url": guardduty.url, "max_attempts": 1}
    settings = settings_for(chat, aws=aws)
    return build_bot(settings, clients=AwsClients(settings.aws), now=lambda: CLOCK)


def ask(chat: ChatServer, bot: Bot, name: str, argument: str) -> dict[str, Any]:
    """The private card ``/gd-<name> <argument>`` answers Alice with."""
    token = chat.identity.token(TokenKind.PROJECT_NUMBER, APP)
    event = command(("chat", "APP_COMMAND"), name, argument)
    reply = bot.handle(
        Interaction.of("POST", "/", {"Authorization": f"Bearer {token}"}, body(event))
    )
    assert reply.status == 200
    return private_card(json.loads(reply.body), "chat")


def current(guardduty: GuardDutyStandIn) -> list[dict[str, Any]]:
    return [f for f in guardduty.findings() if not f["service"].get("archived")]


def updated(finding: dict[str, Any]) -> datetime:
    moment = parse_time(finding["updatedAt"])
    assert moment is not None
    return moment


def shown_ids(card: dict[str, Any]) -> list[str]:
    return [
        p["finding"].rsplit("/", 1)[1]
        for p in button_parameters(card)
        if p["action"] == "show"
    ]


def test_a_search_finds_what_the_criteria_select(chat, bot, guardduty):
    since = CLOCK - timedelta(hours=12)
    expected = sorted(
        (f for f in current(guardduty) if f["severity"] >= 7 and updated(f) >= since),
        key=lambda f: (f["severity"], updated(f)),
        reverse=True,
    )
    assert len(expected) > 3  # the samples give the search something to do

    card = ask(chat, bot, "findings", "severity>=high since:12h limit:50")

    assert shown_ids(card) == [f["id"] for f in expected]
    assert card["header"]["title"] == f"{len(expected)} GuardDuty findings"


def test_a_type_pattern_and_an_account_find_their_findings(chat, bot, guardduty):
    member = "444455556666"
    expected = {
        f["id"]
        for f in current(guardduty)
        if f["type"].lower().startswith(("execution:", "cryptocurrency:"))
        and f["accountId"] == member
    }
    assert len(expected) > 2

    card = ask(
        chat, bot, "findings", f"type:execution*,CryptoCurrency* account:{member}"
    )

    assert set(shown_ids(card)) == expected


def test_counts_match_the_findings_in_every_region(chat, bot, guardduty):
    findings = current(guardduty)
    bands = Counter(Severity.of(f["severity"]) for f in findings)
    types = Counter(f["type"] for f in findings)

    card = ask(chat, bot, "stats", "")

    assert card["header"]["title"] == f"GuardDuty: {len(findings)} findings"
    severity, top_types, accounts, _resources = card["sections"]
    counts = [
        int(w["decoratedText"]["text"].rsplit(": ", 1)[1]) for w in severity["widgets"]
    ]
    order = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)
    assert counts == [bands[band] for band in order]
    shown = [
        html.unescape(w["decoratedText"]["text"]).rsplit(": ", 1)
        for w in top_types["widgets"]
    ]
    assert len(shown) == min(5, len(types))
    assert [f"<b>{types[name]}</b>" for name, _ in shown] == [n for _, n in shown]
    assert shown[0][1] == f"<b>{types.most_common(1)[0][1]}</b>"
    assert len(accounts["widgets"]) == len({f["accountId"] for f in findings})


def test_counts_for_a_window_leave_older_findings_out(chat, bot, guardduty):
    since = CLOCK - timedelta(hours=6)
    recent = [f for f in current(guardduty) if updated(f) >= since]
    assert 0 < len(recent) < len(current(guardduty))

    card = ask(chat, bot, "stats", "since:6h")

    assert card["header"]["title"] == f"GuardDuty: {len(recent)} findings"
