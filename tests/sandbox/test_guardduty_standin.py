"""The GuardDuty stand-in answers real boto3 clients as GuardDuty does."""

import http.client
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import ClientError, ParamValidationError

from sandbox import samples, wire
from sandbox.guardduty import ADMINISTRATOR, MEMBER, Event, GuardDutyStandIn
from sandbox.guardduty import errors as gd_errors
from tests.sandbox.gd_support import KEYS, MEMBER_KEY, Clock, client

SAMPLES = {f["id"]: f for f in samples.load_findings()}
NETWORK = "80b294d787f044a09b02ecad95bc78de"  # member, us-east-1, severity 8
ACCESS_KEY = "580feebf08704e13b7f17dabe91a0efe"  # administrator, us-east-1, 5.3
EKS = "d3d6943e257349a8940ca3446dbe4b60"  # member, us-east-1, severity 5


def sample_ids(region: str, account: str | None = None) -> set[str]:
    return {
        i
        for i, f in SAMPLES.items()
        if f["region"] == region and account in (None, f["accountId"])
    }


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def delivered() -> list[Event]:
    return []


@pytest.fixture
def guardduty(clock: Clock, delivered: list[Event]) -> Iterator[GuardDutyStandIn]:
    with GuardDutyStandIn(
        on_event=delivered.append, access_keys=KEYS, clock=clock
    ) as gd:
        yield gd


@pytest.fixture
def seeded(guardduty: GuardDutyStandIn, delivered: list[Event]) -> GuardDutyStandIn:
    guardduty.seed()
    guardduty.flush()
    delivered.clear()
    return guardduty


def error_of(raised: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = raised.value.response["Error"]
    return error["Code"], error["Message"]


def list_all(gd_client: Any, detector: str, **criteria: Any) -> list[str]:
    pages = gd_client.get_paginator("list_findings").paginate(
        DetectorId=detector, **criteria
    )
    return [i for page in pages for i in page["FindingIds"]]


# ListDetectors ------------------------------------------------------------------


def test_each_account_has_one_detector_per_region(guardduty):
    admin_east = client(guardduty).list_detectors()["DetectorIds"]
    admin_west = client(guardduty, "eu-west-1").list_detectors()["DetectorIds"]
    member_east = client(guardduty, key=MEMBER_KEY).list_detectors()["DetectorIds"]

    assert admin_east == [guardduty.detector_id("us-east-1")]
    assert admin_west == [guardduty.detector_id("eu-west-1")]
    assert member_east == [guardduty.detector_id("us-east-1", MEMBER)]
    assert len({admin_east[0], admin_west[0], member_east[0]}) == 3


def test_samples_carry_the_detector_the_stand_in_gives_their_account(guardduty):
    for finding in SAMPLES.values():
        expected = guardduty.detector_id(finding["region"], finding["accountId"])
        assert finding["service"]["detectorId"] == expected


# GetFindings --------------------------------------------------------------------


def test_get_findings_returns_the_finding_as_boto3_parses_it(seeded):
    detector = seeded.detector_id("us-east-1")

    found = client(seeded).get_findings(DetectorId=detector, FindingIds=[EKS])

    (finding,) = found["Findings"]
    eks = finding["Resource"]["EksClusterDetails"]
    assert finding["Id"] == EKS
    assert finding["AccountId"] == MEMBER
    assert finding["Severity"] == 5
    assert finding["CreatedAt"] == SAMPLES[EKS]["createdAt"]
    assert eks["Name"] == "payments-prod"
    assert eks["CreatedAt"] == datetime.fromtimestamp(1761896400.512, UTC)
    workload = finding["Resource"]["KubernetesDetails"]["KubernetesWorkloadDetails"]
    assert workload["Namespace"] == "kube-system"
    assert finding["Service"]["Action"]["KubernetesApiCallAction"]["StatusCode"] == 101


def test_get_findings_leaves_out_ids_it_does_not_know(seeded):
    detector = seeded.detector_id("us-east-1")
    unknown = "f" * 32

    found = client(seeded).get_findings(
        DetectorId=detector, FindingIds=[unknown, NETWORK, ACCESS_KEY, NETWORK]
    )

    assert [f["Id"] for f in found["Findings"]] == [NETWORK, ACCESS_KEY]


def test_get_findings_sorts_when_asked(seeded):
    detector = seeded.detector_id("us-east-1")

    found = client(seeded).get_findings(
        DetectorId=detector,
        FindingIds=[EKS, NETWORK, ACCESS_KEY],
        SortCriteria={"AttributeName": "severity", "OrderBy": "ASC"},
    )

    assert [f["Severity"] for f in found["Findings"]] == [5, 5.3, 8]


def test_a_member_sees_only_its_own_findings(seeded):
    member = client(seeded, key=MEMBER_KEY)
    detector = seeded.detector_id("us-east-1", MEMBER)

    found = member.get_findings(DetectorId=detector, FindingIds=[NETWORK, ACCESS_KEY])

    assert [f["Id"] for f in found["Findings"]] == [NETWORK]
    assert set(list_all(member, detector)) == sample_ids("us-east-1", MEMBER)


def test_the_administrator_sees_member_findings(seeded):
    east = list_all(client(seeded), seeded.detector_id("us-east-1"))
    west = list_all(client(seeded, "eu-west-1"), seeded.detector_id("eu-west-1"))

    assert set(east) == sample_ids("us-east-1")
    assert len(east) == 11
    assert set(west) == sample_ids("eu-west-1")


# Errors GuardDuty answers with ---------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "extra"),
    [
        ("get_findings", {}),
        ("archive_findings", {}),
        ("unarchive_findings", {}),
        ("update_findings_feedback", {"Feedback": "USEFUL"}),
    ],
)
def test_more_than_fifty_finding_ids_are_refused(seeded, operation, extra):
    call = getattr(client(seeded), operation)
    ids = [f"{n:032x}" for n in range(51)]

    with pytest.raises(ClientError) as raised:
        call(DetectorId=seeded.detector_id("us-east-1"), FindingIds=ids, **extra)

    assert error_of(raised) == ("BadRequestException", gd_errors.TOO_MANY_IDS)
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_fifty_finding_ids_are_accepted(seeded):
    ids = [NETWORK] + [f"{n:032x}" for n in range(49)]

    found = client(seeded).get_findings(
        DetectorId=seeded.detector_id("us-east-1"), FindingIds=ids
    )

    assert [f["Id"] for f in found["Findings"]] == [NETWORK]


@pytest.mark.parametrize(
    ("detector_of", "message"),
    [
        (lambda gd: gd.detector_id("us-east-1", MEMBER), gd_errors.NOT_OWNED),
        (lambda gd: gd.detector_id("eu-west-1"), gd_errors.NOT_OWNED),
        (
            lambda gd: "mygooddetectorid",
            "The request is rejected because the parameter detectorId has an "
            "invalid value.",
        ),
    ],
    ids=["member's detector", "other region's detector", "malformed id"],
)
def test_a_detector_that_is_not_the_callers_is_refused(seeded, detector_of, message):
    with pytest.raises(ClientError) as raised:
        client(seeded).get_findings(
            DetectorId=detector_of(seeded), FindingIds=[NETWORK]
        )

    assert error_of(raised) == ("BadRequestException", message)


def test_a_member_may_not_archive(seeded, delivered):
    member = client(seeded, key=MEMBER_KEY)

    with pytest.raises(ClientError) as raised:
        member.archive_findings(
            DetectorId=seeded.detector_id("us-east-1", MEMBER), FindingIds=[NETWORK]
        )

    assert error_of(raised) == ("BadRequestException", gd_errors.NOT_AUTHORIZED)
    assert seeded.finding(NETWORK)["service"]["archived"] is False


SIGNED = {
    "Authorization": "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20261201/us-east-1/"
    "guardduty/aws4_request, SignedHeaders=host, Signature=00"
}


def raw_post(
    guardduty: GuardDutyStandIn, path: str, body: object, headers: dict[str, str]
) -> tuple[int, dict[str, str], Any]:
    """POST JSON by hand, to see exactly what goes over the wire."""
    url = urlsplit(guardduty.url)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=5)
    try:
        connection.request("POST", path, json.dumps(body), headers)
        answer = connection.getresponse()
        return answer.status, dict(answer.getheaders()), json.loads(answer.read())
    finally:
        connection.close()


def test_errors_carry_guardduty_headers_and_body(seeded):
    path = f"/detector/{seeded.detector_id('us-east-1', MEMBER)}/findings/get"

    status, headers, body = raw_post(seeded, path, {"findingIds": [NETWORK]}, SIGNED)

    assert status == 400
    assert headers["x-amzn-ErrorType"] == "BadRequestException"
    assert headers["Content-Type"] == "application/json"
    assert body == {"message": gd_errors.NOT_OWNED, "__type": "InvalidInputException"}


def test_request_bodies_are_checked_strictly(guardduty):
    path = f"/detector/{guardduty.detector_id('us-east-1')}/findings/archive"

    status, _, body = raw_post(guardduty, path, {"findingIds": [], "x": 1}, SIGNED)
    ok_status, _, ok_body = raw_post(guardduty, path, {"findingIds": []}, SIGNED)

    assert (status, body["__type"]) == (400, "InvalidInputException")
    assert "parameter x has an invalid value" in body["message"]
    assert (ok_status, ok_body) == (200, {})


def test_unsigned_requests_and_unknown_paths_are_refused(guardduty):
    path = f"/detector/{guardduty.detector_id('us-east-1')}/findings/get"

    unsigned = raw_post(guardduty, path, {"findingIds": []}, {})
    unknown = raw_post(guardduty, "/nowhere", {}, SIGNED)

    assert (unsigned[0], unsigned[2]) == (
        403,
        {
            "message": "Missing Authentication Token",
            "__type": "MissingAuthenticationTokenException",
        },
    )
    assert (unknown[0], unknown[1]["x-amzn-ErrorType"]) == (
        404,
        "UnknownOperationException",
    )


def test_operations_the_product_does_not_use_answer_not_implemented(guardduty):
    with pytest.raises(ClientError) as raised:
        client(guardduty).get_detector(DetectorId=guardduty.detector_id("us-east-1"))

    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert "GetDetector is not implemented" in error_of(raised)[1]


def test_values_botocore_lets_through_are_refused_by_the_server(seeded):
    # botocore checks types and required members but not enum values.
    with pytest.raises(ClientError) as raised:
        client(seeded).update_findings_feedback(
            DetectorId=seeded.detector_id("us-east-1"),
            FindingIds=[NETWORK],
            Feedback="MAYBE",
        )

    assert error_of(raised) == (
        "BadRequestException",
        "The request is rejected because the parameter feedback has an invalid value.",
    )
    assert "userFeedback" not in seeded.finding(NETWORK)["service"]


def test_a_missing_member_is_refused_by_botocore_and_by_the_server(seeded):
    request = {"DetectorId": seeded.detector_id("us-east-1"), "FindingIds": [NETWORK]}

    with pytest.raises(ParamValidationError):
        client(seeded).update_findings_feedback(**request)
    with pytest.raises(ClientError) as raised:
        client(seeded, validate=False).update_findings_feedback(**request)

    assert error_of(raised)[1] == (
        "The request is rejected because the parameter feedback has an invalid value."
    )


# ListFindings -------------------------------------------------------------------

CRITERIA = [
    ({"severity": {"GreaterThanOrEqual": 7}}, 7),
    ({"severity": {"Gte": 7}}, 7),
    ({"severity": {"GreaterThan": 8}}, 1),
    ({"severity": {"LessThan": 5}}, 1),
    ({"severity": {"Lt": 6, "Gte": 5}}, 2),
    ({"severity": {"LessThanOrEqual": 5, "Lte": 5}}, 2),
    ({"type": {"Equals": ["CryptoCurrency:EC2/BitcoinTool.B"]}}, 1),
    ({"type": {"Eq": ["Object:S3/MaliciousFile", "Execution:EC2/MaliciousFile"]}}, 2),
    ({"type": {"NotEquals": ["CryptoCurrency:EC2/BitcoinTool.B"]}}, 10),
    ({"type": {"Neq": ["CryptoCurrency:EC2/BitcoinTool.B"]}}, 10),
    ({"accountId": {"Equals": [MEMBER]}}, 6),
    ({"accountId": {"Equals": [ADMINISTRATOR]}}, 5),
    ({"region": {"Equals": ["us-east-1"]}}, 11),
    ({"region": {"Equals": ["eu-west-1"]}}, 0),
    ({"id": {"Equals": [NETWORK, EKS]}}, 2),
    ({"resource.resourceType": {"Equals": ["Instance"]}}, 2),
    ({"resource.resourceType": {"Equals": ["Instance", "EBSVolume", "Lambda"]}}, 4),
    ({"service.archived": {"Equals": ["false"]}}, 11),
    ({"service.archived": {"Equals": ["true"]}}, 0),
    ({"resource.instanceDetails.tags.value": {"Equals": ["web-frontend-01"]}}, 2),
    ({"service.action.actionType": {"Equals": ["NETWORK_CONNECTION"]}}, 2),
    ({"updatedAt": {"GreaterThan": 1793613600000}}, 9),
    ({"updatedAt": {"LessThanOrEqual": 1793613600000}}, 2),
    ({"createdAt": {"LessThan": 1793613600000}}, 2),
    (
        {
            "severity": {"GreaterThanOrEqual": 7},
            "accountId": {"Equals": [MEMBER]},
            "resource.resourceType": {"NotEquals": ["Lambda"]},
        },
        4,
    ),
]


@pytest.mark.parametrize(("criterion", "count"), CRITERIA)
def test_list_findings_filters_by_criteria(seeded, criterion, count):
    detector = seeded.detector_id("us-east-1")

    found = list_all(client(seeded), detector, FindingCriteria={"Criterion": criterion})

    assert len(found) == count
    assert set(found) <= sample_ids("us-east-1")


def test_list_findings_criteria_match_the_samples_values(seeded):
    detector = seeded.detector_id("us-east-1")
    high = {i for i in sample_ids("us-east-1") if SAMPLES[i]["severity"] >= 7}

    found = list_all(
        client(seeded),
        detector,
        FindingCriteria={"Criterion": {"severity": {"GreaterThanOrEqual": 7}}},
    )

    assert set(found) == high


def test_list_findings_sorts_and_pages(seeded):
    gd_client = client(seeded)
    detector = seeded.detector_id("us-east-1")
    by_severity = {"AttributeName": "severity", "OrderBy": "DESC"}

    first = gd_client.list_findings(
        DetectorId=detector, SortCriteria=by_severity, MaxResults=4
    )
    rest = list_all(
        gd_client,
        detector,
        SortCriteria=by_severity,
        PaginationConfig={"PageSize": 4},
    )

    severities = [SAMPLES[i]["severity"] for i in rest]
    assert len(first["FindingIds"]) == 4
    assert first["NextToken"]
    assert rest[:4] == first["FindingIds"]
    assert severities == sorted(severities, reverse=True)
    assert sorted(rest) == sorted(sample_ids("us-east-1"))


def test_the_last_page_has_no_next_token(seeded):
    found = client(seeded).list_findings(
        DetectorId=seeded.detector_id("us-east-1"), MaxResults=50
    )

    assert len(found["FindingIds"]) == 11
    assert "NextToken" not in found


@pytest.mark.parametrize(
    ("request_", "parameter"),
    [
        (
            {"FindingCriteria": {"Criterion": {"colour": {"Eq": ["red"]}}}},
            "findingCriteria",
        ),
        (
            {"FindingCriteria": {"Criterion": {"type": {"Matches": ["Recon:*"]}}}},
            "findingCriteria",
        ),
        ({"FindingCriteria": {"Criterion": {"type": {}}}}, "findingCriteria"),
        ({"SortCriteria": {"AttributeName": "colour"}}, "sortCriteria"),
        ({"NextToken": "bm90LWEtdG9rZW4="}, "nextToken"),
    ],
    ids=["unknown field", "matches outside filters", "no operator", "sort", "token"],
)
def test_list_findings_refuses_bad_criteria(seeded, request_, parameter):
    with pytest.raises(ClientError) as raised:
        client(seeded).list_findings(
            DetectorId=seeded.detector_id("us-east-1"), **request_
        )

    assert error_of(raised) == (
        "BadRequestException",
        f"The request is rejected because the parameter {parameter} has an invalid "
        "value.",
    )


# Archive, unarchive, feedback ----------------------------------------------------


def test_the_administrator_archives_and_unarchives_member_findings(seeded, delivered):
    gd_client = client(seeded)
    detector = seeded.detector_id("us-east-1")

    gd_client.archive_findings(DetectorId=detector, FindingIds=[NETWORK, "a" * 32])
    archived = list_all(
        gd_client,
        detector,
        FindingCriteria={"Criterion": {"service.archived": {"Eq": ["true"]}}},
    )
    after_archive = gd_client.get_findings(DetectorId=detector, FindingIds=[NETWORK])
    gd_client.unarchive_findings(DetectorId=detector, FindingIds=[NETWORK])
    after_unarchive = gd_client.get_findings(DetectorId=detector, FindingIds=[NETWORK])
    seeded.flush()

    assert archived == [NETWORK]
    assert after_archive["Findings"][0]["Service"]["Archived"] is True
    assert after_unarchive["Findings"][0]["Service"]["Archived"] is False
    assert delivered == []
    assert len(seeded.events()) == len(SAMPLES)


def test_archive_ignores_findings_of_another_region(seeded):
    west = client(seeded, "eu-west-1")

    west.archive_findings(
        DetectorId=seeded.detector_id("eu-west-1"), FindingIds=[NETWORK]
    )

    assert seeded.finding(NETWORK)["service"]["archived"] is False


def test_feedback_is_shown_on_the_finding_and_the_comment_kept(
    seeded, clock, delivered
):
    gd_client = client(seeded)
    detector = seeded.detector_id("us-east-1")
    clock.tick(60)

    gd_client.update_findings_feedback(
        DetectorId=detector,
        FindingIds=[NETWORK],
        Feedback="USEFUL",
        Comments="Acknowledged by Ada Lovelace",
    )
    gd_client.update_findings_feedback(
        DetectorId=detector, FindingIds=[NETWORK], Feedback="NOT_USEFUL"
    )
    found = gd_client.get_findings(DetectorId=detector, FindingIds=[NETWORK])

    assert found["Findings"][0]["Service"]["UserFeedback"] == "NOT_USEFUL"
    assert [(f.feedback, f.comments, f.account) for f in seeded.feedback(NETWORK)] == [
        ("USEFUL", "Acknowledged by Ada Lovelace", ADMINISTRATOR),
        ("NOT_USEFUL", None, ADMINISTRATOR),
    ]
    assert seeded.feedback(NETWORK)[0].at == "2026-12-01T10:01:00.000Z"
    seeded.flush()
    assert delivered == []


# GetFindingsStatistics ----------------------------------------------------------


def statistics(guardduty: GuardDutyStandIn, **request: Any) -> dict[str, Any]:
    answer = client(guardduty).get_findings_statistics(
        DetectorId=guardduty.detector_id("us-east-1"), **request
    )
    result: dict[str, Any] = answer["FindingStatistics"]
    return result


def test_count_by_severity_keys_are_severities_as_doubles(seeded):
    counts = statistics(seeded, FindingStatisticTypes=["COUNT_BY_SEVERITY"])

    assert counts == {
        "CountBySeverity": {
            "4.0": 1,
            "5.0": 1,
            "5.3": 1,
            "6.9": 1,
            "7.0": 1,
            "8.0": 5,
            "8.9": 1,
        }
    }


def test_statistics_apply_finding_criteria(seeded):
    counts = statistics(
        seeded,
        FindingStatisticTypes=["COUNT_BY_SEVERITY"],
        FindingCriteria={"Criterion": {"accountId": {"Eq": [ADMINISTRATOR]}}},
    )

    assert sum(counts["CountBySeverity"].values()) == 5


def test_statistics_group_by_account(seeded):
    groups = statistics(seeded, GroupBy="ACCOUNT")["GroupedByAccount"]

    assert [(g["AccountId"], g["TotalFindings"]) for g in groups] == [
        (MEMBER, 6),
        (ADMINISTRATOR, 5),
    ]
    member_updates = [
        datetime.fromisoformat(SAMPLES[i]["updatedAt"])
        for i in sample_ids("us-east-1", MEMBER)
    ]
    last = groups[0]["LastGeneratedAt"] - max(member_updates)
    assert abs(last.total_seconds()) < 0.001


def test_statistics_group_by_finding_type_in_either_order(seeded):
    descending = statistics(seeded, GroupBy="FINDING_TYPE", MaxResults=3)
    ascending = statistics(seeded, GroupBy="FINDING_TYPE", OrderBy="ASC")

    assert len(descending["GroupedByFindingType"]) == 3
    assert len(ascending["GroupedByFindingType"]) == 11
    assert {g["TotalFindings"] for g in ascending["GroupedByFindingType"]} == {1}


def test_statistics_group_by_severity_date_and_resource(seeded):
    severity = statistics(seeded, GroupBy="SEVERITY")["GroupedBySeverity"]
    date = statistics(seeded, GroupBy="DATE")["GroupedByDate"]
    resource = statistics(seeded, GroupBy="RESOURCE", MaxResults=100)[
        "GroupedByResource"
    ]

    assert (severity[0]["Severity"], severity[0]["TotalFindings"]) == (8.0, 5)
    assert {g["Date"] for g in date} == {datetime(2026, 11, 2, tzinfo=UTC)}
    assert sum(g["TotalFindings"] for g in date) == 11
    by_type = {g["ResourceType"]: g["ResourceId"] for g in resource}
    assert by_type["EKSCluster"] == "payments-prod"
    assert by_type["Lambda"] == "thumbnail-generator"
    assert by_type["AccessKey"] == "AKIA-EXAMPLE-KEY-0001"
    assert "AgentRuntime" not in by_type


@pytest.mark.parametrize(
    "request_",
    [
        {},
        {"FindingStatisticTypes": ["COUNT_BY_SEVERITY"], "GroupBy": "ACCOUNT"},
        {"FindingStatisticTypes": ["COUNT_BY_SEVERITY"], "MaxResults": 5},
    ],
    ids=["neither", "both", "maxResults without groupBy"],
)
def test_statistics_refuse_what_guardduty_refuses(seeded, request_):
    with pytest.raises(ClientError) as raised:
        statistics(seeded, **request_)

    assert error_of(raised) == ("BadRequestException", gd_errors.INVALID_VALUE)


# CreateFilter, ListFilters, suppression -------------------------------------------


def test_an_archive_filter_suppresses_new_matching_findings(guardduty, delivered):
    gd_client = client(guardduty)
    detector = guardduty.detector_id("us-east-1")
    gd_client.create_filter(
        DetectorId=detector,
        Name="quiet-port-probes",
        Action="ARCHIVE",
        FindingCriteria={
            "Criterion": {"type": {"Eq": ["Recon:EC2/PortProbeUnprotectedPort"]}}
        },
    )

    gd_client.create_sample_findings(
        DetectorId=detector,
        FindingTypes=["Recon:EC2/PortProbeUnprotectedPort", "Object:S3/MaliciousFile"],
    )
    guardduty.flush()

    made = {f["type"]: f for f in guardduty.findings("us-east-1")}
    probe = made["Recon:EC2/PortProbeUnprotectedPort"]
    assert probe["service"]["archived"] is True
    assert made["Object:S3/MaliciousFile"]["service"]["archived"] is False
    assert [e["detail"]["type"] for e in delivered] == ["Object:S3/MaliciousFile"]

    guardduty.bump(probe["id"])
    guardduty.flush()
    assert guardduty.finding(probe["id"])["service"]["count"] == 38
    assert len(delivered) == 1


def test_a_noop_filter_and_a_wildcard_filter_suppress_nothing_else(
    guardduty, delivered
):
    gd_client = client(guardduty)
    detector = guardduty.detector_id("us-east-1")
    gd_client.create_filter(
        DetectorId=detector,
        Name="watch-recon",
        FindingCriteria={"Criterion": {"type": {"Matches": ["Recon:*"]}}},
    )
    gd_client.create_filter(
        DetectorId=detector,
        Name="mute-non-recon",
        Action="ARCHIVE",
        FindingCriteria={
            "Criterion": {"type": {"NotMatches": ["Recon:*", "Object:*"]}}
        },
    )

    gd_client.create_sample_findings(
        DetectorId=detector,
        FindingTypes=["Recon:EC2/PortProbeUnprotectedPort", "Object:S3/MaliciousFile"],
    )
    guardduty.create_samples("us-east-1", ["CryptoCurrency:EC2/BitcoinTool.B"])
    guardduty.flush()

    assert sorted(e["detail"]["type"] for e in delivered) == [
        "Object:S3/MaliciousFile",
        "Recon:EC2/PortProbeUnprotectedPort",
    ]


def test_list_filters_pages_by_rank(guardduty):
    gd_client = client(guardduty)
    detector = guardduty.detector_id("us-east-1")
    for rank, name in ((3, "third"), (1, "first"), (2, "second")):
        gd_client.create_filter(
            DetectorId=detector,
            Name=name,
            Rank=rank,
            FindingCriteria={"Criterion": {"severity": {"Gte": rank}}},
        )

    page = gd_client.list_filters(DetectorId=detector, MaxResults=2)
    every = gd_client.get_paginator("list_filters").paginate(DetectorId=detector)

    assert page["FilterNames"] == ["first", "second"]
    assert [n for p in every for n in p["FilterNames"]] == ["first", "second", "third"]
    assert (
        client(guardduty, "eu-west-1").list_filters(
            DetectorId=guardduty.detector_id("eu-west-1")
        )["FilterNames"]
        == []
    )


def test_create_filter_is_idempotent_by_client_token(guardduty):
    gd_client = client(guardduty)
    detector = guardduty.detector_id("us-east-1")
    request = {
        "DetectorId": detector,
        "Name": "high-only",
        "ClientToken": "token-1",
        "FindingCriteria": {"Criterion": {"severity": {"Gte": 7}}},
    }

    first = gd_client.create_filter(**request)
    again = gd_client.create_filter(**request)

    assert first["Name"] == again["Name"] == "high-only"
    assert [f.name for f in guardduty.filters("us-east-1")] == ["high-only"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "has space",
            "The request is rejected because the parameter name has an invalid value.",
        ),
        ("taken", gd_errors.FILTER_EXISTS),
    ],
)
def test_create_filter_refuses_bad_or_taken_names(guardduty, name, message):
    gd_client = client(guardduty)
    detector = guardduty.detector_id("us-east-1")
    criteria = {"Criterion": {"severity": {"Gte": 7}}}
    gd_client.create_filter(DetectorId=detector, Name="taken", FindingCriteria=criteria)

    with pytest.raises(ClientError) as raised:
        gd_client.create_filter(
            DetectorId=detector, Name=name, FindingCriteria=criteria
        )

    assert error_of(raised) == ("BadRequestException", message)


def test_a_detector_holds_at_most_a_hundred_filters(guardduty):
    gd_client = client(guardduty)
    detector = guardduty.detector_id("us-east-1")
    criteria = {"Criterion": {"severity": {"Gte": 1}}}
    for n in range(100):
        gd_client.create_filter(
            DetectorId=detector, Name=f"f{n:03}", FindingCriteria=criteria
        )

    with pytest.raises(ClientError) as raised:
        gd_client.create_filter(
            DetectorId=detector, Name="one-more", FindingCriteria=criteria
        )

    assert error_of(raised) == ("BadRequestException", gd_errors.FILTER_LIMIT)


# CreateSampleFindings and events ------------------------------------------------


def test_create_sample_findings_makes_every_sample_and_sends_events(
    guardduty, delivered, clock
):
    gd_client = client(guardduty, "eu-west-1")
    detector = guardduty.detector_id("eu-west-1")

    gd_client.create_sample_findings(DetectorId=detector)
    guardduty.flush()

    made = guardduty.findings("eu-west-1")
    assert sorted(f["type"] for f in made) == sorted(
        f["type"] for f in SAMPLES.values()
    )
    assert {f["accountId"] for f in made} == {ADMINISTRATOR}
    assert {f["service"]["detectorId"] for f in made} == {detector}
    assert {f["updatedAt"] for f in made} == {"2026-12-01T10:00:00.000Z"}
    assert not set(SAMPLES) & {f["id"] for f in made}
    assert [e["detail"]["id"] for e in delivered] == [f["id"] for f in made]
    event = delivered[0]
    assert {k: event[k] for k in ("version", "detail-type", "source", "account")} == {
        "version": "0",
        "detail-type": "GuardDuty Finding",
        "source": "aws.guardduty",
        "account": ADMINISTRATOR,
    }
    assert (event["region"], event["resources"], event["time"]) == (
        "eu-west-1",
        [],
        "2026-12-01T10:00:00Z",
    )
    assert len({e["id"] for e in delivered}) == len(delivered)


def test_sample_copies_keep_their_links_to_each_other(guardduty):
    guardduty.create_samples("us-east-1")

    made = {f["type"]: f for f in guardduty.findings("us-east-1")}
    s3 = made["Exfiltration:S3/MaliciousIPCaller"]
    attack = made["AttackSequence:S3/CompromisedData"]
    ebs = made["Execution:EC2/MaliciousFile"]

    assert s3["associatedAttackSequenceArn"] == attack["arn"]
    assert (
        ebs["service"]["ebsVolumeScanDetails"]["triggerFindingId"]
        == (made["CryptoCurrency:EC2/BitcoinTool.B"]["id"])
    )
    assert s3["resource"]["s3BucketDetails"][0]["name"] == (
        "storefront-invoices-111122223333"
    )


def test_create_sample_findings_by_type(guardduty, delivered):
    gd_client = client(guardduty)
    detector = guardduty.detector_id("us-east-1")

    gd_client.create_sample_findings(
        DetectorId=detector,
        FindingTypes=["Backdoor:EC2/C&CActivity.B!DNS", "Impact:EC2/WinRMBruteForce"],
    )

    made = guardduty.findings("us-east-1")
    assert [f["type"] for f in made] == [
        "Backdoor:EC2/C&CActivity.B!DNS",
        "Impact:EC2/WinRMBruteForce",
    ]
    assert made[1]["resource"]["resourceType"] in ("Instance", "EBSVolume")
    assert made[1]["title"] == "Sample finding of type Impact:EC2/WinRMBruteForce."


def test_create_sample_findings_refuses_a_malformed_type(guardduty):
    with pytest.raises(ClientError) as raised:
        client(guardduty).create_sample_findings(
            DetectorId=guardduty.detector_id("us-east-1"), FindingTypes=["not a type"]
        )

    assert error_of(raised) == ("BadRequestException", gd_errors.INVALID_FINDING_TYPE)


def test_bump_is_a_guardduty_update_with_a_new_event(seeded, delivered, clock):
    before = seeded.finding(NETWORK)
    clock.tick(3600)

    after = seeded.bump(NETWORK)
    seeded.flush()

    assert after["service"]["count"] == before["service"]["count"] + 1 == 15
    assert after["updatedAt"] == "2026-12-01T11:00:00.000Z"
    assert after["service"]["eventLastSeen"] == "2026-12-01T11:00:00.000Z"
    assert after["createdAt"] == before["createdAt"]
    assert after["service"]["eventFirstSeen"] == before["service"]["eventFirstSeen"]
    (event,) = delivered
    assert event["detail"] == after
    assert event["time"] == "2026-12-01T11:00:00Z"


def test_a_manually_archived_finding_still_sends_updates(seeded, delivered):
    client(seeded).archive_findings(
        DetectorId=seeded.detector_id("us-east-1"), FindingIds=[NETWORK]
    )

    seeded.bump(NETWORK)
    seeded.flush()

    assert [e["detail"]["service"]["archived"] for e in delivered] == [True]


def test_member_findings_reach_the_member_bus_when_asked(clock):
    received: list[Event] = []
    with GuardDutyStandIn(
        on_event=received.append, member_buses=True, clock=clock
    ) as gd:
        gd.add(SAMPLES[NETWORK])
        gd.add(SAMPLES[ACCESS_KEY])
        gd.flush()

    assert [(e["account"], e["detail"]["id"]) for e in received] == [
        (ADMINISTRATOR, NETWORK),
        (MEMBER, NETWORK),
        (ADMINISTRATOR, ACCESS_KEY),
    ]


def test_a_failing_callback_does_not_stop_later_events(clock):
    seen: list[str] = []

    def flaky(event: Event) -> None:
        seen.append(event["detail"]["id"])
        if len(seen) == 1:
            raise RuntimeError("notifier down")

    with GuardDutyStandIn(on_event=flaky, clock=clock) as gd:
        gd.add(SAMPLES[NETWORK])
        gd.add(SAMPLES[EKS])
        gd.flush()

    assert seen == [NETWORK, EKS]


# add and persistence ------------------------------------------------------------


def test_add_takes_an_eventbridge_event_and_keeps_unknown_keys(guardduty, delivered):
    event = json.loads(samples.event_files()[0].read_text(encoding="utf-8"))
    event["detail"]["findingTypeVersion"] = {"present": False}

    added = guardduty.add(event)
    guardduty.flush()

    assert added["id"] == NETWORK
    assert added["findingTypeVersion"] == {"present": False}
    assert [e["detail"]["id"] for e in delivered] == [NETWORK]
    assert delivered[0]["id"] != event["id"]


@pytest.mark.parametrize(
    "document",
    [
        {"detail-type": "AWS API Call via CloudTrail", "source": "aws.guardduty"},
        {"hello": "world"},
        {"id": "x", "type": "t", "accountId": "1", "arn": "a"},
    ],
    ids=["other event", "not a finding", "missing required members"],
)
def test_add_refuses_what_is_not_a_finding(guardduty, document):
    with pytest.raises(ValueError, match="finding"):
        guardduty.add(document)


def test_add_folder_adds_every_finding_file(guardduty):
    added = guardduty.add_folder(samples.SAMPLES_DIR)

    assert {f["id"] for f in added} == set(SAMPLES)
    assert len(added) == len(SAMPLES) + 1


def test_state_survives_a_restart(tmp_path, clock):
    state = tmp_path / "guardduty.json"
    with GuardDutyStandIn(state_file=state, access_keys=KEYS, clock=clock) as first:
        first.seed()
        gd_client = client(first)
        detector = first.detector_id("us-east-1")
        gd_client.archive_findings(DetectorId=detector, FindingIds=[NETWORK])
        gd_client.update_findings_feedback(
            DetectorId=detector, FindingIds=[EKS], Feedback="USEFUL", Comments="seen"
        )
        gd_client.create_filter(
            DetectorId=detector,
            Name="keep",
            FindingCriteria={"Criterion": {"severity": {"Gte": 7}}},
        )

    with GuardDutyStandIn(state_file=state, access_keys=KEYS, clock=clock) as second:
        assert {f["id"] for f in second.findings()} == set(SAMPLES)
        assert second.finding(NETWORK)["service"]["archived"] is True
        assert [f.comments for f in second.feedback(EKS)] == ["seen"]
        assert [f.name for f in second.filters("us-east-1")] == ["keep"]
        assert MEMBER in second.members


def test_url_needs_a_started_stand_in():
    with pytest.raises(RuntimeError, match="not started"):
        _ = GuardDutyStandIn().url


def raw_get(guardduty: GuardDutyStandIn, path: str) -> tuple[int, Any]:
    url = urlsplit(guardduty.url)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=5)
    try:
        connection.request("GET", path, headers=SIGNED)
        answer = connection.getresponse()
        return answer.status, json.loads(answer.read())
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("operation", "suffix", "body"),
    [
        ("GetFindings", "/findings/get", {"findingIds": [NETWORK, EKS, ACCESS_KEY]}),
        ("ListFindings", "/findings", {"maxResults": 3}),
        ("CreateFilter", "/filter", {"name": "f-1", "findingCriteria": {}}),
        (
            "GetFindingsStatistics",
            "/findings/statistics",
            {"findingStatisticTypes": ["COUNT_BY_SEVERITY"]},
        ),
        *[
            ("GetFindingsStatistics", "/findings/statistics", {"groupBy": group})
            for group in ("ACCOUNT", "DATE", "FINDING_TYPE", "RESOURCE", "SEVERITY")
        ],
    ],
)
def test_answers_fit_the_models_output_shapes(seeded, operation, suffix, body):
    path = f"/detector/{seeded.detector_id('us-east-1')}{suffix}"

    status, _, answer = raw_post(seeded, path, body, SIGNED)

    assert status == 200
    assert answer
    output = wire.operation(operation).output_shape
    assert [str(p) for p in wire.problems(output, answer)] == []


@pytest.mark.parametrize(
    ("operation", "path"),
    [
        ("ListDetectors", "/detector?maxResults=5"),
        ("ListFilters", "/detector/{detector}/filter?maxResults=5"),
    ],
)
def test_get_answers_fit_the_models_output_shapes(seeded, operation, path):
    status, answer = raw_get(
        seeded, path.format(detector=seeded.detector_id("us-east-1"))
    )

    assert status == 200
    output = wire.operation(operation).output_shape
    assert [str(p) for p in wire.problems(output, answer)] == []
