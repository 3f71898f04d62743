"""The GuardDuty operations the product uses, wire JSON in and wire JSON out.

Each operation takes the caller (account and Region, from the request's
signature), the path and query parameters and the JSON body, checks them as
GuardDuty does, and answers the body GuardDuty would send, or raises
GuardDutyError.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sandbox import wire
from sandbox.guardduty import errors, statistics
from sandbox.guardduty.criteria import Criteria, CriteriaError, sort_findings
from sandbox.guardduty.errors import GuardDutyError
from sandbox.guardduty.findings import Finding, detector_id, iso, sample_copies
from sandbox.guardduty.store import MAX_FILTERS, Filter, FindingStore

logger = logging.getLogger(__name__)

MAX_FINDING_IDS = 50
_DETECTOR_ID = re.compile(r"[0-9a-f]{32}")
_FILTER_NAME = re.compile(r"[A-Za-z0-9._-]{3,64}")
_FINDING_TYPE = re.compile(r"[A-Za-z]+:[A-Za-z0-9]+/[A-Za-z0-9&!._-]+")

Body = dict[str, Any]


@dataclass(frozen=True)
class Caller:
    """Who calls: the account behind the access key, and the signed Region."""

    account: str
    region: str


class GuardDutyApi:
    """The implemented operations over one FindingStore.

    Args:
        store: the state.
        publish: called with findings GuardDuty has just created; it stores
            them and sends their events.
        templates: the findings CreateSampleFindings copies.
        clock: the current time.
    """

    OPERATIONS = (
        "ListDetectors",
        "GetFindings",
        "ListFindings",
        "ArchiveFindings",
        "UnarchiveFindings",
        "UpdateFindingsFeedback",
        "GetFindingsStatistics",
        "CreateFilter",
        "ListFilters",
        "CreateSampleFindings",
    )

    def __init__(
        self,
        store: FindingStore,
        publish: Callable[[list[Finding]], None],
        templates: Callable[[], list[Finding]],
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._publish = publish
        self._templates = templates
        self._clock = clock
        self._handlers: dict[str, Callable[[Caller, Mapping[str, Any], Body], Body]] = {
            name: getattr(self, re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower())
            for name in self.OPERATIONS
        }

    def call(
        self, operation: str, caller: Caller, params: Mapping[str, Any], body: Body
    ) -> Body:
        """Check a request to `operation` and answer it.

        Raises:
            GuardDutyError: what GuardDuty would answer instead of a result.
        """
        ids = body.get("findingIds")
        if isinstance(ids, list) and len(ids) > MAX_FINDING_IDS:
            raise GuardDutyError(errors.TOO_MANY_IDS)
        problems = wire.request_problems(wire.operation(operation), body, params)
        if problems:
            logger.info("%s refused: %s", operation, "; ".join(map(str, problems)))
            raise errors.invalid_parameter(_parameter(problems[0].path))
        if "DetectorId" in params:
            _check_detector(str(params["DetectorId"]), caller)
        try:
            return self._handlers[operation](caller, params, body)
        except CriteriaError as refused:
            logger.info("%s refused: %s", operation, refused)
            raise errors.invalid_parameter(refused.parameter) from refused

    def list_detectors(
        self, caller: Caller, params: Mapping[str, Any], body: Body
    ) -> Body:
        """One detector per account and Region, GuardDuty's fixed quota."""
        return {"detectorIds": [detector_id(caller.account, caller.region)]}

    def get_findings(
        self, caller: Caller, params: Mapping[str, Any], body: Body
    ) -> Body:
        """The findings asked for that the caller sees; other ids are left out.

        The model and API reference say nothing of unknown ids; GetFindings
        answers with the findings it has, so ids it lacks are ignored here and
        by the archive and feedback operations alike.
        """
        visible = {
            f["id"]: f for f in self._store.visible(caller.account, caller.region)
        }
        wanted = [visible[i] for i in dict.fromkeys(body["findingIds"]) if i in visible]
        return {"findings": sort_findings(wanted, body.get("sortCriteria"))}

    def list_findings(
        self, caller: Caller, params: Mapping[str, Any], body: Body
    ) -> Body:
        """Ids of matching findings, sorted, a page of up to maxResults (50)."""
        criteria = Criteria.parse(body.get("findingCriteria"))
        visible = self._store.visible(caller.account, caller.region)
        matched = [f for f in visible if criteria.matches(f)]
        # Without sortCriteria GuardDuty documents no order; this keeps the
        # order findings were first stored in.
        ordered = sort_findings(matched, body.get("sortCriteria"))
        page, token = _page(ordered, body.get("maxResults", 50), body.get("nextToken"))
        return {"findingIds": [f["id"] for f in page], **token}

    def archive_findings(
        self, caller: Caller, params: Mapping[str, Any], body: Body
    ) -> Body:
        """Archive; GuardDuty sends no finding event for it.

        The model's note: "Only the administrator account can archive findings.
        Member accounts don't have permission to archive findings from their
        accounts."
        """
        if self._store.is_member(caller.account):
            raise errors.not_authorized()
        self._store.set_archived(
            caller.account, caller.region, body["findingIds"], True
        )
        return {}

    def unarchive_findings(
        self, caller: Caller, params: Mapping[str, Any], body: Body
    ) -> Body:
        """Unarchive; GuardDuty sends no finding event for it either.

        The model restricts only ArchiveFindings to the administrator, so a
        member may unarchive here.
        """
        self._store.set_archived(
            caller.account, caller.region, body["findingIds"], False
        )
        return {}

    def update_findings_feedback(
        self, caller: Caller, params: Mapping[str, Any], body: Body
    ) -> Body:
        """Set `service.userFeedback`; the comment is kept beside the finding."""
        self._store.add_feedback(
            caller.account,
            caller.region,
            body["findingIds"],
            body["feedback"],
            body.get("comments"),
            iso(self._clock()),
        )
        return {}

    def get_findings_statistics(
        self, caller: Caller, params: Mapping[str, Any], body: Body
    ) -> Body:
        """Counts by severity, or groups, over the findings that match."""
        types, group_by = body.get("findingStatisticTypes"), body.get("groupBy")
        if bool(types) == bool(group_by):
            raise GuardDutyError(errors.INVALID_VALUE)
        if not group_by and ("orderBy" in body or "maxResults" in body):
            raise GuardDutyError(errors.INVALID_VALUE)
        criteria = Criteria.parse(body.get("findingCriteria"))
        visible = self._store.visible(caller.account, caller.region)
        matched = [f for f in visible if criteria.matches(f)]
        if types:
            result: Body = {"countBySeverity": statistics.count_by_severity(matched)}
        else:
            result = statistics.grouped(
                matched,
                str(group_by),
                descending=body.get("orderBy", "DESC") == "DESC",
                max_results=body.get("maxResults", statistics.DEFAULT_MAX_RESULTS),
            )
        return {"findingStatistics": result}

    def create_filter(
        self, caller: Caller, params: Mapping[str, Any], body: Body
    ) -> Body:
        """Save a filter; ARCHIVE filters suppress matching new findings."""
        existing = self._store.filters(caller.account, caller.region)
        token = body.get("clientToken", "")
        for saved in existing:
            if token and saved.client_token == token:
                return {"name": saved.name}
        name = body["name"]
        if not _FILTER_NAME.fullmatch(name):
            raise errors.invalid_parameter("name")
        Criteria.parse(body["findingCriteria"], wildcards=True)
        if any(saved.name == name for saved in existing):
            raise GuardDutyError(
                errors.FILTER_EXISTS, reason="EntityAlreadyExistsException"
            )
        if len(existing) >= MAX_FILTERS:
            raise GuardDutyError(errors.FILTER_LIMIT, reason="LimitExceededException")
        self._store.add_filter(
            Filter(
                account=caller.account,
                region=caller.region,
                name=name,
                action=body.get("action", "NOOP"),
                rank=body.get("rank", len(existing) + 1),
                finding_criteria=body["findingCriteria"],
                description=body.get("description", ""),
                client_token=token,
                tags=body.get("tags", {}),
            )
        )
        return {"name": name}

    def list_filters(
        self, caller: Caller, params: Mapping[str, Any], body: Body
    ) -> Body:
        """Filter names by rank, a page of up to maxResults (50)."""
        names = [f.name for f in self._store.filters(caller.account, caller.region)]
        page, token = _page(
            names, params.get("maxResults", 50), params.get("nextToken")
        )
        return {"filterNames": page, **token}

    def create_sample_findings(
        self, caller: Caller, params: Mapping[str, Any], body: Body
    ) -> Body:
        """Copy the project's samples into the caller's account and Region."""
        self.make_samples(caller, body.get("findingTypes") or [])
        return {}

    def make_samples(self, caller: Caller, finding_types: list[str]) -> list[Finding]:
        """New sample findings of `finding_types`, stored and announced.

        No types means every sample, as GuardDuty then makes every type.

        Raises:
            GuardDutyError: a finding type that is not a valid type name.
        """
        templates = self._templates()
        chosen = [_template_for(t, templates) for t in finding_types] or templates
        made = sample_copies(
            chosen,
            account=caller.account,
            region=caller.region,
            now=self._clock(),
            new_ids=[uuid.uuid4().hex for _ in chosen],
        )
        self._publish(made)
        return made


def _check_detector(detector: str, caller: Caller) -> None:
    if not _DETECTOR_ID.fullmatch(detector):
        raise errors.invalid_parameter("detectorId")
    if detector != detector_id(caller.account, caller.region):
        raise GuardDutyError(errors.NOT_OWNED)


def _template_for(finding_type: str, templates: list[Finding]) -> Finding:
    # Limitation: GuardDuty has a sample for each of its ~200 types; the
    # project wrote one per resource type. Another valid type gets a copy of a
    # sample of the same resource token (EC2, IAMUser, S3, ...) retyped and
    # retitled, so its details may not suit the type; an unknown token gets
    # the generic one. Real type names would need a sample each.
    if not _FINDING_TYPE.fullmatch(finding_type):
        raise GuardDutyError(errors.INVALID_FINDING_TYPE)
    for template in templates:
        if template["type"] == finding_type:
            return template
    token = finding_type.split(":", 1)[1].split("/", 1)[0]
    alike = [t for t in templates if t["type"].split(":", 1)[1].startswith(token + "/")]
    generic = [
        t
        for t in templates
        if set(t["resource"]) == {"resourceType"}
        and "detection" not in t.get("service", {})
    ]
    base = dict((alike or generic or templates)[-1])
    return {
        **base,
        "type": finding_type,
        "title": f"Sample finding of type {finding_type}.",
        "description": f"A sample {finding_type} finding made by the sandbox.",
    }


def _parameter(path: str) -> str:
    """The parameter a problem path lies under, named as GuardDuty names it."""
    name = re.split(r"[.\[]", path.removeprefix("$."), maxsplit=1)[0]
    return name[:1].lower() + name[1:]


def _page(
    items: list[Any], max_results: int, next_token: str | None
) -> tuple[list[Any], dict[str, str]]:
    start = _offset(next_token) if next_token else 0
    end = start + max_results
    if end >= len(items):
        return items[start:], {}
    token = base64.urlsafe_b64encode(json.dumps({"offset": end}).encode()).decode()
    return items[start:end], {"nextToken": token}


def _offset(token: str) -> int:
    try:
        offset = json.loads(base64.urlsafe_b64decode(token.encode()))["offset"]
    except (ValueError, KeyError, TypeError, binascii.Error) as bad:
        raise errors.invalid_parameter("nextToken") from bad
    if not isinstance(offset, int) or offset < 0:
        raise errors.invalid_parameter("nextToken")
    return offset
