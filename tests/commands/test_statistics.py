"""``/gd-stats``: the exact GetFindingsStatistics calls, and the counts card."""

from __future__ import annotations

import pytest

from tests.commands.conftest import (
    CURRENT,
    FORM_IDS,
    FORMS,
    NOW_MS,
    command,
    private_card,
    private_text,
)

WEEK_MS = 7 * 24 * 3600 * 1000
MEMBER = "444455556666"
ADMIN = "111122223333"


def statistics(regions, region, criterion, groups):
    """GuardDuty in ``region`` answers the four grouped counts in order."""
    members = {
        "SEVERITY": "GroupedBySeverity",
        "FINDING_TYPE": "GroupedByFindingType",
        "ACCOUNT": "GroupedByAccount",
        "RESOURCE": "GroupedByResource",
    }
    for group, member in members.items():
        regions.expect(
            region,
            "get_findings_statistics",
            {"FindingStatistics": {member: groups.get(group, [])}},
            FindingCriteria={"Criterion": criterion},
            GroupBy=group,
            OrderBy="DESC",
            MaxResults=100,
        )


US_EAST = {
    "SEVERITY": [
        {"Severity": 8.0, "TotalFindings": 5},
        {"Severity": 7.0, "TotalFindings": 1},
        {"Severity": 5.3, "TotalFindings": 2},
        {"Severity": 3.9, "TotalFindings": 4},
    ],
    "FINDING_TYPE": [
        {"FindingType": "CryptoCurrency:EC2/BitcoinTool.B", "TotalFindings": 5},
        {"FindingType": "Recon:EC2/PortProbeUnprotectedPort", "TotalFindings": 4},
        {"FindingType": "<b>Odd</b>:Type", "TotalFindings": 3},
    ],
    "ACCOUNT": [
        {"AccountId": MEMBER, "TotalFindings": 8},
        {"AccountId": ADMIN, "TotalFindings": 4},
    ],
    "RESOURCE": [
        {
            "AccountId": MEMBER,
            "ResourceId": "i-0abc",
            "ResourceType": "Instance",
            "TotalFindings": 5,
        }
    ],
}
EU_WEST = {
    "SEVERITY": [
        {"Severity": 9.2, "TotalFindings": 1},
        {"Severity": 8.0, "TotalFindings": 2},
    ],
    "FINDING_TYPE": [
        {"FindingType": "Recon:EC2/PortProbeUnprotectedPort", "TotalFindings": 2},
        {"FindingType": "AttackSequence:S3/CompromisedData", "TotalFindings": 1},
    ],
    "ACCOUNT": [{"AccountId": ADMIN, "TotalFindings": 3}],
    "RESOURCE": [
        {
            "AccountId": ADMIN,
            "ResourceId": "data-bucket",
            "ResourceType": "S3Bucket",
            "TotalFindings": 2,
        }
    ],
}


def lines(section):
    return [widget["decoratedText"]["text"] for widget in section["widgets"]]


@pytest.mark.parametrize("form", FORMS, ids=FORM_IDS)
def test_counts_of_every_region_are_added_up_by_band(regions, form):
    criterion = {"updatedAt": {"GreaterThanOrEqual": NOW_MS - WEEK_MS}, **CURRENT}
    regions.detector("us-east-1")
    statistics(regions, "us-east-1", criterion, US_EAST)
    regions.detector("eu-west-1")
    statistics(regions, "eu-west-1", criterion, EU_WEST)

    answer = regions.ask(command(form, "stats", "since:7d"))

    card = private_card(answer, form[0])
    assert card["header"] == {
        "title": "GuardDuty: 15 findings",
        "subtitle": "updated in the last 7d \u00b7 current \u00b7 us-east-1, eu-west-1",
    }
    by_severity, types, accounts, resources = card["sections"]
    assert [line.split("</font>: ")[1] for line in lines(by_severity)] == [
        "1",
        "8",
        "2",
        "4",
    ]
    assert "Critical" in lines(by_severity)[0]
    assert lines(types) == [
        "Recon:EC2/PortProbeUnprotectedPort: <b>6</b>",
        "CryptoCurrency:EC2/BitcoinTool.B: <b>5</b>",
        "&lt;b&gt;Odd&lt;/b&gt;:Type: <b>3</b>",
        "AttackSequence:S3/CompromisedData: <b>1</b>",
    ]
    assert lines(accounts) == [f"{MEMBER}: <b>8</b>", f"{ADMIN}: <b>7</b>"]
    instance, bucket = resources["widgets"]
    assert instance["decoratedText"]["topLabel"] == "Instance"
    assert instance["decoratedText"]["text"] == "i-0abc: <b>5</b>"
    assert bucket["decoratedText"]["bottomLabel"] == ADMIN
    regions.done()


def test_without_filters_current_findings_of_all_time_are_counted(regions):
    regions.detector("us-east-1")
    statistics(regions, "us-east-1", CURRENT, {})
    regions.detector("eu-west-1")
    statistics(regions, "eu-west-1", CURRENT, {})

    answer = regions.ask(command(("chat", "MESSAGE"), "stats"))

    card = private_card(answer, "chat")
    assert card["header"]["title"] == "GuardDuty: 0 findings"
    (by_severity,) = card["sections"]
    assert all(line.endswith(": 0") for line in lines(by_severity))
    regions.done()


def test_account_and_severity_filters_reach_every_count(regions):
    criterion = {
        "severity": {"GreaterThanOrEqual": 7, "LessThan": 9},
        "accountId": {"Equals": [MEMBER]},
        "service.archived": {"Equals": ["true"]},
    }
    regions.detector("eu-west-1")
    statistics(regions, "eu-west-1", criterion, EU_WEST)

    answer = regions.ask(
        command(
            ("addon", "APP_COMMAND"),
            "stats",
            f"severity:high account:{MEMBER} archived region:eu-west-1",
        )
    )

    card = private_card(answer, "addon")
    assert card["header"]["title"] == "GuardDuty: 3 findings"
    regions.done()


def test_a_failing_region_is_named_on_the_card(regions):
    regions.detector("us-east-1")
    statistics(regions, "us-east-1", CURRENT, US_EAST)
    regions.detector("eu-west-1")
    regions.fail("eu-west-1", "get_findings_statistics", "InternalServerErrorException")

    answer = regions.ask(command(("chat", "APP_COMMAND"), "stats"))

    card = private_card(answer, "chat")
    assert card["header"]["title"] == "GuardDuty: 12 findings"
    assert card["sections"][-1]["header"] == "Not complete"
    assert lines(card["sections"][-1]) == [
        "eu-west-1: GuardDuty failed to answer. Try again in a minute"
    ]
    regions.done()


@pytest.mark.parametrize("form", FORMS, ids=FORM_IDS)
def test_a_limit_is_refused_with_the_syntax(regions, form):
    answer = regions.ask(command(form, "stats", "since:7d limit:5"))

    words = private_text(answer, form[0])
    assert words.startswith(
        "`limit:5`: counts cover every finding; there is no limit.\n"
        "Usage: /gd-stats [filters]"
    )
    regions.done()
