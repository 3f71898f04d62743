"""``/gd-findings``: the exact ListFindings and GetFindings calls, and the list card."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest

from bot.listing import CARD_ID
from notifier.cards import action_parameters
from notifier.finding import Finding
from notifier.handling import Action
from tests.bot import chat_events
from tests.bot.answers import button_parameters
from tests.bot.chat_events import MALLORY
from tests.bot.conftest import boto_findings
from tests.commands.conftest import (
    CURRENT,
    FORM_IDS,
    FORMS,
    NOW_MS,
    SORT,
    answer_message,
    command,
    in_region,
    make_regions,
    private_card,
    private_text,
)

DAY_MS = 24 * 3600 * 1000


def finding_id(number: int) -> str:
    return f"{number:032x}"


def listed(regions, region, findings, *, criterion=None, limit=10, more=False):
    """GuardDuty in ``region`` lists then returns ``findings``."""
    page: dict[str, Any] = {"FindingIds": [f["id"] for f in findings]}
    if more:
        page["NextToken"] = "page-2"
    regions.expect(
        region,
        "list_findings",
        page,
        FindingCriteria={"Criterion": criterion if criterion is not None else CURRENT},
        SortCriteria=SORT,
        MaxResults=limit,
    )
    if findings:
        regions.expect_get(region, *findings)


def rows(card):
    """(text, bottom label) of each finding row, in order."""
    return [
        (widget["decoratedText"]["text"], widget["decoratedText"].get("bottomLabel"))
        for widget in card["sections"][0]["widgets"]
        if "decoratedText" in widget
    ]


def with_update(document, updated_at):
    document["updatedAt"] = updated_at
    return document


@pytest.mark.parametrize("form", FORMS, ids=FORM_IDS)
def test_the_top_findings_of_every_region_are_merged_by_severity(regions, form):
    us_high = in_region("instance-network-connection", "us-east-1", finding_id(1))
    us_medium = in_region("accesskey-api-call", "us-east-1", finding_id(2))
    eu_critical = in_region("attacksequence-s3-compromised-data", "eu-west-1")
    eu_low = in_region("instance-port-probe", "eu-west-1", finding_id(4))
    regions.detector("us-east-1")
    listed(regions, "us-east-1", [us_high, us_medium])
    regions.detector("eu-west-1")
    listed(regions, "eu-west-1", [eu_critical, eu_low])

    answer = regions.ask(command(form, "findings"))

    card = private_card(answer, form[0])
    assert card["header"] == {
        "title": "4 GuardDuty findings",
        "subtitle": "current \u00b7 us-east-1, eu-west-1",
    }
    texts = [text for text, _ in rows(card)]
    assert [text.split("</font>")[0].split("</b> ")[1] for text in texts] == [
        "9.2",
        "8.0",
        "5.3",
        "2.0",
    ]
    assert rows(card)[1][1] == (
        "CryptoCurrency:EC2/BitcoinTool.B \u00b7 444455556666 \u00b7 us-east-1 "
        "\u00b7 updated 2026-11-02 09:47 UTC"
    )
    high = Finding.from_document(boto_findings(us_high))
    buttons = button_parameters(card)
    assert {**action_parameters(Action.SHOW, high), "origin": "digest"} in buttons
    assert {**action_parameters(Action.ARCHIVE, high), "origin": "digest"} in buttons
    assert len([b for b in buttons if b["action"] == "acknowledge"]) == 4
    regions.done()


def test_among_equal_severities_the_most_recently_updated_comes_first(regions):
    older = with_update(
        in_region("instance-network-connection", "us-east-1", finding_id(1)),
        "2026-11-30T08:00:00.000Z",
    )
    newer = with_update(
        in_region("lambda-network-connection", "eu-west-1", finding_id(2)),
        "2026-11-30T09:00:00.000Z",
    )
    regions.detector("us-east-1")
    listed(regions, "us-east-1", [older], limit=1, more=True)
    regions.detector("eu-west-1")
    listed(regions, "eu-west-1", [newer], limit=1)

    answer = regions.ask(command(("chat", "MESSAGE"), "findings", "limit:1"))

    card = private_card(answer, "chat")
    assert card["header"]["title"] == "Top 1 GuardDuty findings"
    ((_, bottom),) = rows(card)
    assert "lambda" in bottom.lower()
    regions.done()


@pytest.mark.parametrize("form", FORMS, ids=FORM_IDS)
def test_filters_are_sent_as_finding_criteria(regions, form):
    criterion = {
        "severity": {"GreaterThanOrEqual": 7},
        "accountId": {"Equals": ["444455556666"]},
        "resource.resourceType": {"Equals": ["Instance"]},
        "updatedAt": {"GreaterThanOrEqual": NOW_MS - DAY_MS},
        "service.archived": {"Equals": ["true"]},
    }
    archived = in_region("instance-dns-request", "eu-west-1", finding_id(7))
    archived["service"]["archived"] = True
    regions.detector("eu-west-1")
    listed(regions, "eu-west-1", [archived], criterion=criterion, limit=20)

    typed = (
        "severity>=high account:444455556666 resource:instance since:24h "
        "archived region:eu-west-1 limit:20"
    )
    answer = regions.ask(command(form, "findings", typed))

    card = private_card(answer, form[0])
    assert card["header"]["subtitle"] == (
        "severity \u2265 7 \u00b7 account 444455556666 \u00b7 resource Instance "
        "\u00b7 updated in the last 24h \u00b7 archived \u00b7 eu-west-1"
    )
    actions = [p["action"] for p in button_parameters(card)]
    assert actions == ["show", "unarchive"]
    regions.done()


@pytest.mark.parametrize("form", FORMS, ids=FORM_IDS)
def test_a_type_pattern_is_resolved_to_type_names_per_region(regions, form):
    other = {"severity": {"GreaterThanOrEqual": 7}, **CURRENT}

    def type_counts(region, *names):
        regions.expect(
            region,
            "get_findings_statistics",
            {
                "FindingStatistics": {
                    "GroupedByFindingType": [
                        {"FindingType": name, "TotalFindings": 3} for name in names
                    ]
                }
            },
            FindingCriteria={"Criterion": other},
            GroupBy="FINDING_TYPE",
            OrderBy="DESC",
            MaxResults=100,
        )

    probe = in_region("instance-port-probe", "us-east-1", finding_id(1))
    regions.detector("us-east-1")
    type_counts(
        "us-east-1",
        "CryptoCurrency:EC2/BitcoinTool.B",
        "Recon:EC2/PortProbeUnprotectedPort",
        "Recon:IAMUser/MaliciousIPCaller",
    )
    names = ["Recon:EC2/PortProbeUnprotectedPort", "Recon:IAMUser/MaliciousIPCaller"]
    listed(
        regions,
        "us-east-1",
        [probe],
        criterion={**other, "type": {"Equals": names}},
        limit=5,
    )
    regions.detector("eu-west-1")
    type_counts("eu-west-1", "CryptoCurrency:EC2/BitcoinTool.B")  # nothing to list

    answer = regions.ask(
        command(form, "findings", "type:recon* severity>=high limit:5")
    )

    card = private_card(answer, form[0])
    assert card["header"]["title"] == "1 GuardDuty finding"
    regions.done()


def test_more_than_fifty_matching_types_are_asked_for_fifty_at_a_time(regions):
    names = [f"Recon:EC2/Pattern{number:03d}" for number in range(60)]
    regions.detector("us-east-1")
    regions.expect(
        "us-east-1",
        "get_findings_statistics",
        {
            "FindingStatistics": {
                "GroupedByFindingType": [
                    {"FindingType": name, "TotalFindings": 1} for name in names
                ]
            }
        },
        FindingCriteria={"Criterion": CURRENT},
        GroupBy="FINDING_TYPE",
        OrderBy="DESC",
        MaxResults=100,
    )
    for chunk in (names[:50], names[50:]):
        listed(
            regions,
            "us-east-1",
            [],
            criterion={"type": {"Equals": chunk}, **CURRENT},
        )

    answer = regions.ask(
        command(("chat", "APP_COMMAND"), "findings", "type:Recon* region:us-east-1")
    )

    card = private_card(answer, "chat")
    assert card["header"]["title"] == "No GuardDuty findings match"
    regions.done()


@pytest.mark.parametrize("form", FORMS, ids=FORM_IDS)
def test_a_filter_that_does_not_parse_gets_the_syntax_privately(regions, form):
    answer = regions.ask(command(form, "findings", "severity>=high type:<users/all>"))

    words = private_text(answer, form[0])
    assert words.startswith(
        "`type:\u2039users/all\u203a`: expected a finding type, or its start "
        "ending in one *.\nUsage: /gd-findings [filters]"
    )
    assert "  severity>=high: low, medium, high, critical" in words
    assert "  limit:20: how many findings to show" in words
    regions.done()


def test_a_region_the_bot_does_not_search_is_refused(regions):
    answer = regions.ask(
        command(("addon", "APP_COMMAND"), "findings", "region:ap-south-1")
    )

    assert private_text(answer, "addon") == (
        "This bot does not search ap-south-1; it searches us-east-1, eu-west-1."
    )
    regions.done()


def test_a_failing_region_is_named_and_the_others_answer(regions):
    finding = in_region("instance-network-connection", "us-east-1", finding_id(1))
    regions.detector("us-east-1")
    listed(regions, "us-east-1", [finding])
    regions.detector("eu-west-1")
    regions.fail("eu-west-1", "list_findings", "TooManyRequestsException")

    answer = regions.ask(command(("chat", "APP_COMMAND"), "findings"))

    card = private_card(answer, "chat")
    assert card["header"]["title"] == "1 GuardDuty finding"
    notes = card["sections"][1]
    assert notes["header"] == "Not complete"
    assert notes["widgets"][0]["decoratedText"]["text"] == (
        "eu-west-1: GuardDuty is busy right now. Try again in a minute"
    )
    regions.done()


def test_a_region_still_working_at_the_deadline_is_left_out(chat):
    finding = in_region("instance-network-connection", "us-east-1", finding_id(1))
    release = threading.Event()
    for regions in make_regions(chat, bot={"answer_seconds": 1.0}):
        slow = regions.harness.clients.client("guardduty", "eu-west-1")
        slow.meta.events.register(
            "before-parameter-build.guardduty.ListFindings",
            lambda **_: release.wait(5),
        )
        regions.detector("us-east-1")
        listed(regions, "us-east-1", [finding])
        regions.detector("eu-west-1")
        listed(regions, "eu-west-1", [])
        try:
            started = time.monotonic()
            answer = regions.ask(command(("chat", "APP_COMMAND"), "findings"))
            elapsed = time.monotonic() - started
        finally:
            release.set()

        assert elapsed < 1.0
        card = private_card(answer, "chat")
        assert card["header"]["title"] == "1 GuardDuty finding"
        assert "eu-west-1: GuardDuty did not answer in time" in json.dumps(card)
        _wait_for(regions.done)


def test_hostile_text_in_a_finding_stays_text(regions):
    hostile = in_region("instance-network-connection", "us-east-1", finding_id(1))
    hostile["title"] = '<users/all> <a href="https://evil.example">click</a>'
    regions.detector("us-east-1")
    listed(regions, "us-east-1", [hostile])
    regions.detector("eu-west-1")
    listed(regions, "eu-west-1", [])

    answer = regions.ask(command(("chat", "APP_COMMAND"), "findings"))

    ((text, _),) = rows(private_card(answer, "chat"))
    assert "&lt;users/all&gt; &lt;a href=&quot;https://evil.example&quot;&gt;" in text
    assert "<a " not in text
    regions.done()


def test_fifty_findings_fit_in_one_message_with_an_open_button_each(regions):
    many = [
        in_region("rdsdbinstance-login-attempt", "us-east-1", finding_id(number))
        for number in range(50)
    ]
    regions.detector("us-east-1")
    regions.expect(
        "us-east-1",
        "list_findings",
        {"FindingIds": [f["id"] for f in many], "NextToken": "more"},
        FindingCriteria={"Criterion": CURRENT},
        SortCriteria=SORT,
        MaxResults=50,
    )
    regions.expect_get("us-east-1", *many)

    answer = regions.ask(
        command(("addon", "APP_COMMAND"), "findings", "limit:50 region:us-east-1")
    )

    message = answer_message(answer, "addon")
    card = message["cardsV2"][0]
    assert card["cardId"] == CARD_ID
    assert card["card"]["header"]["title"] == "Top 50 GuardDuty findings"
    widgets = card["card"]["sections"][0]["widgets"]
    assert len(widgets) == 50
    assert [b["action"] for b in button_parameters(card)] == ["show"] * 50
    regions.done()


def test_a_list_button_acts_through_the_card_actions(regions):
    finding = in_region("instance-network-connection", "us-east-1", finding_id(1))
    regions.detector("us-east-1")
    listed(regions, "us-east-1", [finding])
    regions.detector("eu-west-1")
    listed(regions, "eu-west-1", [])
    answer = regions.ask(command(("chat", "APP_COMMAND"), "findings"))
    card = private_card(answer, "chat")
    acknowledge, archive = (
        p for p in button_parameters(card) if p["action"] in ("acknowledge", "archive")
    )
    regions.expect(
        "us-east-1",
        "update_findings_feedback",
        {},
        FindingIds=[finding["id"]],
        Feedback="USEFUL",
        Comments="Acknowledged in Google Chat by Alice Admin (alice@example.com)",
    )
    regions.expect_get("us-east-1", finding)

    clicked = regions.ask(chat_events.click("chat", acknowledge))
    refused = regions.ask(chat_events.click("chat", archive, user=MALLORY))

    shown = answer_message(clicked, "chat")
    assert "privateMessageViewer" not in shown
    assert "Acknowledged by Alice Admin" in json.dumps(shown)
    assert private_text(refused, "chat", MALLORY).startswith(
        "You may not archive findings."
    )
    regions.done()


def _wait_for(check, seconds=3.0):
    """Runs ``check`` until it passes (work the answer left behind finishing)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            check()
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)
