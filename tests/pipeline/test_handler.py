"""The Lambda handler: EventBridge, SQS and SNS events in; JSON logs, EMF metrics and
the partial-batch answer out."""

import json
import logging
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from notifier import channels, config, handler
from notifier.chat import ChatApp
from notifier.errors import DeliveryError
from tests.notifier.test_finding import eventbridge
from tests.pipeline.conftest import (
    SMTP_PASSWORD,
    Mailbox,
    closed_port,
    configuration,
    finding,
    published,
    records_table,
    to_toml,
    topic_with_queue,
)
from tests.pipeline.test_delivery import RecordingChat

SECRET_MARK = "do-not-log-this-description"
ROUTE = {"name": "all", "channels": ["chat", "email:security"], "passive": ["sns"]}


@dataclass
class Context:
    """What Lambda passes as ``context`` (the attributes the handler reads)."""

    remaining_ms: int = 60_000
    function_name: str = "guardduty-chatops-notifier"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = (
        "arn:aws:lambda:us-east-1:111122223333:function:guardduty-chatops-notifier"
    )
    aws_request_id: str = "0f6b1e8c-1111-2222-3333-444455556666"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


Invoke = Callable[..., Any]


@pytest.fixture
def lambda_with(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Callable[[dict[str, Any], Any], Invoke]]:
    """A fresh container for a configuration and a Chat client: returns invoke()."""
    package = logging.getLogger("notifier")
    saved = (package.handlers[:], package.propagate, package.level)

    def make(document: dict[str, Any], chat: Any) -> Invoke:
        path = tmp_path / "chatops.toml"
        path.write_text(to_toml(document), encoding="utf-8")
        monkeypatch.setenv("CHATOPS_CONFIG", str(path))
        monkeypatch.setattr(channels, "chat_clients", lambda *_: (chat, None))
        for stream_handler in logging.getLogger(handler.SERVICE).handlers:
            monkeypatch.setattr(stream_handler, "stream", sys.stdout)
        handler.runtime.cache_clear()

        def invoke(event: Any, remaining_ms: int = 60_000) -> Any:
            return handler.lambda_handler(event, Context(remaining_ms))

        return invoke

    yield make
    handler.runtime.cache_clear()
    package.handlers, package.propagate = saved[0], saved[1]
    package.setLevel(saved[2])


def output(capsys: pytest.CaptureFixture[str]) -> tuple[list[dict[str, Any]], str]:
    """The JSON lines on standard output, and the raw text."""
    text = capsys.readouterr().out
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return lines, text


def emf(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """The one EMF blob's metrics, each value summed (Powertools writes lists)."""
    [blob] = [line for line in lines if "_aws" in line]
    [directive] = blob["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "GuardDutyChatOps"
    names = [metric["Name"] for metric in directive["Metrics"]]
    return {
        name: sum(blob[name]) if isinstance(blob[name], list) else blob[name]
        for name in names
    }


def sqs_record(message_id: str, body: str) -> dict[str, Any]:
    return {
        "messageId": message_id,
        "receiptHandle": f"handle-{message_id}",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "md5OfBody": "0",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:111122223333:guardduty-findings",
        "awsRegion": "us-east-1",
    }


def sns_event(message: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": "arn:aws:sns:us-east-1:111122223333:gd:sub",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": "sns-message-1",
                    "TopicArn": "arn:aws:sns:us-east-1:111122223333:gd",
                    "Subject": None,
                    "Message": message,
                    "Timestamp": "2026-12-04T09:35:11.000Z",
                    "MessageAttributes": {},
                },
            }
        ]
    }


NOT_A_FINDING = {
    "version": "0",
    "id": "7bf73129-1428-4cd3-a780-95db273d1602",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "111122223333",
    "region": "us-east-1",
    "detail": {"instance-id": "i-0a1b2c3d4e5f60718", "state": "stopped"},
}


@pytest.fixture
def working(
    aws: None, plain_server: tuple[Mailbox, int], chat_down: ChatApp
) -> tuple[dict[str, Any], Mailbox, str]:
    """Chat down; e-mail and SNS up: (configuration, mailbox, SNS reader queue)."""
    mailbox, port = plain_server
    topic, queue = topic_with_queue()
    return configuration(smtp_port=port, topic=topic, routes=[ROUTE]), mailbox, queue


def unreachable() -> dict[str, Any]:
    return configuration(
        smtp_port=closed_port(),
        topic="arn:aws:sns:us-east-1:111122223333:guardduty-alerts",
        routes=[ROUTE],
        aws={"endpoint_url": f"http://127.0.0.1:{closed_port()}"},
    )


def test_an_eventbridge_event_is_delivered_with_logs_and_metrics(
    working: tuple[dict[str, Any], Mailbox, str],
    chat_down: ChatApp,
    lambda_with: Callable[[dict[str, Any], Any], Invoke],
    capsys: pytest.CaptureFixture[str],
) -> None:
    document, mailbox, queue = working
    invoke = lambda_with(document, chat_down)
    alert = finding(description=SECRET_MARK)

    answer = invoke(eventbridge(dict(alert.document)))

    assert answer == {"findings": 1, "done": 1, "failed": 0, "unrouted": 0}
    assert len(mailbox.messages) == 1
    assert len(published(queue)) == 1
    lines, text = output(capsys)
    [line] = [x for x in lines if x.get("finding_id") == alert.id]
    assert line["level"] == "INFO"
    assert line["route"] == "all"
    assert [c["result"] for c in line["channels"]] == ["failed", "sent", "sent"]
    assert line["function_name"] == "guardduty-chatops-notifier"
    metrics = emf(lines)
    assert (metrics["Delivered"], metrics["Failed"], metrics["FellBack"]) == (1, 0, 1)
    assert (metrics["ChatFailed"], metrics["EmailSent"], metrics["SnsSent"]) == (
        1,
        1,
        1,
    )
    assert SECRET_MARK not in text
    assert SMTP_PASSWORD not in text


def test_an_sqs_batch_fails_only_what_retrying_can_fix(
    working: tuple[dict[str, Any], Mailbox, str],
    chat_down: ChatApp,
    lambda_with: Callable[[dict[str, Any], Any], Invoke],
    capsys: pytest.CaptureFixture[str],
) -> None:
    document, mailbox, _ = working
    invoke = lambda_with(document, chat_down)
    good = eventbridge(dict(finding(1).document))
    event = {
        "Records": [
            sqs_record("msg-good", json.dumps(good)),
            sqs_record("msg-other", json.dumps(NOT_A_FINDING)),
            sqs_record("msg-bad", '{"detail-type": "GuardDuty Finding", '),
        ]
    }

    answer = invoke(event)

    assert answer == {"batchItemFailures": []}
    assert len(mailbox.messages) == 1
    lines, _ = output(capsys)
    skipped = [x["message"] for x in lines if "skipped" in str(x.get("message"))]
    assert len(skipped) == 2
    assert any("msg-other" in m and "EC2 Instance State-change" in m for m in skipped)
    assert any("msg-bad" in m and "malformed JSON" in m for m in skipped)
    metrics = emf(lines)
    assert (metrics["NotAFinding"], metrics["Malformed"], metrics["Delivered"]) == (
        1,
        1,
        1,
    )


def test_an_sqs_record_no_channel_took_is_named_for_retry(
    chat_down: ChatApp,
    lambda_with: Callable[[dict[str, Any], Any], Invoke],
    capsys: pytest.CaptureFixture[str],
) -> None:
    invoke = lambda_with(unreachable(), chat_down)
    event = {
        "Records": [
            sqs_record("msg-lost", json.dumps(eventbridge(dict(finding(1).document)))),
            sqs_record("msg-other", json.dumps(NOT_A_FINDING)),
        ]
    }

    answer = invoke(event)

    assert answer == {"batchItemFailures": [{"itemIdentifier": "msg-lost"}]}
    assert emf(output(capsys)[0])["Failed"] == 1


def test_an_sns_wrapped_event_is_delivered(
    working: tuple[dict[str, Any], Mailbox, str],
    chat_down: ChatApp,
    lambda_with: Callable[[dict[str, Any], Any], Invoke],
) -> None:
    document, mailbox, _ = working
    invoke = lambda_with(document, chat_down)

    answer = invoke(sns_event(json.dumps(eventbridge(dict(finding(3).document)))))

    assert answer["done"] == 1
    assert len(mailbox.messages) == 1


def test_an_sns_notification_inside_sqs_is_unwrapped(
    working: tuple[dict[str, Any], Mailbox, str],
    chat_down: ChatApp,
    lambda_with: Callable[[dict[str, Any], Any], Invoke],
) -> None:
    document, mailbox, _ = working
    invoke = lambda_with(document, chat_down)
    inner = json.dumps(eventbridge(dict(finding(4).document)))
    note = {"Type": "Notification", "MessageId": "n-1", "Message": inner}

    answer = invoke({"Records": [sqs_record("msg-1", json.dumps(note))]})

    assert answer == {"batchItemFailures": []}
    assert len(mailbox.messages) == 1


@pytest.mark.parametrize("wrapped", [False, True])
def test_an_event_no_channel_took_raises_so_lambda_retries_it(
    chat_down: ChatApp,
    lambda_with: Callable[[dict[str, Any], Any], Invoke],
    wrapped: bool,
) -> None:
    invoke = lambda_with(unreachable(), chat_down)
    lost = finding(5)
    event = eventbridge(dict(lost.document))

    with pytest.raises(DeliveryError, match=f"not delivered: {lost.id}"):
        invoke(sns_event(json.dumps(event)) if wrapped else event)


def test_an_event_that_is_not_a_finding_is_skipped_not_failed(
    lambda_with: Callable[[dict[str, Any], Any], Invoke],
) -> None:
    invoke = lambda_with(configuration(), RecordingChat())

    assert invoke(NOT_A_FINDING) == {
        "findings": 0,
        "done": 0,
        "failed": 0,
        "unrouted": 0,
    }


@pytest.mark.parametrize(("with_records", "expected"), [(False, 2), (True, 1)])
def test_lambdas_retry_of_an_event_sends_email_and_sns_again_unless_recorded(
    aws: None,
    plain_server: tuple[Mailbox, int],
    lambda_with: Callable[[dict[str, Any], Any], Invoke],
    with_records: bool,
    expected: int,
) -> None:
    mailbox, port = plain_server
    topic, queue = topic_with_queue()
    route = {"name": "r", "channels": ["chat"], "passive": ["email:security", "sns"]}
    delivery = {"records_table": records_table()} if with_records else {}
    document = configuration(
        smtp_port=port, topic=topic, routes=[route], delivery=delivery
    )
    chat = RecordingChat()
    invoke = lambda_with(document, chat)
    event = eventbridge(dict(finding().document))

    invoke(event)
    invoke(event)

    assert len(chat.budgets) == 2  # the Chat card is an idempotent upsert
    assert len(mailbox.messages) == expected
    assert len(published(queue)) == expected


def test_the_deadline_comes_from_the_context_less_a_margin_and_the_reserve(
    lambda_with: Callable[[dict[str, Any], Any], Invoke],
) -> None:
    chat = RecordingChat()
    invoke = lambda_with(configuration(), chat)

    invoke(eventbridge(dict(finding().document)), remaining_ms=5_000)

    # 5 s less the 2 s margin is 3 s; half of it is kept for the fallbacks.
    assert 1.0 < chat.budgets[0] <= 1.5


def test_settings_are_read_once_per_container(
    lambda_with: Callable[[dict[str, Any], Any], Invoke],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    invoke = lambda_with(configuration(), RecordingChat())
    reads: list[object] = []
    original = config.load

    def counted(path: Any = None) -> Any:
        reads.append(path)
        return original(path)

    monkeypatch.setattr(config, "load", counted)

    invoke(eventbridge(dict(finding(1).document)))
    invoke(eventbridge(dict(finding(2).document)))

    assert len(reads) == 1
