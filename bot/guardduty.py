"""The GuardDuty calls the bot makes, in the finding's Region, as the administrator.

Each call goes to the Region in the finding's ARN with the detector the bot's own
account has there (ListDetectors, remembered): in a multi-account setup that is the
administrator's, which can act on every member's findings. A failed call becomes a
:class:`GuardDutyFailure` in plain words for the person who clicked.
"""

import logging
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)

from bot.errors import GuardDutyFailure, IdentityUnavailable, Refusal
from bot.regions import partition_of
from notifier.aws import ClientSource
from notifier.errors import NotAFinding
from notifier.finding import Finding

logger = logging.getLogger(__name__)

_FINDING_ARN = re.compile(
    r"^arn:(?P<partition>aws(-[a-z]+)*):guardduty:"
    r"(?P<region>[a-z]{2}(-[a-z]+)+-\d{1,2}):(?P<account>\d{12}):"
    r"detector/[A-Za-z0-9]{1,300}/finding/(?P<id>[A-Za-z0-9_-]{1,300})$"
)
COMMENT_LIMIT = 500
NOT_OWNED = "not owned by the current account"
_THROTTLED = frozenset(
    {"TooManyRequestsException", "ThrottlingException", "Throttling"}
)
_DENIED = frozenset(
    {
        "AccessDeniedException",
        "AccessDenied",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "ExpiredTokenException",
        "ExpiredToken",
    }
)
_TIMEOUTS = (
    ReadTimeoutError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ConnectionClosedError,
)


@dataclass(frozen=True)
class FindingRef:
    """A finding named by a button: its ARN, checked, and what the ARN says."""

    arn: str
    partition: str
    region: str
    account: str
    finding_id: str

    @classmethod
    def parse(
        cls, arn: str | None, regions: Sequence[str] | None = None
    ) -> "FindingRef":
        """Validates a finding ARN from a button, before any call.

        Args:
            regions: the Regions the bot may act in (none when empty); None
                checks the ARN alone.

        Raises:
            Refusal: not a finding ARN (or one whose partition is not its
                Region's), or a Region the bot may not act in.
        """
        match = _FINDING_ARN.match(arn or "")
        if not arn or not match or partition_of(match["region"]) != match["partition"]:
            raise Refusal(
                "This button does not name a GuardDuty finding the bot can act on.",
                outcome="invalid-button",
            )
        region = match["region"]
        if regions is not None and not regions:
            raise Refusal(
                "The bot has no Region to act in: its administrators set "
                "aws.regions, or aws.region.",
                status="FAILED_PRECONDITION",
                outcome="no-region",
            )
        if regions is not None and region not in regions:
            raise Refusal(
                f"This bot does not act on findings in {region}; it acts in "
                f"{', '.join(regions)}.",
                status="FAILED_PRECONDITION",
                outcome="region-not-allowed",
            )
        return cls(arn, match["partition"], region, match["account"], match["id"])


class GuardDuty:
    """GuardDuty as the bot uses it: one finding at a time."""

    def __init__(self, clients: ClientSource) -> None:
        self._clients = clients
        self._detectors: dict[str, str] = {}
        self._lock = threading.Lock()

    def finding(self, ref: FindingRef) -> Finding:
        """The finding's current state.

        Raises:
            GuardDutyFailure: including when GuardDuty no longer has it.
        """
        response = self._call(ref, "get_findings", FindingIds=[ref.finding_id])
        try:
            finding = Finding.from_document(response)
        except NotAFinding:
            finding = None
        if finding is None or finding.id != ref.finding_id:
            raise GuardDutyFailure(
                f"GuardDuty has no finding {ref.finding_id} in {ref.region} for the "
                "bot's account: it keeps findings for 90 days, and only the "
                "administrator account sees its members' findings.",
                status="NOT_FOUND",
                outcome="not-found",
            )
        return finding

    def archive(self, ref: FindingRef) -> None:
        self._call(ref, "archive_findings", FindingIds=[ref.finding_id])

    def unarchive(self, ref: FindingRef) -> None:
        self._call(ref, "unarchive_findings", FindingIds=[ref.finding_id])

    def feedback(self, ref: FindingRef, *, useful: bool, comment: str) -> None:
        """Marks the finding useful or not, with a comment naming the person."""
        # Limitation: GuardDuty keeps one feedback comment per finding, so an
        # escalation replaces an earlier acknowledgement's comment; the card's
        # history keeps both. Keeping every entry would need a store of our own.
        self._call(
            ref,
            "update_findings_feedback",
            FindingIds=[ref.finding_id],
            Feedback="USEFUL" if useful else "NOT_USEFUL",
            Comments=comment[:COMMENT_LIMIT],
        )

    def create_filter(
        self,
        ref: FindingRef,
        *,
        name: str,
        description: str,
        criteria: Mapping[str, Sequence[str]],
    ) -> None:
        """Creates an ARCHIVE filter (a suppression rule) in the finding's Region.

        ``name`` doubles as the idempotency token, and a filter that already
        exists under it counts as created: a second submit changes nothing.
        """
        criterion = {key: {"Equals": list(values)} for key, values in criteria.items()}
        try:
            self._call(
                ref,
                "create_filter",
                Name=name,
                Description=description,
                Action="ARCHIVE",
                FindingCriteria={"Criterion": criterion},
                ClientToken=name,
            )
        except GuardDutyFailure as failure:
            if failure.outcome != "filter-exists":
                raise
            logger.info("filter %s already exists in %s", name, ref.region)

    def call(self, region: str, operation: str, **parameters: Any) -> Any:
        """Calls ``operation`` in ``region`` with the bot's own detector there.

        For calls that name no single finding (searches, statistics); the
        detector parameter is added.

        Raises:
            GuardDutyFailure: GuardDuty refused, failed or could not be reached.
        """
        try:
            client = self._clients.client("guardduty", region)
            detector = self._detector(region, client)
            return getattr(client, operation)(DetectorId=detector, **parameters)
        except ClientError as error:
            raise self._client_failure(error, region) from error
        except (BotoCoreError, IdentityUnavailable) as error:
            raise _transport_failure(error, region) from error

    def _call(self, ref: FindingRef, operation: str, **parameters: Any) -> Any:
        return self.call(ref.region, operation, **parameters)

    def _detector(self, region: str, client: Any) -> str:
        with self._lock:
            cached = self._detectors.get(region)
        if cached:
            return cached
        detectors = client.list_detectors().get("DetectorIds", [])
        if not detectors:
            raise GuardDutyFailure(
                f"GuardDuty is not enabled for the bot's account in {region}.",
                status="FAILED_PRECONDITION",
                outcome="no-detector",
            )
        with self._lock:
            self._detectors[region] = detectors[0]
        return str(detectors[0])

    def _client_failure(self, error: ClientError, region: str) -> GuardDutyFailure:
        code = str(error.response.get("Error", {}).get("Code", ""))
        message = str(error.response.get("Error", {}).get("Message", ""))
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        logger.warning(
            "GuardDuty %s in %s failed: %s %s",
            error.operation_name,
            region,
            code,
            message[:300],
        )
        if NOT_OWNED in message:
            with self._lock:
                self._detectors.pop(region, None)
            return GuardDutyFailure(
                f"GuardDuty refused: the bot's AWS account does not own the detector "
                f"in {region}. Only the GuardDuty administrator account can act on "
                "member accounts' findings.",
                status="PERMISSION_DENIED",
                outcome="member-detector",
            )
        if code == "BadRequestException" and "already exists" in message.lower():
            return GuardDutyFailure("", outcome="filter-exists")
        if code in _THROTTLED or status == 429:
            return GuardDutyFailure(
                "GuardDuty is busy right now. Try again in a minute.",
                status="RESOURCE_EXHAUSTED",
                outcome="throttled",
                retryable=True,
            )
        if code in _DENIED or error.operation_name.startswith("AssumeRole"):
            return GuardDutyFailure(
                "The bot is not allowed to do this in GuardDuty. Its AWS role "
                "needs the permission.",
                status="PERMISSION_DENIED",
                outcome="access-denied",
            )
        if code == "BadRequestException":
            return GuardDutyFailure(
                "GuardDuty refused the request. The card is unchanged.",
                status="FAILED_PRECONDITION",
                outcome="bad-request",
            )
        return GuardDutyFailure(
            "GuardDuty failed to answer. Try again in a minute.",
            outcome="guardduty-error",
            retryable=True,
        )


def _transport_failure(error: Exception, region: str) -> GuardDutyFailure:
    logger.warning("GuardDuty in %s unreachable: %s", region, type(error).__name__)
    if isinstance(error, NoCredentialsError | IdentityUnavailable):
        return GuardDutyFailure(
            "The bot has no AWS credentials to call GuardDuty with.",
            status="UNAVAILABLE",
            outcome="no-credentials",
        )
    if isinstance(error, _TIMEOUTS):
        return GuardDutyFailure(
            "GuardDuty did not answer in time. Try again in a minute.",
            status="DEADLINE_EXCEEDED",
            outcome="timeout",
            retryable=True,
        )
    return GuardDutyFailure(
        "GuardDuty could not be reached. Try again in a minute.",
        outcome="unreachable",
        retryable=True,
    )
