"""The EventBridge rule and SQS queue between GuardDuty and the notifier, in-process.

In AWS, GuardDuty's "GuardDuty Finding" events match an EventBridge rule whose
target is an SQS queue, and Lambda hands the queue's messages to
`notifier.handler.lambda_handler` in batches. `FindingsQueue` does the same for
the local GuardDuty: each event becomes one SQS message (the event as its body),
and the real handler is called with an SQS batch and a Lambda context that
counts down from the function's timeout, so delivery runs exactly as deployed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from notifier import handler

logger = logging.getLogger(__name__)

FUNCTION_NAME = "guardduty-chatops-notifier"
QUEUE_NAME = "guardduty-chatops-findings"
ACCOUNT = "111122223333"
REGION = "us-east-1"
# The notifier function's timeout in infra/template.yaml (NotifierTimeoutSeconds).
TIMEOUT_SECONDS = 60.0

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


@dataclass(frozen=True)
class LambdaContext:
    """The part of Lambda's context object the handler and Powertools read."""

    aws_request_id: str
    deadline: float
    function_name: str = FUNCTION_NAME
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = (
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION_NAME}"
    )

    @classmethod
    def starting_now(cls, timeout: float) -> LambdaContext:
        return cls(str(uuid.uuid4()), time.monotonic() + timeout)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


@dataclass(frozen=True)
class Delivery:
    """One event's trip through the queue.

    Attributes:
        finding_id: the finding the event carried.
        failed: the handler named the message in `batchItemFailures`, or raised.
    """

    finding_id: str
    failed: bool


class FindingsQueue:
    """Hands each GuardDuty event to the notifier's Lambda handler as SQS would.

    Use an instance as the GuardDuty stand-in's `on_event`.

    Args:
        lambda_handler: the function to invoke; the notifier's by default.
        timeout: the function's timeout in seconds.
    """

    def __init__(
        self,
        lambda_handler: LambdaHandler = handler.lambda_handler,
        *,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self._handler = lambda_handler
        self._timeout = timeout
        self._deliveries: list[Delivery] = []
        self._held: list[Mapping[str, Any]] | None = None
        self._lock = threading.Lock()
        # Held events go out before any that arrive while they are going out.
        self._in_order = threading.Lock()

    # Limitation: every event goes alone, as a batch of one, the moment GuardDuty
    # sends it; the deployed queue gathers events for a batching window, so a
    # burst there can become one digest card. A sandbox burst never does.
    def __call__(self, event: Mapping[str, Any]) -> None:
        """Delivers one EventBridge event through the notifier (or keeps it while
        the queue is held)."""
        with self._lock:
            if self._held is not None:
                self._held.append(event)
                return
        with self._in_order:
            self._deliver(event)

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Keeps events in the queue, as when the notifier is stopped, and
        delivers them in order on leaving."""
        with self._lock:
            self._held = []
        try:
            yield
        finally:
            with self._in_order:
                with self._lock:
                    backlog, self._held = self._held or [], None
                for event in backlog:
                    self._deliver(event)

    def _deliver(self, event: Mapping[str, Any]) -> None:
        finding_id = str(event.get("detail", {}).get("id", "?"))
        batch = sqs_batch([event])
        context = LambdaContext.starting_now(self._timeout)
        try:
            answer = self._handler(batch, context)
            failed = bool(answer.get("batchItemFailures"))
        except Exception:
            logger.exception("the notifier failed on finding %s", finding_id)
            failed = True
        if failed:
            # Limitation: SQS would hand the message back after its visibility
            # timeout and, after the redrive count, move it to the dead-letter
            # queue; the sandbox tries once and only reports it.
            logger.warning("finding %s was not delivered", finding_id)
        else:
            logger.info("finding %s delivered", finding_id)
        with self._lock:
            self._deliveries.append(Delivery(finding_id, failed))

    @property
    def deliveries(self) -> list[Delivery]:
        """Every event handed to the notifier so far, oldest first."""
        with self._lock:
            return list(self._deliveries)


def sqs_batch(events: list[Mapping[str, Any]]) -> dict[str, Any]:
    """The event Lambda's SQS event source sends for messages holding `events`."""
    return {"Records": [_record(event) for event in events]}


def _record(event: Mapping[str, Any]) -> dict[str, Any]:
    message_id = str(uuid.uuid4())
    body = json.dumps(event)
    sent = str(int(time.time() * 1000))
    return {
        "messageId": message_id,
        "receiptHandle": f"sandbox-{message_id}",
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": sent,
            "SenderId": "AIDAEVENTBRIDGE",
            "ApproximateFirstReceiveTimestamp": sent,
        },
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{QUEUE_NAME}",
        "awsRegion": REGION,
    }
