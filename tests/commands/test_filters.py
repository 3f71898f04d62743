"""The filter language, as a table: what people type, and the criteria sent."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.filters import FilterError, parse_filters
from bot.query import Query
from tests.bot.conftest import NOW
from tests.commands.conftest import CURRENT, NOW_MS

HOUR_MS = 3600 * 1000
DAY_MS = 24 * HOUR_MS


@pytest.mark.parametrize(
    ("typed", "criterion"),
    [
        ("", CURRENT),
        ("severity>=high", {"severity": {"GreaterThanOrEqual": 7}, **CURRENT}),
        (
            "severity:critical",
            {"severity": {"GreaterThanOrEqual": 9}, **CURRENT},
        ),
        (
            "SEVERITY=High",
            {"severity": {"GreaterThanOrEqual": 7, "LessThan": 9}, **CURRENT},
        ),
        ("severity:medium", {"severity": {"GreaterThanOrEqual": 4, "LessThan": 7}}),
        ("severity:low", {"severity": {"LessThan": 4}}),
        ("severity>=7", {"severity": {"GreaterThanOrEqual": 7}}),
        ("severity>7", {"severity": {"GreaterThan": 7}}),
        ("severity:7", {"severity": {"GreaterThanOrEqual": 7, "LessThan": 8}}),
        ("severity<4", {"severity": {"LessThan": 4}}),
        ("severity<=5", {"severity": {"LessThanOrEqual": 5}}),
        ("severity>high", {"severity": {"GreaterThanOrEqual": 9}}),
        ("severity<=high", {"severity": {"LessThan": 9}}),
        ("severity<high", {"severity": {"LessThan": 7}}),
        ("severity>=low", {}),
        (
            "severity>=medium severity<9",
            {"severity": {"GreaterThanOrEqual": 4, "LessThan": 9}},
        ),
        (
            "severity>=4 severity>=high severity<=8",
            {"severity": {"GreaterThanOrEqual": 7, "LessThanOrEqual": 8}},
        ),
        (
            "type:Recon:EC2/PortProbeUnprotectedPort",
            {"type": {"Equals": ["Recon:EC2/PortProbeUnprotectedPort"]}},
        ),
        (
            "type:Backdoor:EC2/C&CActivity.B!DNS,Trojan:EC2/DNSDataExfiltration",
            {
                "type": {
                    "Equals": [
                        "Backdoor:EC2/C&CActivity.B!DNS",
                        "Trojan:EC2/DNSDataExfiltration",
                    ]
                }
            },
        ),
        # A pattern is resolved to names per Region; no type condition here.
        ("type:Recon*", {}),
        ("type:Recon*,CryptoCurrency:EC2/BitcoinTool.B", {}),
        ("account:111122223333", {"accountId": {"Equals": ["111122223333"]}}),
        (
            "account:111122223333,444455556666 account:111122223333",
            {"accountId": {"Equals": ["111122223333", "444455556666"]}},
        ),
        ("region:eu-west-1", {}),
        ("resource:Instance", {"resource.resourceType": {"Equals": ["Instance"]}}),
        (
            "resource:s3bucket,ekscluster",
            {"resource.resourceType": {"Equals": ["S3Bucket", "EKSCluster"]}},
        ),
        ("since:24h", {"updatedAt": {"GreaterThanOrEqual": NOW_MS - DAY_MS}}),
        ("since:7d", {"updatedAt": {"GreaterThanOrEqual": NOW_MS - 7 * DAY_MS}}),
        ("since:30m", {"updatedAt": {"GreaterThanOrEqual": NOW_MS - HOUR_MS // 2}}),
        ("since:90d", {"updatedAt": {"GreaterThanOrEqual": NOW_MS - 90 * DAY_MS}}),
        ("archived", {"service.archived": {"Equals": ["true"]}}),
        ("Archived:no", {"service.archived": {"Equals": ["false"]}}),
        ("archived:any", {}),
        ("limit:20", {}),
    ],
)
def test_filters_become_finding_criteria(typed, criterion):
    query = parse_filters(typed)

    expected = dict(criterion)
    if "archived" not in typed.lower():
        expected |= CURRENT
    assert query.criteria(NOW) == {"Criterion": expected}


@pytest.mark.parametrize(
    ("typed", "word", "reason"),
    [
        ("high", "high", "not a filter; filters look like key:value"),
        ("colour:red", "colour:red", "there is no filter called colour"),
        ("severity>=huge", "severity>=huge", "expected low, medium, high, critical"),
        ("severity>=7.5", "severity>=7.5", "whole numbers only"),
        ("severity>=11", "severity>=11", "or a whole number"),
        ("severity>critical", "severity>critical", "more severe than Critical"),
        ("severity<low", "severity<low", "less severe than Low"),
        (
            "severity>=high severity<4",
            "severity<4",
            "no severity is left with the other severity filters",
        ),
        ("severity:high severity:low", "severity:low", "no severity is left"),
        ("type>Recon", "type>Recon", "only severity compares with < and >"),
        ("type:", "type:", "type needs a value"),
        ("type:*", "type:*", "type:* matches every type; leave it out"),
        ("type:Re*con", "type:Re*con", "its start ending in one *"),
        ("type:Recon<b>", "type:Recon<b>", "expected a finding type"),
        ("account:1234", "account:1234", "an account is 12 digits"),
        ("account:111122223333,x", "account:111122223333,x", "12 digits"),
        ("region:mars", "region:mars", "expected a Region name such as eu-west-1"),
        ("resource:S3 Bucket", "Bucket", "not a filter"),
        ("resource=", "resource=", "resource needs a value"),
        ("resource:<users/all>", "resource:<users/all>", "expected a resource type"),
        ("since:3y", "since:3y", "expected a time such as 30m, 24h or 7d"),
        ("since:0h", "since:0h", "expected a time from 1m to 90d"),
        ("since:91d", "since:91d", "expected a time from 1m to 90d"),
        ("since:1h since:2h", "since:2h", "since is given twice"),
        ("archived archived:any", "archived:any", "archived is given twice"),
        ("archived:maybe", "archived:maybe", "expected archived, archived:no"),
        ("limit:0", "limit:0", "expected a whole number from 1 to 50"),
        ("limit:51", "limit:51", "from 1 to 50"),
        ("limit:ten", "limit:ten", "from 1 to 50"),
        ("limit:5 limit:6", "limit:6", "limit is given twice"),
    ],
)
def test_a_filter_that_does_not_parse_names_its_word(typed, word, reason):
    with pytest.raises(FilterError) as raised:
        parse_filters(typed)

    assert raised.value.word == word
    assert reason in raised.value.reason


def test_counts_take_no_limit():
    with pytest.raises(FilterError, match="there is no limit"):
        parse_filters("since:7d limit:5", limit=False)


def test_a_query_keeps_what_is_not_a_criterion():
    query = parse_filters("type:recon*,Trojan:EC2/X region:eu-west-1 limit:20")

    assert query.limit == 20
    assert query.regions == ("eu-west-1",)
    assert query.type_prefixes == ("recon",)
    assert query.types == ("Trojan:EC2/X",)
    assert query.matches_type("Recon:EC2/PortProbeUnprotectedPort")
    assert query.matches_type("Trojan:EC2/X")
    assert not query.matches_type("Trojan:EC2/Y")
    # Resolved names replace both the pattern and the exact type.
    names = ["Recon:EC2/Portscan", "Trojan:EC2/X"]
    assert query.criteria(NOW, types=names)["Criterion"]["type"] == {"Equals": names}


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("", "current"),
        ("severity:high archived", "High severity \u00b7 archived"),
        ("severity:low archived:any", "Low severity \u00b7 current and archived"),
        (
            "severity>7 severity<=9 type:Recon* since:48h",
            "severity > 7, severity \u2264 9 \u00b7 type Recon* \u00b7 "
            "updated in the last 2d \u00b7 current",
        ),
        (
            "account:111122223333 resource:instance since:90m",
            "account 111122223333 \u00b7 resource Instance \u00b7 "
            "updated in the last 90m \u00b7 current",
        ),
    ],
)
def test_a_query_says_what_it_covers(typed, words):
    assert parse_filters(typed).describe() == words


def test_defaults_show_ten_current_findings_from_every_region():
    assert parse_filters("  ") == Query()
    assert Query().limit == 10
    assert Query().since is None
    assert parse_filters("since:2w").since == timedelta(days=14)
