"""SNS: each finding published to a topic, for people and programs to subscribe to.

One publish per finding with ``MessageStructure=json``: programs (SQS, Lambda,
HTTPS) get the finding itself as JSON, e-mail subscribers a readable summary, SMS the
subject line. Message attributes (severity, label, type, account, Region, sample)
let each subscription filter. SNS's limits are kept: a subject of printable ASCII
under 100 characters, and a message of at most 256 KB; a finding too large for that
is sent as a summary with its console link.
"""

import json
import logging
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from notifier import text
from notifier.aws import AwsClients
from notifier.budget import Budget
from notifier.errors import DeliveryError
from notifier.finding import Finding
from notifier.settings import CardSettings
from notifier.summary import Summary, plain_text, summarize

log = logging.getLogger(__name__)

SUBJECT_CHARACTERS = 99
MESSAGE_BYTES = 262_144
# Room for the attributes, the subject and the request around the message.
HEADROOM_BYTES = 4096
ATTRIBUTE_BYTES = 256
SMS_CHARACTERS = 140
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_RETRYABLE = {"Throttled", "ThrottlingException", "InternalError", "KMSThrottling"}


def sns_subject(value: str) -> str:
    """``value`` as a subject SNS accepts: printable ASCII, one line, < 100 chars.

    Accented letters lose their accents (NFKD); other characters (emoji, scripts
    without an ASCII form) are dropped; line breaks and controls become spaces.
    """
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore")
    line = " ".join(_CONTROL.sub(" ", ascii_text.decode("ascii")).split())
    if len(line) > SUBJECT_CHARACTERS:
        line = line[: SUBJECT_CHARACTERS - 3].rstrip() + "..."
    return line or "GuardDuty finding"


def message_attributes(finding: Finding) -> dict[str, dict[str, str]]:
    """Attributes subscribers filter on; absent values are left out."""
    values = {
        "severity_label": finding.severity_label.title,
        "finding_type": finding.type,
        "account": finding.account_id,
        "region": finding.region,
        "sample": "true" if finding.sample else "false",
    }
    attributes = {
        name: {"DataType": "String", "StringValue": _attribute(value)}
        for name, value in values.items()
        if value and _attribute(value)
    }
    if finding.severity is not None:
        attributes["severity"] = {
            "DataType": "Number",
            "StringValue": f"{finding.severity:g}",
        }
    return attributes


def message_body(finding: Finding, summary: Summary, limit: int) -> str:
    """The ``MessageStructure=json`` message, at most ``limit`` UTF-8 bytes."""
    structure = {
        "default": _json({"finding": finding.document, **_identity(finding)}),
        "email": plain_text(summary),
        "sms": text.truncate_bytes(sns_subject(summary.subject), SMS_CHARACTERS),
    }
    body = _json(structure)
    if len(body.encode("utf-8")) <= limit:
        return body

    log.info("finding %s is too large for SNS; publishing a summary", finding.id)
    note = (
        "The finding is too large to publish in full; open it in the GuardDuty console."
    )
    structure["default"] = _json({**_identity(finding), "truncated": True})
    structure["email"] = f"{note}\n\n{_capped(plain_text(summary), limit // 2)}"
    return _json(structure)


class Publisher:
    """Publishes findings to SNS topics, each through a client in its own Region."""

    def __init__(self, clients: AwsClients, cards: CardSettings) -> None:
        self._clients = clients
        self._cards = cards

    def publish_finding(self, topic_arn: str, finding: Finding, budget: Budget) -> str:
        """Publishes ``finding`` to ``topic_arn``; returns SNS's message id.

        Raises:
            DeliveryError: SNS refused it or could not be reached.
        """
        from botocore.exceptions import BotoCoreError, ClientError

        if budget.expired():
            raise DeliveryError("sns: no time left", retryable=True)
        summary = summarize(finding, self._cards)
        attributes = message_attributes(finding)
        limit = MESSAGE_BYTES - HEADROOM_BYTES - _size(attributes)
        client = self._clients.client("sns", topic_region(topic_arn))
        try:
            answer = client.publish(
                TopicArn=topic_arn,
                Subject=sns_subject(summary.subject),
                Message=message_body(finding, summary, limit),
                MessageStructure="json",
                MessageAttributes=attributes,
            )
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", "error"))
            raise DeliveryError(f"sns: {code}", retryable=code in _RETRYABLE) from error
        except BotoCoreError as error:
            raise DeliveryError(
                f"sns: {type(error).__name__}", retryable=True
            ) from error
        return str(answer.get("MessageId", ""))


def topic_region(topic_arn: str) -> str | None:
    """The Region an SNS topic ARN names (its client must be in that Region)."""
    parts = topic_arn.split(":")
    return parts[3] if len(parts) > 5 and parts[3] else None


def _identity(finding: Finding) -> dict[str, Any]:
    return {
        "summary": _summary_line(finding),
        "id": finding.id,
        "arn": finding.arn,
        "type": finding.type,
        "severity": finding.severity,
        "severityLabel": finding.severity_label.title,
        "accountId": finding.account_id,
        "region": finding.region,
        "version": finding.version,
        "consoleUrl": finding.console_url,
    }


def _summary_line(finding: Finding) -> str:
    label = finding.severity_label.title
    return f"GuardDuty {label}: {text.clean(finding.title, limit=400)}"[:400]


def _attribute(value: str) -> str:
    return text.truncate_bytes(
        text.clean(value, limit=ATTRIBUTE_BYTES), ATTRIBUTE_BYTES
    )


def _size(attributes: Mapping[str, Mapping[str, str]]) -> int:
    return sum(
        len(name.encode()) + sum(len(v.encode()) for v in value.values())
        for name, value in attributes.items()
    )


def _json(value: object) -> str:
    # ASCII escapes keep the message valid UTF-8 even when a finding's text holds
    # a lone surrogate; subscribers decode the JSON and see the characters.
    return json.dumps(value, ensure_ascii=True, default=str, separators=(",", ":"))


def _capped(value: str, limit: int) -> str:
    return text.truncate_bytes(value, max(limit, 0))
