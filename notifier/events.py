"""Lambda events in, findings out; outcomes in, the Lambda answer out.

The notifier is invoked three ways: by an EventBridge rule (one event), by SQS (a
batch of messages, each an EventBridge event), or by SNS (an event wrapped in a
notification). Each becomes :class:`Inbound` items, the unit that succeeds or fails
as a whole: an SQS message, or the event itself.

What is retried: a finding no channel accepted. What is skipped, with one log line
and a metric: a record that is not a GuardDuty finding, and a record that is not
JSON. Retrying either cannot help (SQS would hand back the same bytes until they
reach the dead-letter queue), and they are not findings that could be lost.
"""

import enum
import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.utilities.data_classes import SNSEvent, SQSEvent

from notifier.errors import NotAFinding
from notifier.finding import Finding, read_findings
from notifier.outcome import FindingOutcome, Status

log = logging.getLogger(__name__)


class Source(enum.StrEnum):
    EVENTBRIDGE = "eventbridge"
    SQS = "sqs"
    SNS = "sns"
    UNKNOWN = "unknown"


class Skip(enum.StrEnum):
    """Why an item holds no finding."""

    NOT_A_FINDING = "not a finding"
    MALFORMED = "malformed JSON"


@dataclass(frozen=True)
class Inbound:
    """One item of an invocation: its findings, or why it has none.

    Attributes:
        item_id: the SQS message id (what ``batchItemFailures`` names), the SNS
            message id, or None for a direct EventBridge event.
    """

    item_id: str | None
    findings: tuple[Finding, ...] = ()
    skipped: Skip | None = None


@dataclass(frozen=True)
class Invocation:
    """Everything one Lambda event carried."""

    source: Source
    items: tuple[Inbound, ...]

    @property
    def findings(self) -> list[Finding]:
        return [finding for item in self.items for finding in item.findings]

    def count(self, skip: Skip) -> int:
        return sum(item.skipped is skip for item in self.items)


def read_event(event: object) -> Invocation:
    """The items of a Lambda ``event``; never raises for what the event holds."""
    if not isinstance(event, Mapping):
        return Invocation(Source.UNKNOWN, (_skipped(None, "not a JSON object"),))
    records = event.get("Records")
    if isinstance(records, list) and records:
        source = _record_source(records[0])
        if source is Source.SQS:
            return Invocation(source, tuple(_sqs_items(dict(event))))
        if source is Source.SNS:
            return Invocation(source, tuple(_sns_items(dict(event))))
    return Invocation(Source.EVENTBRIDGE, (_from_document(None, event),))


def batch_response(
    invocation: Invocation, outcomes: Sequence[FindingOutcome]
) -> dict[str, Any]:
    """SQS's partial-batch answer: the message ids to hand back for a retry."""
    # Limitation: on a FIFO queue, order would need every message after the first
    # failure of a message group handed back too; this names only the failed ones,
    # so the notifier expects a standard queue (GuardDuty findings carry no order
    # that delivery depends on: a card is upserted from the latest version).
    return {
        "batchItemFailures": [
            {"itemIdentifier": item_id}
            for item_id in failed_items(invocation, outcomes)
        ]
    }


def failed_items(
    invocation: Invocation, outcomes: Sequence[FindingOutcome]
) -> list[str | None]:
    """The items holding a finding no channel accepted (``outcomes`` in the order of
    ``invocation.findings``)."""
    remaining = iter(outcomes)
    failed = []
    for item in invocation.items:
        statuses = [next(remaining).status for _ in item.findings]
        if Status.FAILED in statuses:
            failed.append(item.item_id)
    return failed


def _record_source(record: object) -> Source:
    if not isinstance(record, Mapping):
        return Source.UNKNOWN
    origin = record.get("eventSource") or record.get("EventSource")
    return {"aws:sqs": Source.SQS, "aws:sns": Source.SNS}.get(
        str(origin), Source.UNKNOWN
    )


def _sqs_items(event: dict[str, Any]) -> Iterator[Inbound]:
    for record in SQSEvent(event).records:
        try:
            item_id, body = record.message_id, record.body
        except (KeyError, TypeError, AttributeError):
            yield _malformed(None, "an SQS record without messageId or body")
            continue
        yield _from_body(item_id, body)


def _sns_items(event: dict[str, Any]) -> Iterator[Inbound]:
    for record in SNSEvent(event).records:
        try:
            item_id, body = record.sns.message_id, record.sns.message
        except (KeyError, TypeError, AttributeError):
            yield _malformed(None, "an SNS record without Sns.MessageId or Message")
            continue
        yield _from_body(item_id, body)


def _malformed(item_id: str | None, what: str) -> Inbound:
    log.error("record %s skipped: %s (%s)", item_id, Skip.MALFORMED, what)
    return Inbound(item_id, skipped=Skip.MALFORMED)


def _from_body(item_id: str | None, body: str) -> Inbound:
    try:
        document = json.loads(body)
    except (TypeError, ValueError, RecursionError):
        log.error(
            "record %s skipped: %s (%d characters)",
            item_id,
            Skip.MALFORMED,
            len(body) if isinstance(body, str) else 0,
        )
        return Inbound(item_id, skipped=Skip.MALFORMED)
    return _from_document(item_id, _unwrapped(document))


def _unwrapped(document: object) -> object:
    """The event inside an SNS notification that reached SQS without raw delivery."""
    if (
        isinstance(document, Mapping)
        and document.get("Type") == "Notification"
        and isinstance(document.get("Message"), str)
    ):
        try:
            return json.loads(document["Message"])
        except (ValueError, RecursionError):
            return document
    return document


def _from_document(item_id: str | None, document: object) -> Inbound:
    try:
        return Inbound(item_id, tuple(read_findings(document)))
    except NotAFinding as error:
        return _skipped(item_id, str(error))
    except RecursionError:
        return _malformed(item_id, "nested too deeply")


def _skipped(item_id: str | None, reason: str) -> Inbound:
    log.info("record %s skipped: %s", item_id, reason)
    return Inbound(item_id, skipped=Skip.NOT_A_FINDING)
