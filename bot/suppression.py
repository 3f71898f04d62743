"""What "suppress similar" means for a finding: a GuardDuty ARCHIVE filter.

Similar findings are those of the same type, in the same account, on the same
resource, named by the criterion that identifies it (instance id, access key,
bucket, cluster, function, database). Every criterion used is one CreateFilter
accepts. The filter's name is derived from what it matches, so a double submit, or
the same suppression asked from two cards, makes one filter.
"""

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from notifier.finding import Finding
from notifier.jsonview import JsonView
from notifier.text import clean

NAME_PREFIX = "chatops-"
VALUE_LIMIT = 512
MAX_VALUES = 5


@dataclass(frozen=True)
class Suppression:
    """One suppression rule, ready for CreateFilter.

    Attributes:
        name: the filter name, 3-64 characters of ``[A-Za-z0-9._-]``.
        criteria: criterion field -> the values it equals.
        resource: what the rule names, e.g. "instance", for people.
        values: the resource's identifiers (finding text: escape to show).
    """

    name: str
    description: str
    criteria: Mapping[str, tuple[str, ...]]
    resource: str
    values: tuple[str, ...]


Identify = Callable[[JsonView], tuple[str, str, tuple[str, ...]] | None]


# Limitation: the filter is created in the finding's Region only (filters are
# regional); similar findings in other Regions need a rule there too.
def suppression_for(finding: Finding) -> Suppression | None:
    """The rule that suppresses findings like ``finding``; None when no resource
    identifies it (an attack sequence, say), since a rule on the type alone would
    silence it everywhere."""
    resource = finding.view.at("resource")
    order = _ORDER.get(finding.resource_type or "", ()) + _FALLBACK
    for identify in order:
        found = identify(resource)
        if found:
            return _suppression(finding, *found)
    return None


def _suppression(
    finding: Finding, field: str, label: str, values: tuple[str, ...]
) -> Suppression:
    account = finding.account_id or ""
    criteria = {"type": (finding.type,), "accountId": (account,), field: values}
    identity = [finding.partition, finding.region, finding.type, account, field, values]
    digest = hashlib.sha256(json.dumps(identity).encode("utf-8")).hexdigest()
    description = clean(
        f"Archives {finding.type} findings in account {account} for {label} "
        f"{', '.join(values)}. Created from Google Chat.",
        limit=512,
    )[:512]
    return Suppression(
        name=NAME_PREFIX + digest[:32],
        description=description,
        criteria=criteria,
        resource=label,
        values=values,
    )


def _texts(*values: str | None) -> tuple[str, ...]:
    cleaned = (
        clean(value, limit=VALUE_LIMIT)[:VALUE_LIMIT] for value in values if value
    )
    return tuple(dict.fromkeys(value for value in cleaned if value))[:MAX_VALUES]


def _one(block: str, member: str, label: str) -> Identify:
    """Identifies by ``resource.<block>.<member>``, a criterion CreateFilter takes."""

    def identify(resource: JsonView) -> tuple[str, str, tuple[str, ...]] | None:
        values = _texts(resource.at(block, member).text())
        return (f"resource.{block}.{member}", label, values) if values else None

    return identify


def _access_key(resource: JsonView) -> tuple[str, str, tuple[str, ...]] | None:
    details = resource.at("accessKeyDetails")
    key = details.at("accessKeyId").text() or ""
    # A long-term key names the credential; temporary keys change every session,
    # so the user (or role) they belong to is what stays the same.
    if key.startswith("AKIA"):
        return "resource.accessKeyDetails.accessKeyId", "access key", _texts(key)
    user = _texts(details.at("userName").text())
    return ("resource.accessKeyDetails.userName", "user", user) if user else None


def _buckets(resource: JsonView) -> tuple[str, str, tuple[str, ...]] | None:
    names = _texts(
        *(bucket.at("name").text() for bucket in resource.at("s3BucketDetails").items())
    )
    if not names:
        return None
    return (
        "resource.s3BucketDetails.name",
        "bucket" if len(names) == 1 else "buckets",
        names,
    )


_INSTANCE = _one("instanceDetails", "instanceId", "instance")
_EKS = _one("eksClusterDetails", "name", "EKS cluster")
_ECS = _one("ecsClusterDetails", "name", "ECS cluster")
_IMAGE = _one("containerDetails", "image", "container image")
_LAMBDA = _one("lambdaDetails", "functionArn", "Lambda function")
_RDS = _one("rdsDbInstanceDetails", "dbInstanceIdentifier", "database")
_LIMITLESS = _one(
    "rdsLimitlessDbDetails", "dbShardGroupIdentifier", "database shard group"
)

_ORDER: dict[str, tuple[Identify, ...]] = {
    "Instance": (_INSTANCE,),
    "AccessKey": (_access_key,),
    "S3Bucket": (_buckets,),
    "S3Object": (_buckets,),
    "EKSCluster": (_EKS,),
    "ECSCluster": (_ECS,),
    "Container": (_IMAGE, _EKS),
    "Lambda": (_LAMBDA,),
    "RDSDBInstance": (_RDS,),
    "RDSLimitlessDB": (_LIMITLESS,),
    "EBSVolume": (_INSTANCE,),
}
_FALLBACK: tuple[Identify, ...] = (
    _INSTANCE,
    _access_key,
    _buckets,
    _EKS,
    _ECS,
    _IMAGE,
    _LAMBDA,
    _RDS,
    _LIMITLESS,
)
