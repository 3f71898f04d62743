"""The wire checker judges camelCase JSON by the shapes of botocore's model."""

from typing import Any

import pytest

from sandbox import wire


def paths(found: list[wire.WireProblem]) -> list[str]:
    return [p.path for p in found]


def minimal_finding() -> dict[str, Any]:
    return {
        "schemaVersion": "2.0",
        "accountId": "111122223333",
        "region": "us-east-1",
        "id": "0123456789abcdef0123456789abcdef",
        "arn": "arn:aws:guardduty:us-east-1:111122223333:detector/d/finding/f",
        "type": "Recon:EC2/PortProbeUnprotectedPort",
        "resource": {"resourceType": "Instance"},
        "severity": 2,
        "createdAt": "2026-11-02T08:15:30.123Z",
        "updatedAt": "2026-11-02T08:15:30.123Z",
    }


def test_a_minimal_finding_fits_the_finding_shape():
    assert wire.problems(wire.shape("Finding"), minimal_finding()) == []


def test_missing_required_members_are_named_by_path():
    finding = minimal_finding()
    del finding["severity"], finding["resource"]

    found = wire.problems(wire.shape("Finding"), finding)

    assert sorted(paths(found)) == ["$.resource", "$.severity"]
    assert all(p.message == "is required" for p in found)


def test_unknown_keys_are_refused_when_strict_and_allowed_when_lenient():
    finding = minimal_finding()
    finding["findingTypeVersion"] = {"present": False}
    finding["resource"] = {"resourceType": "Instance", "color": "red"}

    strict = wire.problems(wire.shape("Finding"), finding)
    lenient = wire.problems(wire.shape("Finding"), finding, strict=False)

    assert paths(strict) == ["$.resource.color", "$.findingTypeVersion"]
    assert all(p.unknown for p in strict)
    assert lenient == []


def test_nulls_are_refused_when_strict_and_allowed_when_lenient():
    finding = minimal_finding()
    finding["title"] = None

    assert paths(wire.problems(wire.shape("Finding"), finding)) == ["$.title"]
    assert wire.problems(wire.shape("Finding"), finding, strict=False) == []


@pytest.mark.parametrize(
    ("member", "value", "message"),
    [
        ("severity", "8", "must be a number"),
        ("severity", True, "must be a number"),
        ("createdAt", 1700000000, "must be a string"),
        ("type", "", "must have at least 1 characters"),
        ("type", "X" * 101, "must have at most 100 characters"),
        ("resource", [], "must be an object"),
    ],
)
def test_scalar_types_and_lengths_are_checked(member, value, message):
    finding = minimal_finding()
    finding[member] = value

    found = wire.problems(wire.shape("Finding"), finding)

    assert [(p.path, p.message) for p in found] == [(f"$.{member}", message)]


def test_nested_timestamps_are_epoch_seconds_on_the_wire():
    finding = minimal_finding()
    finding["resource"] = {
        "resourceType": "EKSCluster",
        "eksClusterDetails": {"name": "prod", "createdAt": 1636625755.218},
    }
    assert wire.problems(wire.shape("Finding"), finding) == []

    finding["resource"]["eksClusterDetails"]["createdAt"] = "2021-11-11T10:15:55Z"
    found = wire.problems(wire.shape("Finding"), finding)

    assert paths(found) == ["$.resource.eksClusterDetails.createdAt"]
    assert wire.problems(wire.shape("Finding"), finding, strict=False) == []


def test_list_items_and_integers_are_checked_with_their_index():
    finding = minimal_finding()
    finding["service"] = {
        "count": 2.5,
        "action": {
            "portProbeAction": {
                "portProbeDetails": [
                    {"localPortDetails": {"port": 22}},
                    {"localPortDetails": {"port": "3389"}},
                ]
            }
        },
    }

    found = wire.problems(wire.shape("Finding"), finding)

    assert sorted(paths(found)) == [
        "$.service.action.portProbeAction.portProbeDetails[1].localPortDetails.port",
        "$.service.count",
    ]


def test_enums_and_patterns_are_checked():
    sequence_resource = {"uid": "r-1", "resourceType": "EC2_INSTANCE"}
    assert wire.problems(wire.shape("ResourceV2"), sequence_resource) == []

    sequence_resource["resourceType"] = "SPACESHIP"
    found = wire.problems(wire.shape("ResourceV2"), sequence_resource)
    assert paths(found) == ["$.resourceType"]
    assert found[0].message.startswith("must be one of EC2_INSTANCE,")

    guardrail = {"guardrailArn": "not-an-arn"}
    found = wire.problems(wire.shape("BedrockGuardrailDetails"), guardrail)
    assert paths(found) == ["$.guardrailArn"]
    assert "must match the pattern" in found[0].message


def test_maps_check_their_keys_and_values():
    criteria = {
        "criterion": {
            "severity": {"greaterThanOrEqual": 7},
            "type": {"equals": "Recon:EC2/PortProbeUnprotectedPort"},
        }
    }

    found = wire.problems(wire.shape("FindingCriteria"), criteria)

    assert paths(found) == ['$.criterion["type"].equals']


def test_integer_ranges_are_checked():
    statistics = wire.operation("GetFindingsStatistics")

    found = wire.request_problems(
        statistics, {"maxResults": 500, "groupBy": "SEVERITY"}, {"DetectorId": "d"}
    )

    assert [(p.path, p.message) for p in found] == [
        ("$.maxResults", "must be at most 100")
    ]


def test_request_problems_split_path_parameters_from_the_body():
    archive = wire.operation("ArchiveFindings")

    assert (
        wire.request_problems(archive, {"findingIds": ["a"]}, {"DetectorId": "d"}) == []
    )

    found = wire.request_problems(archive, {"findingIds": "a", "extra": 1}, {})
    assert [(p.path, p.message) for p in found] == [
        ("DetectorId", "is required"),
        ("$.findingIds", "must be an array"),
        ("$.extra", "is not a member"),
    ]


def test_request_problems_check_query_string_members():
    list_detectors = wire.operation("ListDetectors")

    found = wire.request_problems(list_detectors, {}, {"maxResults": 0})

    assert [(p.path, p.message) for p in found] == [
        ("maxResults", "must be at least 1")
    ]


def test_check_raises_with_every_problem():
    with pytest.raises(wire.WireError) as caught:
        wire.check(wire.shape("Finding"), {"severity": "high"})

    assert len(caught.value.problems) == 10
    assert "$.severity: must be a number" in str(caught.value)
