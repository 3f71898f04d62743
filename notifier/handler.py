"""The Lambda entry point: an EventBridge event, an SQS batch or an SNS notification
in; findings delivered; SQS's partial-batch answer (or an error to retry) out.

Settings are read once per container, on the first invocation; secrets on first use.
Logs are JSON lines (Powertools Logger) and counts are CloudWatch EMF metrics
(Powertools Metrics). Nothing logs the event, a token or a message body.
"""

import functools
import logging
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from notifier import config
from notifier.aws import AwsClients
from notifier.budget import Budget
from notifier.channels import Channels, open_channels
from notifier.delivery import deliver
from notifier.errors import DeliveryError
from notifier.events import Invocation, Skip, Source, batch_response, read_event
from notifier.outcome import FindingOutcome, Status, tally
from notifier.secrets import SecretStore
from notifier.settings import Settings

SERVICE = "guardduty-chatops"
NAMESPACE = "GuardDutyChatOps"
# Seconds kept back from Lambda's deadline to answer and flush metrics.
MARGIN_SECONDS = 2.0

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)


@dataclass(frozen=True)
class Runtime:
    """What a warm container keeps between invocations."""

    settings: Settings
    channels: Channels


@functools.cache
def runtime() -> Runtime:
    """Settings and senders, built on the first invocation of this container."""
    logging.getLogger("notifier")
    copy_config_to_registered_loggers(source_logger=logger, include={"notifier"})
    settings = config.load()
    clients = AwsClients(settings.aws)
    return Runtime(settings, open_channels(settings, SecretStore(clients), clients))


@metrics.log_metrics
@logger.inject_lambda_context(log_event=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Delivers the findings in ``event``.

    Returns:
        For SQS, ``{"batchItemFailures": [...]}`` naming each message that holds a
        finding no channel accepted; otherwise a count of what happened.

    Raises:
        DeliveryError: an EventBridge or SNS event held a finding no channel
            accepted; Lambda's own retry of the event then tries again.
    """
    current = runtime()
    invocation = read_event(event)
    seconds = context.get_remaining_time_in_millis() / 1000 - MARGIN_SECONDS
    outcomes = deliver(
        invocation.findings,
        Budget.of(max(seconds, 0.0)),
        current.settings,
        current.channels,
    )
    _measure(invocation, outcomes)
    if invocation.source is Source.SQS:
        return batch_response(invocation, outcomes)
    return _answer(outcomes)


def _answer(outcomes: tuple[FindingOutcome, ...]) -> dict[str, Any]:
    failed = [o.finding_id for o in outcomes if o.status is Status.FAILED]
    if failed:
        raise DeliveryError(
            f"{len(failed)} finding(s) not delivered: {', '.join(failed[:10])}",
            retryable=True,
        )
    return {"findings": len(outcomes), **{str(s): _count(outcomes, s) for s in Status}}


def _count(outcomes: tuple[FindingOutcome, ...], status: Status) -> int:
    return sum(outcome.status is status for outcome in outcomes)


def _measure(invocation: Invocation, outcomes: tuple[FindingOutcome, ...]) -> None:
    counts = tally(outcomes)
    counts["NotAFinding"] = invocation.count(Skip.NOT_A_FINDING)
    counts["Malformed"] = invocation.count(Skip.MALFORMED)
    for name, value in sorted(counts.items()):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
