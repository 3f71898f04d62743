"""The finding model reads every form a finding arrives in, and never crashes."""

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import botocore.parsers
import botocore.session
import pytest

from notifier.errors import NotAFinding
from notifier.finding import Finding, read_findings
from notifier.severity import Severity
from tests.conftest import load_json, real_finding_files, real_findings

FINDING_ID = "0cc6e6a1e2b9fa9b4b6c1d8e9f0a1b2c"
ARN = (
    "arn:aws:guardduty:eu-west-1:111122223333:detector/"
    "12abc34d567e8fa901bc2d34e56789f0/finding/0cc6e6a1e2b9fa9b4b6c1d8e9f0a1b2c"
)


def finding_document(**overrides: Any) -> dict[str, Any]:
    """A small but complete finding in the API's camelCase form."""
    document: dict[str, Any] = {
        "schemaVersion": "2.0",
        "accountId": "111122223333",
        "region": "eu-west-1",
        "partition": "aws",
        "id": "0cc6e6a1e2b9fa9b4b6c1d8e9f0a1b2c",
        "arn": ARN,
        "type": "UnauthorizedAccess:EC2/TorClient",
        "resource": {
            "resourceType": "Instance",
            "instanceDetails": {
                "instanceId": "i-0a1b2c3d4e5f60718",
                "tags": [{"key": "Name", "value": "bastion-1"}],
            },
        },
        "service": {
            "serviceName": "guardduty",
            "detectorId": "12abc34d567e8fa901bc2d34e56789f0",
            "archived": False,
            "count": 3,
            "eventFirstSeen": "2026-12-01T10:00:00.000Z",
            "eventLastSeen": "2026-12-04T09:30:00Z",
            "resourceRole": "TARGET",
            "additionalInfo": {"value": "{}", "type": "default"},
        },
        "severity": 8,
        "createdAt": "2026-12-01T10:05:00.000Z",
        "updatedAt": "2026-12-04T09:35:00.000Z",
        "title": "EC2 instance i-0a1b2c3d4e5f60718 is communicating with Tor.",
        "description": "The instance talks to a Tor entry node.",
    }
    document.update(overrides)
    return document


def eventbridge(detail: Any, **overrides: Any) -> dict[str, Any]:
    event = {
        "version": "0",
        "id": "5c4a6d7e-1111-2222-3333-444455556666",
        "detail-type": "GuardDuty Finding",
        "source": "aws.guardduty",
        "account": "111122223333",
        "time": "2026-12-04T09:35:10Z",
        "region": "eu-west-1",
        "resources": [],
        "detail": detail,
    }
    event.update(overrides)
    return event


def boto3_form(*documents: dict[str, Any]) -> dict[str, Any]:
    """What boto3's get_findings returns for these findings: botocore's own parser
    turns the wire JSON into PascalCase keys and datetimes."""
    model = botocore.session.get_session().get_service_model("guardduty")
    output = model.operation_model("GetFindings").output_shape
    parser = botocore.parsers.create_parser("rest-json")
    body = json.dumps({"findings": list(documents)}).encode()
    response = {"body": body, "headers": {}, "status_code": 200}
    parsed: dict[str, Any] = parser.parse(response, output)
    return parsed


def test_an_eventbridge_event_a_bare_finding_and_boto3_output_read_the_same() -> None:
    document = finding_document()
    forms = [
        Finding.from_document(eventbridge(document)),
        Finding.from_document(document),
        Finding.from_document(boto3_form(document)),
        Finding.from_document(boto3_form(document)["Findings"][0]),
    ]
    facts = {
        (
            f.id,
            f.arn,
            f.type,
            f.account_id,
            f.region,
            f.detector_id,
            f.severity,
            f.count,
            f.first_seen,
            f.last_seen,
            f.archived,
            f.resource_type,
        )
        for f in forms
    }
    assert facts == {
        (
            "0cc6e6a1e2b9fa9b4b6c1d8e9f0a1b2c",
            ARN,
            "UnauthorizedAccess:EC2/TorClient",
            "111122223333",
            "eu-west-1",
            "12abc34d567e8fa901bc2d34e56789f0",
            8.0,
            3,
            datetime(2026, 12, 1, 10, 0, tzinfo=UTC),
            datetime(2026, 12, 4, 9, 30, tzinfo=UTC),
            False,
            "Instance",
        )
    }


def test_boto3_output_gets_wire_names_back_even_where_they_differ() -> None:
    document = finding_document()
    document["service"]["action"] = {
        "actionType": "KUBERNETES_API_CALL",
        "kubernetesApiCallAction": {"sourceIPs": ["203.0.113.9"], "verb": "get"},
    }
    finding = Finding.from_document(boto3_form(document))
    call = finding.view.at("service", "action", "kubernetesApiCallAction")
    assert call.at("sourceIPs").texts() == ["203.0.113.9"]
    assert (
        finding.view.at("resource", "instanceDetails", "tags", 0, "key").text()
        == "Name"
    )


@pytest.mark.parametrize(
    ("severity", "score", "label"),
    [
        (1, 1.0, Severity.LOW),
        (3.9, 3.9, Severity.LOW),
        (4, 4.0, Severity.MEDIUM),
        (6.9, 6.9, Severity.MEDIUM),
        (7.0, 7.0, Severity.HIGH),
        (8.9, 8.9, Severity.HIGH),
        (9, 9.0, Severity.CRITICAL),
        (10.0, 10.0, Severity.CRITICAL),
        ("8", 8.0, Severity.HIGH),
        (" 5.5 ", 5.5, Severity.MEDIUM),
        ("High", None, Severity.UNKNOWN),
        (None, None, Severity.UNKNOWN),
        (True, None, Severity.UNKNOWN),
        (float("nan"), None, Severity.UNKNOWN),
    ],
)
def test_severity_reads_numbers_and_numeric_strings_into_guardduty_bands(
    severity: object, score: float | None, label: Severity
) -> None:
    finding = Finding.from_document(finding_document(severity=severity))
    assert (finding.severity, finding.severity_label) == (score, label)


def test_region_and_detector_come_from_the_arn_not_the_reported_region() -> None:
    arn = ARN.replace("eu-west-1", "us-east-2")
    finding = Finding.from_document(finding_document(arn=arn, region="us-east-1"))
    assert finding.region == "us-east-2"
    assert finding.reported_region == "us-east-1"
    assert finding.detector_id == "12abc34d567e8fa901bc2d34e56789f0"


def test_without_an_arn_the_event_region_is_used() -> None:
    document = finding_document(arn=None, region="not a region")
    finding = Finding.from_document(eventbridge(document, region="ap-south-1"))
    assert finding.region == "ap-south-1"
    assert finding.id == "0cc6e6a1e2b9fa9b4b6c1d8e9f0a1b2c"


@pytest.mark.parametrize(
    ("partition", "region", "url"),
    [
        (
            "aws",
            "eu-west-1",
            "https://eu-west-1.console.aws.amazon.com/guardduty/home"
            "?region=eu-west-1#/findings?macros=current&fId=" + FINDING_ID,
        ),
        (
            "aws-cn",
            "cn-north-1",
            "https://cn-north-1.console.amazonaws.cn/guardduty/home"
            "?region=cn-north-1#/findings?macros=current&fId=" + FINDING_ID,
        ),
        (
            "aws-us-gov",
            "us-gov-west-1",
            "https://us-gov-west-1.console.amazonaws-us-gov.com/guardduty/home"
            "?region=us-gov-west-1#/findings?macros=current&fId=" + FINDING_ID,
        ),
        ("aws-iso", "us-iso-east-1", None),
    ],
)
def test_console_url_follows_the_partition(
    partition: str, region: str, url: str | None
) -> None:
    arn = ARN.replace("arn:aws:", f"arn:{partition}:").replace("eu-west-1", region)
    finding = Finding.from_document(finding_document(arn=arn, partition=partition))
    assert finding.console_url == url


def test_console_url_escapes_an_odd_finding_id() -> None:
    finding = Finding.from_document(finding_document(arn=None, id="a&b#c"))
    assert finding.console_url is not None
    assert finding.console_url.endswith("fId=a%26b%23c")


@pytest.mark.parametrize(
    ("additional_info", "sample"),
    [
        ({"sample": True}, True),
        ({"value": '{"sample":true}', "type": "default"}, True),
        ({"value": '{"sample":"true"}', "type": "default"}, True),
        ({"value": '{"sample":false}', "type": "default", "sample": True}, True),
        ({"value": "{}", "type": "default"}, False),
        ({"value": "{not json", "type": "default"}, False),
        ({"value": "[1, 2]", "type": "default"}, False),
        ({}, False),
        (None, False),
        ("sample", False),
    ],
)
def test_sample_flag_is_read_flat_and_inside_the_json_string_value(
    additional_info: object, sample: bool
) -> None:
    document = finding_document()
    document["service"]["additionalInfo"] = additional_info
    assert Finding.from_document(document).sample is sample


def test_sample_flag_survives_boto3_which_keeps_only_value_and_type() -> None:
    document = finding_document()
    document["service"]["additionalInfo"] = {
        "sample": True,
        "value": '{"sample":true}',
        "type": "default",
    }
    assert Finding.from_document(boto3_form(document)).sample is True


@pytest.mark.parametrize(
    "strip",
    [
        lambda d: d.pop("service"),
        lambda d: d["resource"].pop("instanceDetails"),
        lambda d: d.update(resource={}),
        lambda d: d.update(resource=None),
        lambda d: d.update(service={"action": {}}),
        lambda d: d.update(service={"count": "many", "archived": "yes"}),
        lambda d: d.update(createdAt="XXXX-XX-XXTXX:XX:XX.XXXZ", updatedAt=None),
        lambda d: d.update(title=None, description=None, severity=None),
    ],
)
def test_missing_or_malformed_optional_blocks_never_raise(strip: Any) -> None:
    document = finding_document()
    strip(document)
    finding = Finding.from_document(document)
    for name in (
        "title",
        "count",
        "archived",
        "first_seen",
        "created_at",
        "resource_type",
        "sample",
        "console_url",
        "version",
    ):
        getattr(finding, name)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            eventbridge({}, **{"detail-type": "GuardDuty Runtime Protection Healthy"}),
            "not a GuardDuty finding",
        ),
        (eventbridge(finding_document(), source="aws.securityhub"), "aws.securityhub"),
        (eventbridge(["not", "a", "finding"]), "detail is not a finding"),
        ({"Records": [{"body": "{}"}]}, "not a GuardDuty finding"),
        ({"id": "x"}, "not a GuardDuty finding"),
        ("a string", "expected a JSON object"),
        ([], "holds no findings"),
    ],
)
def test_documents_that_are_not_findings_say_what_they_are(
    document: object, message: str
) -> None:
    with pytest.raises(NotAFinding, match=message):
        read_findings(document)


def test_a_list_and_an_api_response_hold_several_findings() -> None:
    first, second = finding_document(), finding_document(id="b" * 32, arn=None)
    assert [f.id for f in read_findings([first, eventbridge(second)])] == [
        first["id"],
        "b" * 32,
    ]
    assert len(read_findings({"findings": [first, second]})) == 2


def test_version_changes_when_guardduty_publishes_an_update() -> None:
    before = Finding.from_document(finding_document())
    updated = copy.deepcopy(finding_document())
    updated["service"]["count"] = 4
    updated["updatedAt"] = "2026-12-04T10:35:00.000Z"
    assert before.version != Finding.from_document(updated).version
    assert before.version == Finding.from_document(finding_document()).version


@real_findings
@pytest.mark.parametrize("path", real_finding_files(), ids=lambda p: p.name)
def test_every_real_finding_reads_with_its_identity(path: Path) -> None:
    (finding,) = read_findings(load_json(path))
    assert finding.id
    assert finding.type != "Unknown"
    assert finding.severity_label is not Severity.UNKNOWN
    assert finding.region


@pytest.mark.parametrize(
    "moment",
    ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "T" * 40_000],
)
def test_times_with_no_utc_equivalent_read_as_unknown(moment: str) -> None:
    finding = Finding.from_document(finding_document(updatedAt=moment))
    assert finding.updated_at is None
    assert len(finding.version) < 40
    assert (
        finding.version
        == Finding.from_document(finding_document(updatedAt=moment)).version
    )
