"""Suppression rules: a resource criterion per resource type, valid for CreateFilter."""

from __future__ import annotations

import copy
import re

import botocore.session
import pytest

from bot.suppression import suppression_for
from notifier.finding import Finding, read_findings
from tests.bot.conftest import sample
from tests.conftest import load_json, real_finding_files, real_findings

NAME = re.compile(r"^[A-Za-z0-9._-]{3,64}$")


def create_filter_fields() -> set[str]:
    """The criterion fields CreateFilter documents, read from botocore's model."""
    model = botocore.session.get_session().get_service_model("guardduty")
    shape = model.operation_model("CreateFilter").input_shape
    documentation = shape.members["FindingCriteria"].documentation
    return set(re.findall(r"<p>([A-Za-z0-9.]+)</p>", documentation))


FIELDS = create_filter_fields()


@pytest.mark.parametrize(
    ("name", "field", "values"),
    [
        (
            "instance-network-connection",
            "resource.instanceDetails.instanceId",
            ("i-0b5e7c1d2a3f40918",),
        ),
        ("ebsvolume-malware", "resource.instanceDetails.instanceId", None),
        (
            "accesskey-api-call",
            "resource.accessKeyDetails.accessKeyId",
            ("AKIA-EXAMPLE-KEY-0001",),
        ),
        ("s3bucket-data-access", "resource.s3BucketDetails.name", None),
        ("s3object-malicious-file", "resource.s3BucketDetails.name", None),
        ("ekscluster-kubernetes-api-call", "resource.eksClusterDetails.name", None),
        ("ecscluster-runtime-task", "resource.ecsClusterDetails.name", None),
        ("container-runtime-process", "resource.containerDetails.image", None),
        ("lambda-network-connection", "resource.lambdaDetails.functionArn", None),
        (
            "rdsdbinstance-login-attempt",
            "resource.rdsDbInstanceDetails.dbInstanceIdentifier",
            None,
        ),
        (
            "rdslimitlessdb-login-attempt",
            "resource.rdsLimitlessDbDetails.dbShardGroupIdentifier",
            None,
        ),
    ],
)
def test_each_resource_type_is_named_by_a_criterion_createfilter_accepts(
    name, field, values
):
    finding = Finding.from_document(sample(name))

    suppression = suppression_for(finding)

    assert suppression is not None
    assert set(suppression.criteria) == {"type", "accountId", field}
    assert set(suppression.criteria) <= FIELDS
    assert suppression.criteria["type"] == (finding.type,)
    assert suppression.criteria["accountId"] == (finding.account_id,)
    assert suppression.criteria[field]
    if values is not None:
        assert suppression.criteria[field] == values
    assert NAME.match(suppression.name)
    assert len(suppression.description) <= 512


def test_a_temporary_access_key_is_named_by_its_user():
    document = sample("accesskey-api-call")
    document["resource"]["accessKeyDetails"]["accessKeyId"] = "ASIAEXAMPLEKEY123456"

    suppression = suppression_for(Finding.from_document(document))

    assert suppression is not None
    assert suppression.resource == "user"
    assert suppression.criteria["resource.accessKeyDetails.userName"] == (
        "ci-deployer",
    )


def test_the_name_depends_on_what_is_matched_and_nothing_else():
    document = sample("instance-network-connection")
    again = copy.deepcopy(document)
    again["service"]["count"] = 500
    again["id"] = "0" * 32
    other = copy.deepcopy(document)
    other["resource"]["instanceDetails"]["instanceId"] = "i-0123456789abcdef0"

    names = [
        suppression_for(Finding.from_document(item)).name  # type: ignore[union-attr]
        for item in (document, again, other)
    ]

    assert names[0] == names[1]
    assert names[0] != names[2]


@pytest.mark.parametrize(
    "name", ["attacksequence-s3-compromised-data", "agentruntime-future-resource-type"]
)
def test_a_finding_without_an_identifying_resource_gets_no_rule(name):
    assert suppression_for(Finding.from_document(sample(name))) is None


@real_findings
@pytest.mark.parametrize("path", real_finding_files(), ids=lambda path: path.stem)
def test_every_rule_for_a_real_finding_is_a_valid_filter(path):
    for finding in read_findings(load_json(path)):
        suppression = suppression_for(finding)
        if suppression is None:
            continue
        assert set(suppression.criteria) <= FIELDS
        assert NAME.match(suppression.name)
        assert all(suppression.criteria.values())
