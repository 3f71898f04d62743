"""Helpers over findings in GuardDuty's wire JSON (camelCase dictionaries).

A finding here is a plain `dict` as GetFindings returns it on the wire. The
stand-in keeps findings in that form so that what it serves is byte for byte
what it was given, unknown keys included.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

Finding = dict[str, Any]

_ARN = re.compile(
    r"arn:(?P<partition>[^:]+):guardduty:(?P<region>[^:]+):(?P<account>\d+):"
    r"detector/(?P<detector>[^/]+)/finding/(?P<id>.+)"
)
_TIMES = ("createdAt", "updatedAt")
_SERVICE_TIMES = ("eventFirstSeen", "eventLastSeen")


def detector_id(account: str, region: str) -> str:
    """The stand-in's detector id for `account` in `region`: 32 hex characters.

    Derived rather than random so that saved findings, the project's samples
    and a restarted stand-in agree on it.
    """
    return hashlib.sha256(f"{account}/{region}".encode()).hexdigest()[:32]


def finding_arn(account: str, region: str, detector: str, finding_id: str) -> str:
    """The ARN GuardDuty gives a finding of `detector`."""
    return (
        f"arn:aws:guardduty:{region}:{account}:detector/{detector}/finding/{finding_id}"
    )


def home_region(finding: Mapping[str, Any]) -> str:
    """The Region of the detector that holds `finding`.

    That is the Region in the finding's ARN; `region` can differ for findings
    from global-service events.
    """
    match = _ARN.fullmatch(str(finding.get("arn", "")))
    return match["region"] if match else str(finding.get("region", ""))


def iso(moment: datetime) -> str:
    """`moment` as GuardDuty writes times: UTC, milliseconds, a Z."""
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def parse_time(text: object) -> datetime | None:
    """An ISO date and time as found in findings, or None when unreadable.

    Naive times are taken as UTC; masked values such as "XXXX-..." give None.
    """
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def epoch_ms(text: object) -> int | None:
    """An ISO date and time as milliseconds since the epoch, or None."""
    moment = parse_time(text)
    return None if moment is None else round(moment.timestamp() * 1000)


def is_sample(finding: Mapping[str, Any]) -> bool:
    """Whether GuardDuty marked `finding` as a sample (`sample: true`)."""
    info = finding.get("service", {}).get("additionalInfo") or {}
    if info.get("sample") is True:
        return True
    try:
        value = json.loads(info.get("value") or "{}")
    except (TypeError, ValueError):
        return False
    return isinstance(value, dict) and value.get("sample") is True


def sample_copies(
    templates: list[Finding],
    *,
    account: str,
    region: str,
    now: datetime,
    new_ids: list[str],
) -> list[Finding]:
    """Fresh sample findings made from `templates` for `account` in `region`.

    Each copy gets an id from `new_ids`, the caller's account, Region and
    detector, and times shifted so it was last updated `now` (the intervals
    between its times are kept). References between templates, such as a
    finding's `associatedAttackSequenceArn`, follow the new ids.
    """
    detector = detector_id(account, region)
    pairs = list(zip(templates, new_ids, strict=True))
    renames: dict[str, str] = {}
    for template, new_id in pairs:
        renames.setdefault(template["id"], new_id)
    copies = []
    for template, new_id in pairs:
        renames_here = {
            **renames,
            template["id"]: new_id,
            template["accountId"]: account,
            home_region(template): region,
            str(template.get("service", {}).get("detectorId", "")): detector,
        }
        renames_here = {old: new for old, new in renames_here.items() if old}
        finding: Finding = _renamed(copy.deepcopy(template), renames_here)
        finding["id"] = new_id
        finding["accountId"] = account
        finding["region"] = region
        finding["arn"] = finding_arn(account, region, detector, finding["id"])
        service = finding.setdefault("service", {})
        service["detectorId"] = detector
        service["archived"] = False
        service.pop("userFeedback", None)
        _shift_times(finding, now)
        copies.append(finding)
    return copies


def bumped(finding: Finding, now: datetime) -> Finding:
    """`finding` after GuardDuty saw it again at `now`: count + 1, times moved."""
    updated = copy.deepcopy(finding)
    service = updated.setdefault("service", {})
    service["count"] = int(service.get("count") or 1) + 1
    service["eventLastSeen"] = iso(now)
    updated["updatedAt"] = iso(now)
    return updated


def _renamed(value: Any, renames: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        for old, new in renames.items():
            value = value.replace(old, new)
        return value
    if isinstance(value, dict):
        return {key: _renamed(item, renames) for key, item in value.items()}
    if isinstance(value, list):
        return [_renamed(item, renames) for item in value]
    return value


def _shift_times(finding: Finding, now: datetime) -> None:
    last = parse_time(finding.get("updatedAt")) or now
    delta: timedelta = now - last
    service = finding["service"]
    for holder, keys in ((finding, _TIMES), (service, _SERVICE_TIMES)):
        for key in keys:
            moment = parse_time(holder.get(key))
            holder[key] = iso((moment or last) + delta)
