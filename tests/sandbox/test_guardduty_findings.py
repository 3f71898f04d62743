"""The pure parts of the GuardDuty stand-in: criteria, times, samples, events."""

from datetime import UTC, datetime
from typing import Any

import pytest

from sandbox import samples
from sandbox.guardduty import finding_event, finding_of
from sandbox.guardduty.criteria import Criteria, CriteriaError, field_values
from sandbox.guardduty.findings import (
    bumped,
    detector_id,
    epoch_ms,
    home_region,
    is_sample,
    parse_time,
    sample_copies,
)
from sandbox.guardduty.statistics import count_by_severity

SAMPLES = {f["resource"]["resourceType"]: f for f in samples.load_findings()}
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def test_field_values_look_through_lists():
    instance = SAMPLES["Instance"]

    tags = field_values(instance, "resource.instanceDetails.tags.key")
    groups = field_values(
        instance, "resource.instanceDetails.networkInterfaces.securityGroups.groupId"
    )

    assert tags == ["Name", "Environment", "Team"]
    assert len(groups) == 1
    assert field_values(instance, "resource.lambdaDetails.functionName") == []


@pytest.mark.parametrize(
    ("criterion", "matches"),
    [
        # eksClusterDetails.createdAt is epoch seconds on the wire (1761896400.512);
        # criteria compare times in epoch milliseconds.
        (
            {"resource.eksClusterDetails.createdAt": {"greaterThan": 1761896400000}},
            True,
        ),
        ({"resource.eksClusterDetails.createdAt": {"lessThan": 1761896400000}}, False),
        ({"severity": {"equals": ["5"]}}, True),
        ({"severity": {"equals": ["5.0"]}}, True),
        ({"service.archived": {"eq": ["false"]}}, True),
        (
            {
                "resource.kubernetesDetails.kubernetesWorkloadDetails.namespace": {
                    "matches": ["kube-*"]
                }
            },
            True,
        ),
        (
            {
                "resource.kubernetesDetails.kubernetesWorkloadDetails.namespace": {
                    "notMatches": ["kube-*"]
                }
            },
            False,
        ),
        ({"resource.instanceDetails.instanceId": {"notEquals": ["i-1"]}}, True),
        ({"resource.instanceDetails.instanceId": {"equals": ["i-1"]}}, False),
    ],
)
def test_conditions_follow_guardduty_semantics(criterion, matches):
    criteria = Criteria.parse({"criterion": criterion}, wildcards=True)

    assert criteria.matches(SAMPLES["EKSCluster"]) is matches


def test_wildcards_are_only_for_filters():
    criterion = {"criterion": {"type": {"matches": ["Recon:*"]}}}

    with pytest.raises(CriteriaError) as refused:
        Criteria.parse(criterion)

    assert refused.value.parameter == "findingCriteria"
    assert Criteria.parse(criterion, wildcards=True).conditions


@pytest.mark.parametrize(
    ("text", "millis"),
    [
        ("2022-01-12T19:22:44.454Z", 1642015364454),
        ("2016-08-02T02:05:06Z", 1470103506000),
        ("2025-02-25 20:40:06.721", 1740516006721),
        ("XXXX-XX-XXTXX:XX:XX.XXXZ", None),
        (1642015364, None),
    ],
)
def test_times_as_findings_write_them(text, millis):
    assert epoch_ms(text) == millis
    assert (parse_time(text) is None) is (millis is None)


def test_home_region_comes_from_the_arn():
    finding = dict(SAMPLES["AccessKey"], region="us-east-1")
    finding["arn"] = finding["arn"].replace(":us-east-1:", ":us-east-2:")

    assert home_region(finding) == "us-east-2"
    assert home_region({"region": "eu-west-1"}) == "eu-west-1"


def test_sample_marks_are_read_from_value_or_flat_keys():
    genuine = SAMPLES["AttackSequence"]
    flat = {"service": {"additionalInfo": {"sample": True, "unusual": 25}}}

    assert is_sample(SAMPLES["Lambda"]) is True
    assert is_sample(genuine) is False
    assert is_sample(flat) is True
    assert is_sample({"service": {"additionalInfo": {"value": "not json"}}}) is False


def test_sample_copies_move_to_the_callers_account_and_region():
    template = SAMPLES["S3Bucket"]

    (made,) = sample_copies(
        [template],
        account="999988887777",
        region="ap-south-1",
        now=NOW,
        new_ids=["a" * 32],
    )

    assert made["id"] == "a" * 32
    assert made["arn"] == (
        f"arn:aws:guardduty:ap-south-1:999988887777:detector/"
        f"{detector_id('999988887777', 'ap-south-1')}/finding/{'a' * 32}"
    )
    assert made["updatedAt"] == "2026-12-01T10:00:00.000Z"
    assert made["createdAt"] == "2026-12-01T09:38:16.556Z"
    assert made["service"]["eventFirstSeen"] == "2026-12-01T09:31:58.836Z"
    bucket = made["resource"]["s3BucketDetails"][0]
    assert bucket["name"] == "storefront-invoices-999988887777"
    assert "ap-south-1" in bucket["defaultServerSideEncryption"]["kmsMasterKeyArn"]
    assert template["id"] != made["id"]


def test_bumped_counts_and_moves_the_last_seen_time_only():
    before = SAMPLES["Lambda"]

    after = bumped(before, NOW)

    assert after["service"]["count"] == before["service"]["count"] + 1
    assert after["updatedAt"] == after["service"]["eventLastSeen"]
    assert after["updatedAt"] == "2026-12-01T10:00:00.000Z"
    assert after["createdAt"] == before["createdAt"]
    assert before["service"]["count"] == 9


def test_events_round_trip_through_finding_of():
    finding = SAMPLES["Container"]

    event = finding_event(finding, "111122223333", NOW)

    assert finding_of(event) == finding
    assert finding_of(finding) == finding
    assert finding_of({**event, "source": "aws.securityhub"}) is None
    assert event["time"] == "2026-12-01T10:00:00Z"


def test_count_by_severity_writes_severities_as_java_doubles():
    findings: list[dict[str, Any]] = [
        {"severity": 2},
        {"severity": 2.0},
        {"severity": 5.3},
        {"severity": 9},
    ]

    assert count_by_severity(findings) == {"2.0": 2, "5.3": 1, "9.0": 1}
