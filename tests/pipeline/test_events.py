"""Reading Lambda events: what becomes findings, what is skipped and why."""

import json
from typing import Any

import pytest

from notifier.events import Skip, Source, batch_response, read_event
from notifier.outcome import FindingOutcome, Status
from tests.notifier.test_finding import eventbridge
from tests.pipeline.conftest import finding
from tests.pipeline.test_handler import NOT_A_FINDING, sns_event, sqs_record


@pytest.mark.parametrize(
    ("event", "source", "skipped"),
    [
        ([], Source.UNKNOWN, Skip.NOT_A_FINDING),
        ("text", Source.UNKNOWN, Skip.NOT_A_FINDING),
        ({}, Source.EVENTBRIDGE, Skip.NOT_A_FINDING),
        ({"Records": []}, Source.EVENTBRIDGE, Skip.NOT_A_FINDING),
        (NOT_A_FINDING, Source.EVENTBRIDGE, Skip.NOT_A_FINDING),
        (sns_event("not json"), Source.SNS, Skip.MALFORMED),
        ({"Records": [sqs_record("m", "[1,")]}, Source.SQS, Skip.MALFORMED),
        (
            {"Records": [sqs_record("m", "[" * 100_000 + "]" * 100_000)]},
            Source.SQS,
            Skip.MALFORMED,
        ),
        (
            {"Records": [{"eventSource": "aws:sqs", "messageId": "m"}]},
            Source.SQS,
            Skip.MALFORMED,
        ),
        (
            {"Records": [{"EventSource": "aws:sns", "Sns": {"Type": "Notification"}}]},
            Source.SNS,
            Skip.MALFORMED,
        ),
    ],
)
def test_events_without_a_finding_are_skipped_with_the_reason(
    event: Any, source: Source, skipped: Skip
) -> None:
    invocation = read_event(event)

    assert invocation.source is source
    assert [item.skipped for item in invocation.items] == [skipped]
    assert invocation.findings == []


def test_each_sqs_message_keeps_its_id_and_its_findings() -> None:
    bodies = [json.dumps(eventbridge(dict(finding(n).document))) for n in (1, 2)]
    event = {"Records": [sqs_record(f"m{n}", body) for n, body in enumerate(bodies)]}

    invocation = read_event(event)

    assert [item.item_id for item in invocation.items] == ["m0", "m1"]
    assert [f.id for f in invocation.findings] == [finding(1).id, finding(2).id]


def test_the_batch_response_names_messages_with_a_failed_finding() -> None:
    bodies = [json.dumps(eventbridge(dict(finding(n).document))) for n in (1, 2)]
    records = [sqs_record(f"m{n}", body) for n, body in enumerate(bodies)]
    invocation = read_event({"Records": [*records, sqs_record("x", "{")]})
    outcomes = [
        FindingOutcome(finding(1).id, "v", "r", (), Status.DONE),
        FindingOutcome(finding(2).id, "v", "r", (), Status.FAILED),
    ]

    assert batch_response(invocation, outcomes) == {
        "batchItemFailures": [{"itemIdentifier": "m1"}]
    }


def test_a_poisoned_record_costs_only_itself() -> None:
    good = json.dumps(eventbridge(dict(finding(1).document)))
    event = {
        "Records": [
            sqs_record("good", good),
            sqs_record("nested", "[" * 100_000 + "]" * 100_000),
            {"eventSource": "aws:sqs", "messageId": "no-body"},
        ]
    }

    invocation = read_event(event)

    assert [f.id for f in invocation.findings] == [finding(1).id]
    assert [item.skipped for item in invocation.items] == [
        None,
        Skip.MALFORMED,
        Skip.MALFORMED,
    ]
