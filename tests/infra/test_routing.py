"""The rules' event patterns, run by moto's EventBridge: which events reach the queue.

The patterns come from the templates with the parameters' defaults substituted, so a
change to either shows here. moto delivers matching events to the SQS target.
"""

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.conftest import load_json, real_finding_files, real_findings, sample_files
from tests.infra.stacks import PSEUDO, Stack

ACCOUNT = PSEUDO["AWS::AccountId"]
HOME = "us-east-1"


def finding_event(
    severity: Any, detail_type: str = "GuardDuty Finding"
) -> dict[str, Any]:
    return {
        "Source": "aws.guardduty",
        "DetailType": detail_type,
        "Detail": json.dumps({"id": f"finding-{severity}", "severity": severity}),
    }


def envelope(document: dict[str, Any]) -> dict[str, Any]:
    """An EventBridge PutEvents entry for a finding or a whole event."""
    if "detail" in document:
        return {
            "Source": document["source"],
            "DetailType": document["detail-type"],
            "Detail": json.dumps(document["detail"]),
        }
    return {
        "Source": "aws.guardduty",
        "DetailType": "GuardDuty Finding",
        "Detail": json.dumps(document),
    }


class Bus:
    """moto's EventBridge and SQS in one Region, with the home rule installed."""

    def __init__(self, region: str) -> None:
        self.region = region
        self.events = boto3.client("events", region_name=region)
        self.sqs = boto3.client("sqs", region_name=region)

    def rule_to_queue(self, name: str, pattern: str) -> str:
        url = self.sqs.create_queue(QueueName=f"{name}-queue")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        self.events.put_rule(Name=name, EventPattern=pattern)
        self.events.put_targets(Rule=name, Targets=[{"Id": "queue", "Arn": arn}])
        return str(url)

    def put(self, entries: list[dict[str, Any]]) -> None:
        for start in range(0, len(entries), 10):
            answer = self.events.put_events(Entries=entries[start : start + 10])
            assert answer["FailedEntryCount"] == 0

    def received(self, url: str) -> list[dict[str, Any]]:
        details = []
        while messages := self.sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10
        ).get("Messages", []):
            for message in messages:
                details.append(json.loads(message["Body"])["detail"])
                self.sqs.delete_message(
                    QueueUrl=url, ReceiptHandle=message["ReceiptHandle"]
                )
        return details


@pytest.fixture
def home() -> Iterator[tuple[Bus, str]]:
    with mock_aws():
        bus = Bus(HOME)
        pattern = Stack.of("template.yaml").properties("FindingsRule")["EventPattern"]
        yield bus, bus.rule_to_queue("guardduty-findings", pattern)


def test_medium_and_above_reach_the_queue_critical_included(
    home: tuple[Bus, str],
) -> None:
    bus, queue = home
    severities = [2, 3.9, 4, 5.5, 7, 8.9, 9, 10]

    bus.put([finding_event(severity) for severity in severities])

    received = sorted(detail["severity"] for detail in bus.received(queue))
    assert received == [4, 5.5, 7, 8.9, 9, 10]


@pytest.mark.parametrize(
    "entry",
    [
        pytest.param(finding_event(8, "AWS API Call via CloudTrail"), id="api-call"),
        pytest.param(
            finding_event(9, "GuardDuty Malware Protection Object Scan Result"),
            id="malware-scan",
        ),
        pytest.param(
            {"Source": "aws.guardduty", "DetailType": "GuardDuty", "Detail": "{}"},
            id="source-only",
        ),
        pytest.param(finding_event("8"), id="severity-as-text"),
        pytest.param(
            {**finding_event(9), "Source": "custom.guardduty"}, id="other-source"
        ),
    ],
)
def test_other_events_stay_out(home: tuple[Bus, str], entry: dict[str, Any]) -> None:
    bus, queue = home

    bus.put([entry, finding_event(9)])

    assert [detail["id"] for detail in bus.received(queue)] == ["finding-9"]


def test_project_samples_are_routed_by_their_severity(home: tuple[Bus, str]) -> None:
    bus, queue = home
    documents = [load_json(path) for path in sample_files()]
    severity = {_finding_id(d): _severity(d) for d in documents}

    bus.put([envelope(document) for document in documents])

    received = {detail["id"] for detail in bus.received(queue)}
    assert received == {id_ for id_, value in severity.items() if value >= 4}
    assert {id_ for id_, value in severity.items() if value < 4}, "samples below 4"


@real_findings
def test_real_findings_are_routed_by_their_severity(home: tuple[Bus, str]) -> None:
    bus, queue = home
    documents = [load_json(path) for path in real_finding_files()]
    documents = [d for d in documents if isinstance(_severity(d), int | float)]

    bus.put([envelope(document) for document in documents])

    received = [detail["id"] for detail in bus.received(queue)]
    expected = [_finding_id(d) for d in documents if _severity(d) >= 4]
    assert sorted(received) == sorted(expected)


def test_forwarder_brings_other_regions_findings_home() -> None:
    with mock_aws():
        home = Bus(HOME)
        main = Stack.of("template.yaml").properties("FindingsRule")["EventPattern"]
        queue = home.rule_to_queue("guardduty-findings", main)
        remote = Bus("eu-west-1")
        forwarder = Stack.of("forwarder.yaml", remote.region, HomeRegion=HOME)
        rule = forwarder.properties("ForwardRule")
        (target,) = rule["Targets"]
        remote.events.put_rule(Name="forward", EventPattern=rule["EventPattern"])
        remote.events.put_targets(
            Rule="forward",
            Targets=[
                {
                    "Id": "home",
                    "Arn": target["Arn"],
                    "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/forward",
                }
            ],
        )

        remote.put([finding_event(severity) for severity in (2, 6, 9.5)])

        assert target["Arn"] == f"arn:aws:events:{HOME}:{ACCOUNT}:event-bus/default"
        received = sorted(detail["severity"] for detail in home.received(queue))
        assert received == [6, 9.5]


def _detail(document: dict[str, Any]) -> dict[str, Any]:
    detail: dict[str, Any] = document.get("detail", document)
    return detail


def _finding_id(document: dict[str, Any]) -> str:
    return str(_detail(document)["id"])


def _severity(document: dict[str, Any]) -> Any:
    return _detail(document).get("severity")
