"""One typed, read-only view over a GuardDuty finding, whatever form it arrived in.

Findings arrive as EventBridge events (the finding under ``detail``), as the API's
camelCase JSON, or as boto3 ``GetFindings`` output (PascalCase keys, datetimes). All
three become the same :class:`Finding`; nothing else in the product indexes raw
finding JSON except :mod:`notifier.resources` and :mod:`notifier.activity`, which
read facts through the view this module hands them.
"""

import functools
import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from notifier.errors import NotAFinding
from notifier.jsonview import JsonView
from notifier.severity import Severity
from notifier.timestamps import parse_time

FINDING_DETAIL_TYPE = "GuardDuty Finding"
GUARDDUTY_SOURCE = "aws.guardduty"

# Lengths as botocore's model allows them (finding ids up to 300 characters).
_ARN = re.compile(
    r"^arn:(?P<partition>aws[a-z-]{0,10}):guardduty:(?P<region>[a-z0-9-]{1,25}):"
    r"(?P<account>\d{12}):detector/(?P<detector>[A-Za-z0-9]{1,300})"
    r"/finding/(?P<id>[A-Za-z0-9_-]{1,300})$"
)
_ID_LIMIT = 300
_EPOCH = datetime.min.replace(tzinfo=UTC)
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")

_CONSOLE_HOSTS = {
    "aws": "{region}.console.aws.amazon.com",
    "aws-cn": "{region}.console.amazonaws.cn",
    "aws-us-gov": "{region}.console.amazonaws-us-gov.com",
}


@dataclass(frozen=True)
class Finding:
    """A GuardDuty finding in its wire (camelCase JSON) form, read through properties.

    Attributes:
        document: the finding as GuardDuty's API writes it (camelCase).
        event_region: the Region of the EventBridge event that carried it, if any.
    """

    document: Mapping[str, Any]
    event_region: str | None = None

    @classmethod
    def from_document(cls, document: object) -> "Finding":
        """The one finding in ``document``; raises NotAFinding when there is not one."""
        findings = read_findings(document)
        if len(findings) != 1:
            raise NotAFinding(f"expected one finding, found {len(findings)}")
        return findings[0]

    @functools.cached_property
    def view(self) -> JsonView:
        return JsonView(self.document)

    @functools.cached_property
    def _arn(self) -> dict[str, str]:
        match = _ARN.match(self.view.at("arn").text() or "")
        return match.groupdict() if match else {}

    @property
    def arn(self) -> str | None:
        """The finding's ARN when it is well-formed (buttons and API calls need it)."""
        return self.view.at("arn").text() if self._arn else None

    @property
    def id(self) -> str:
        return self.view.at("id").text() or self._arn.get("id") or ""

    @property
    def type(self) -> str:
        return self.view.at("type").text() or "Unknown"

    @property
    def title(self) -> str:
        return self.view.at("title").text() or self.type

    @property
    def description(self) -> str | None:
        return self.view.at("description").text()

    @property
    def account_id(self) -> str | None:
        return self.view.at("accountId").text() or self._arn.get("account")

    @property
    def partition(self) -> str:
        return self._arn.get("partition") or self.view.at("partition").text() or "aws"

    @property
    def region(self) -> str | None:
        """Where the finding lives: its ARN's Region, where the API must be called.

        A global-service finding can report another ``region`` in its body.
        """
        for candidate in (
            self._arn.get("region"),
            self.event_region,
            self.view.at("region").text(),
        ):
            if candidate and REGION.match(candidate):
                return candidate
        return None

    @property
    def reported_region(self) -> str | None:
        """The ``region`` the finding's body names (the activity's Region)."""
        return self.view.at("region").text()

    @property
    def detector_id(self) -> str | None:
        """The detector of the account that owns the finding (a member's, maybe)."""
        return self._arn.get("detector") or self.view.at("service", "detectorId").text()

    @property
    def severity(self) -> float | None:
        return self.view.at("severity").number()

    @property
    def severity_label(self) -> Severity:
        return Severity.of(self.severity)

    @property
    def created_at(self) -> datetime | None:
        return parse_time(self.view.at("createdAt").raw)

    @property
    def updated_at(self) -> datetime | None:
        return parse_time(self.view.at("updatedAt").raw)

    @property
    def first_seen(self) -> datetime | None:
        return parse_time(self.view.at("service", "eventFirstSeen").raw)

    @property
    def last_seen(self) -> datetime | None:
        return parse_time(self.view.at("service", "eventLastSeen").raw)

    @property
    def count(self) -> int | None:
        count = self.view.at("service", "count").number()
        return int(count) if count is not None else None

    @property
    def archived(self) -> bool:
        return self.view.at("service", "archived").flag() is True

    @property
    def feedback(self) -> str | None:
        """``USEFUL`` or ``NOT_USEFUL`` when someone gave feedback in GuardDuty."""
        return self.view.at("service", "userFeedback").text()

    @property
    def resource_type(self) -> str | None:
        return self.view.at("resource", "resourceType").text()

    @property
    def resource_role(self) -> str | None:
        return self.view.at("service", "resourceRole").text()

    @property
    def feature_name(self) -> str | None:
        return self.view.at("service", "featureName").text()

    @functools.cached_property
    def additional_info(self) -> JsonView:
        """``service.additionalInfo`` with the keys of its JSON-string ``value``."""
        info = self.view.at("service", "additionalInfo")
        merged = dict(info.mapping())
        encoded = info.at("value").text()
        if encoded:
            try:
                decoded = json.loads(encoded)
            except ValueError:
                decoded = None
            if isinstance(decoded, Mapping):
                merged = {**decoded, **merged}
        return JsonView(merged)

    @property
    def sample(self) -> bool:
        """Whether GuardDuty generated this as a sample (CreateSampleFindings)."""
        return self.additional_info.at("sample").flag() is True

    @property
    def console_url(self) -> str | None:
        """The finding in the GuardDuty console of its partition and Region."""
        host = _CONSOLE_HOSTS.get(self.partition)
        region = self.region
        if not host or not region or not self.id or len(self.id) > _ID_LIMIT:
            return None
        return (
            f"https://{host.format(region=region)}/guardduty/home?region={region}"
            f"#/findings?macros=current&fId={quote(self.id, safe='')}"
        )

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What identifies the finding everywhere: partition, account, Region, id."""
        return (
            self.partition,
            self.account_id or "",
            self.region or "",
            self.id or self.type,
        )

    @property
    def version(self) -> str:
        """Changes whenever GuardDuty publishes an update of this finding."""
        updated = self.updated_at
        if updated is not None:
            stamp = updated.isoformat()
        else:  # unreadable: a short digest stands for whatever GuardDuty wrote
            raw = (self.view.at("updatedAt").text() or "").encode(
                "utf-8", "surrogatepass"
            )
            stamp = "unread-" + hashlib.sha256(raw).hexdigest()[:16] if raw else "-"
        return f"{stamp}#{self.count if self.count is not None else '-'}"


def latest_versions(findings: Iterable[Finding]) -> dict[tuple[str, ...], Finding]:
    """Each finding once, in its newest version, by :attr:`Finding.key` (GuardDuty
    republishes a finding as it updates it; a batch can hold two versions)."""
    latest: dict[tuple[str, ...], Finding] = {}
    for finding in findings:
        current = latest.get(finding.key)
        if current is None or _published_after(finding, current):
            latest[finding.key] = finding
    return latest


def _published_after(candidate: Finding, current: Finding) -> bool:
    def when(finding: Finding) -> tuple[datetime, int]:
        return (finding.updated_at or _EPOCH, finding.count or 0)

    return when(candidate) > when(current)


def read_findings(document: object) -> list[Finding]:
    """Every finding in ``document``.

    Accepted: an EventBridge event of detail-type "GuardDuty Finding", a finding in
    the API's camelCase JSON, a boto3 ``GetFindings`` response or one of its findings,
    an API ``GetFindings`` response, or a list of any of these.

    Raises:
        NotAFinding: the document holds something else, saying what it holds.
    """
    findings = list(_walk(document))
    if not findings:
        raise NotAFinding("the document holds no findings")
    return findings


def _walk(document: object) -> Iterator[Finding]:
    if isinstance(document, list):
        for item in document:
            yield from _walk(item)
        return
    if not isinstance(document, Mapping):
        raise NotAFinding(f"expected a JSON object, got {type(document).__name__}")
    if "detail-type" in document:
        yield _from_event(document)
    elif isinstance(document.get("Findings"), list):
        yield from _walk(document["Findings"])
    elif isinstance(document.get("findings"), list):
        yield from _walk(document["findings"])
    elif _looks_like_finding(document, "id", "arn", "type"):
        yield Finding(document)
    elif _looks_like_finding(document, "Id", "Arn", "Type"):
        yield Finding(_wire_form(document))
    else:
        raise NotAFinding(
            "not a GuardDuty finding: expected an EventBridge event of detail-type "
            f"'{FINDING_DETAIL_TYPE}', or a finding with an id or arn and a type"
        )


def _looks_like_finding(
    document: Mapping[str, Any], id_: str, arn: str, type_: str
) -> bool:
    has_id = isinstance(document.get(id_), str) or isinstance(document.get(arn), str)
    return has_id and isinstance(document.get(type_), str)


def _from_event(event: Mapping[str, Any]) -> Finding:
    detail_type = event.get("detail-type")
    source = event.get("source")
    if detail_type != FINDING_DETAIL_TYPE or source != GUARDDUTY_SOURCE:
        raise NotAFinding(
            f"an EventBridge event of detail-type {str(detail_type)[:80]!r} from "
            f"{str(source)[:80]!r}, not a GuardDuty finding"
        )
    detail = event.get("detail")
    if not isinstance(detail, Mapping) or not _looks_like_finding(
        detail, "id", "arn", "type"
    ):
        raise NotAFinding("a GuardDuty Finding event whose detail is not a finding")
    region = event.get("region")
    return Finding(detail, event_region=region if isinstance(region, str) else None)


def _wire_form(document: Mapping[str, Any]) -> dict[str, Any]:
    """boto3's PascalCase finding turned back into the API's camelCase JSON."""
    converted = _convert(document, _finding_shape())
    assert isinstance(converted, dict)
    return converted


@functools.cache
def _finding_shape() -> Any:
    import botocore.session  # only boto3-shaped input needs the model

    model = botocore.session.get_session().get_service_model("guardduty")
    return model.shape_for("Finding")


def _convert(value: object, shape: Any) -> object:
    """Renames boto3 member names to wire names along the botocore ``shape``."""
    kind = getattr(shape, "type_name", None)
    if isinstance(value, Mapping) and kind == "structure":
        members = shape.members
        return {
            _wire_name(key, members.get(key)): _convert(item, members.get(key))
            for key, item in value.items()
        }
    if isinstance(value, Mapping):
        inner = shape.value if kind == "map" else None
        return {str(key): _convert(item, inner) for key, item in value.items()}
    if isinstance(value, list):
        inner = shape.member if kind == "list" else None
        return [_convert(item, inner) for item in value]
    if isinstance(value, datetime):
        return value.timestamp()
    return value


def _wire_name(name: str, member: Any) -> str:
    if member is not None:
        return str(member.serialization.get("name", name))
    return name[:1].lower() + name[1:]
