"""EventBridge events as GuardDuty sends them, and findings read out of them."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sandbox.guardduty.findings import Finding, home_region

DETAIL_TYPE = "GuardDuty Finding"
SOURCE = "aws.guardduty"
_FINDING_KEYS = ("id", "type", "accountId", "arn")

Event = dict[str, Any]


def finding_event(finding: Mapping[str, Any], account: str, now: datetime) -> Event:
    """The "GuardDuty Finding" event that `account`'s default bus receives.

    Args:
        finding: the finding as stored; it becomes `detail` unchanged.
        account: the account whose bus receives it (the administrator's for a
            member finding, or the member's own).
        now: when GuardDuty sent it.
    """
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": DETAIL_TYPE,
        "source": SOURCE,
        "account": account,
        "time": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": home_region(finding),
        "resources": [],
        "detail": copy.deepcopy(dict(finding)),
    }


def finding_of(document: Mapping[str, Any]) -> Finding | None:
    """The finding in a "GuardDuty Finding" event or a bare finding, else None.

    Other documents, such as GuardDuty's CloudTrail or malware-scan status
    events, give None.
    """
    if "detail-type" in document:
        if document.get("detail-type") != DETAIL_TYPE:
            return None
        if document.get("source") != SOURCE:
            return None
        document = document.get("detail") or {}
    if all(isinstance(document.get(key), str) for key in _FINDING_KEYS):
        return copy.deepcopy(dict(document))
    return None
