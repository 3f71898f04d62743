"""The project's own sample findings are valid GuardDuty findings and cover
every fact a responder needs."""

import ipaddress
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox import samples, wire

ADMINISTRATOR, MEMBER = "111122223333", "444455556666"
FINDING_FILES = samples.finding_files()
EVENT_FILES = samples.event_files()


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def label(severity: float) -> str:
    if severity >= 9:
        return "Critical"
    if severity >= 7:
        return "High"
    return "Medium" if severity >= 4 else "Low"


def test_the_folder_holds_findings_and_one_event():
    assert len(FINDING_FILES) >= 16
    assert [p.name for p in EVENT_FILES] == [
        "eventbridge-instance-network-connection.json"
    ]


@pytest.mark.parametrize("path", FINDING_FILES, ids=lambda p: p.name)
def test_each_sample_is_a_valid_finding(path):
    found = wire.problems(wire.shape("Finding"), load(path))

    assert [str(p) for p in found] == []


@pytest.mark.parametrize("path", FINDING_FILES, ids=lambda p: p.name)
def test_each_sample_is_consistent_with_itself(path):
    finding = load(path)
    service = finding["service"]

    assert re.fullmatch("[0-9a-f]{32}", finding["id"])
    assert finding["accountId"] in (ADMINISTRATOR, MEMBER)
    assert finding["arn"] == (
        f"arn:aws:guardduty:{finding['region']}:{finding['accountId']}:detector/"
        f"{service['detectorId']}/finding/{finding['id']}"
    )
    assert path.name.startswith(finding["resource"]["resourceType"].lower())
    assert finding["createdAt"] <= finding["updatedAt"]
    assert service["eventFirstSeen"] <= service["eventLastSeen"]
    assert service["count"] >= 1
    assert service["archived"] is False
    assert service["additionalInfo"]["type"] == "default"
    assert isinstance(json.loads(service["additionalInfo"]["value"]), dict)


def test_finding_ids_are_unique():
    ids = [load(p)["id"] for p in FINDING_FILES]

    assert len(set(ids)) == len(ids)


def test_every_resource_type_is_covered():
    types = {load(p)["resource"]["resourceType"] for p in FINDING_FILES}

    assert types >= {
        "Instance",
        "AccessKey",
        "S3Bucket",
        "S3Object",
        "EKSCluster",
        "ECSCluster",
        "Container",
        "Lambda",
        "RDSDBInstance",
        "RDSLimitlessDB",
        "EBSVolume",
        "AttackSequence",
        "AgentRuntime",
    }


def test_instance_samples_cover_each_kind_of_action_and_runtime():
    instances = [load(p) for p in FINDING_FILES if p.name.startswith("instance-")]
    actions = {f["service"].get("action", {}).get("actionType") for f in instances}
    runtime = [f for f in instances if "runtimeDetails" in f["service"]]

    assert actions >= {"NETWORK_CONNECTION", "PORT_PROBE", "DNS_REQUEST"}
    assert [f["service"]["featureName"] for f in runtime] == ["RuntimeMonitoring"]


def test_severities_span_every_label_with_decimals():
    severities = [load(p)["severity"] for p in FINDING_FILES]

    assert {label(s) for s in severities} == {"Low", "Medium", "High", "Critical"}
    assert {5.3, 8.9, 9.2} <= set(severities)
    assert any(isinstance(s, float) and not s.is_integer() for s in severities)


def test_samples_are_marked_and_some_are_genuine():
    marks = [
        json.loads(load(p)["service"]["additionalInfo"]["value"]).get("sample")
        for p in FINDING_FILES
    ]

    assert marks.count(True) >= len(marks) - 2
    assert None in marks


def test_both_accounts_and_two_regions_appear():
    findings = [load(p) for p in FINDING_FILES]

    assert {f["accountId"] for f in findings} == {ADMINISTRATOR, MEMBER}
    assert {f["region"] for f in findings} == {"us-east-1", "eu-west-1"}


def test_attack_sequence_carries_a_full_sequence():
    finding = load(samples.SAMPLES_DIR / "attacksequence-s3-compromised-data.json")
    sequence = finding["service"]["detection"]["sequence"]

    assert label(finding["severity"]) == "Critical"
    assert finding["service"]["featureName"] == "Correlation"
    assert [a["user"]["name"] for a in sequence["actors"]] == ["reporting-role"]
    assert {r["resourceType"] for r in sequence["resources"]} == {
        "S3_BUCKET",
        "ACCESS_KEY",
    }
    assert [e["ip"] for e in sequence["endpoints"]] == ["203.0.113.45"]
    assert len(sequence["signals"]) == 3


def test_the_s3_finding_points_at_the_attack_sequence():
    s3 = load(samples.SAMPLES_DIR / "s3bucket-data-access.json")
    attack = load(samples.SAMPLES_DIR / "attacksequence-s3-compromised-data.json")
    signal_ids = [
        s["uid"] for s in attack["service"]["detection"]["sequence"]["signals"]
    ]

    assert s3["associatedAttackSequenceArn"] == attack["arn"]
    assert s3["arn"] in signal_ids


@pytest.mark.parametrize("path", FINDING_FILES + EVENT_FILES, ids=lambda p: p.name)
def test_public_addresses_come_from_documentation_ranges(path):
    allowed = [
        ipaddress.ip_network(n)
        for n in ("198.51.100.0/24", "203.0.113.0/24", "10.0.0.0/8")
    ]
    text = "\n".join(strings(load(path)))
    addresses = re.findall(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d.])", text)

    for address in addresses:
        ip = ipaddress.ip_address(address)
        assert any(ip in network for network in allowed), address


@pytest.mark.parametrize("path", FINDING_FILES, ids=lambda p: p.name)
def test_invented_domains_are_under_example(path):
    finding = load(path)
    domains = re.findall(
        r"\b(?:[a-z0-9-]+\.)+(?:com|net|org|io)\b", "\n".join(strings(finding))
    )

    for domain in domains:
        assert domain.endswith(("example.com", "example.net", "amazonaws.com")), domain


def test_the_event_wraps_a_sample_as_guardduty_sends_it():
    event = load(EVENT_FILES[0])
    bare = load(samples.SAMPLES_DIR / "instance-network-connection.json")

    assert event["version"] == "0"
    assert event["detail-type"] == "GuardDuty Finding"
    assert event["source"] == "aws.guardduty"
    assert event["account"] == ADMINISTRATOR
    assert event["region"] == bare["region"]
    assert event["resources"] == []
    assert re.fullmatch(r"[0-9a-f-]{36}", event["id"])
    assert event["detail"] == bare


def test_load_findings_reads_every_bare_file():
    loaded = samples.load_findings()

    assert [f["id"] for f in loaded] == [load(p)["id"] for p in FINDING_FILES]


def test_the_readme_describes_every_file():
    readme = (samples.SAMPLES_DIR / "README.md").read_text(encoding="utf-8")
    described = set(re.findall(r"^\| `([a-z0-9-]+\.json)` \|", readme, re.MULTILINE))

    assert described == {p.name for p in FINDING_FILES + EVENT_FILES}
