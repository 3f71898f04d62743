"""GetFindingsStatistics over a list of findings, in the model's output shapes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sandbox.guardduty.criteria import field_values
from sandbox.guardduty.findings import Finding, parse_time

DEFAULT_MAX_RESULTS = 25

# The model's ResourceStatistics documentation maps each resource type to the
# field that identifies the resource.
# Limitation: the model names no resource id for RDSLimitlessDB, EBSVolume,
# AttackSequence or types GuardDuty adds later; the first two use the fields
# below by our own choice and the rest are left out of RESOURCE groups.
_RESOURCE_ID = {
    "AccessKey": "resource.accessKeyDetails.accessKeyId",
    "Container": "resource.containerDetails.id",
    "ECSCluster": "resource.ecsClusterDetails.name",
    "EKSCluster": "resource.eksClusterDetails.name",
    "Instance": "resource.instanceDetails.instanceId",
    "KubernetesCluster": "resource.kubernetesDetails.kubernetesWorkloadDetails.name",
    "Lambda": "resource.lambdaDetails.functionName",
    "RDSDBInstance": "resource.rdsDbInstanceDetails.dbInstanceIdentifier",
    "S3Bucket": "resource.s3BucketDetails.name",
    "S3Object": "resource.s3BucketDetails.name",
    "RDSLimitlessDB": "resource.rdsLimitlessDbDetails.dbShardGroupIdentifier",
    "EBSVolume": "resource.ebsVolumeDetails.scannedVolumeDetails.volumeArn",
}


def count_by_severity(findings: Iterable[Finding]) -> dict[str, int]:
    """The deprecated `countBySeverity` map: severity as text to a count.

    GuardDuty writes the severity as a Java double ("2.0", "5.3").
    """
    counts: dict[str, int] = {}
    for finding in findings:
        key = repr(float(finding.get("severity", 0)))
        counts[key] = counts.get(key, 0) + 1
    return counts


def grouped(
    findings: Iterable[Finding],
    group_by: str,
    *,
    descending: bool = True,
    max_results: int = DEFAULT_MAX_RESULTS,
) -> dict[str, list[dict[str, Any]]]:
    """The `groupedBy...` member for `group_by`, biggest groups first.

    Args:
        findings: the findings to count.
        group_by: ACCOUNT, DATE, FINDING_TYPE, RESOURCE or SEVERITY.
        descending: largest totals first (the API's default orderBy DESC).
        max_results: how many groups to return.
    """
    member, key_of, render = _GROUPINGS[group_by]
    groups: dict[tuple[Any, ...], list[Finding]] = {}
    for finding in findings:
        key = key_of(finding)
        if key is not None:
            groups.setdefault(key, []).append(finding)
    ranked = sorted(groups.items(), key=lambda item: item[0])
    ranked.sort(key=lambda item: len(item[1]), reverse=descending)
    return {
        member: [
            {
                **render(key),
                "lastGeneratedAt": _last_generated(members),
                "totalFindings": len(members),
            }
            for key, members in ranked[:max_results]
        ]
    }


def _last_generated(findings: list[Finding]) -> float:
    moments = [parse_time(f.get("updatedAt")) for f in findings]
    known = [m.timestamp() for m in moments if m is not None]
    return max(known, default=0.0)


def _day(finding: Finding) -> float | None:
    moment = parse_time(finding.get("createdAt"))
    if moment is None:
        return None
    day = moment.astimezone(UTC).date()
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()


def _by_date(finding: Finding) -> tuple[Any, ...] | None:
    # The model: "a list of map of dates with a count of total findings
    # generated on each date per severity level", so one group per creation
    # day (UTC) and severity.
    # Limitation: GuardDuty may bucket days in another time zone or by
    # severity label rather than value; no wire sample was found to check.
    day = _day(finding)
    return None if day is None else (day, float(finding.get("severity", 0)))


def _by_resource(finding: Finding) -> tuple[Any, ...] | None:
    resource_type = str(finding.get("resource", {}).get("resourceType", ""))
    path = _RESOURCE_ID.get(resource_type)
    values = field_values(finding, path) if path else []
    if not values:
        return None
    return (str(finding.get("accountId", "")), str(values[0]), resource_type)


_Grouping = tuple[
    str,
    Callable[[Finding], tuple[Any, ...] | None],
    Callable[[tuple[Any, ...]], Mapping[str, Any]],
]
_GROUPINGS: dict[str, _Grouping] = {
    "ACCOUNT": (
        "groupedByAccount",
        lambda f: (str(f.get("accountId", "")),),
        lambda key: {"accountId": key[0]},
    ),
    "DATE": (
        "groupedByDate",
        _by_date,
        lambda key: {"date": key[0], "severity": key[1]},
    ),
    "FINDING_TYPE": (
        "groupedByFindingType",
        lambda f: (str(f.get("type", "")),),
        lambda key: {"findingType": key[0]},
    ),
    "RESOURCE": (
        "groupedByResource",
        _by_resource,
        lambda key: {"accountId": key[0], "resourceId": key[1], "resourceType": key[2]},
    ),
    "SEVERITY": (
        "groupedBySeverity",
        lambda f: (float(f.get("severity", 0)),),
        lambda key: {"severity": key[0]},
    ),
}
