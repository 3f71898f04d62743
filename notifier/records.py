"""Delivery records: e-mail and SNS once per finding version, where configured.

Chat cards are idempotent by themselves (a client-assigned message id). E-mail and SNS
are not: without a record, Lambda's retry of an event sends them again. With
``delivery.records_table`` set, each e-mail or SNS delivery of a finding version is
claimed in DynamoDB with a conditional put before it is sent, marked sent after, and
released when sending fails, so a retry finds it and does not send it twice.

Table: partition key ``finding`` (S, the finding's ARN or id), sort key ``delivery``
(S, ``VERSION CHANNEL``); ``expires_at`` (N, epoch seconds) suits a TTL setting.
"""

import enum
import logging
import time
from collections.abc import Callable
from typing import Any

from notifier.aws import AwsClients
from notifier.budget import Budget
from notifier.errors import DeliveryError
from notifier.finding import Finding
from notifier.settings import Channel

log = logging.getLogger(__name__)

KEEP_SECONDS = 30 * 24 * 3600
# A claim outlives the invocation that made it by this much, then a retry may take it.
LEASE_MARGIN_SECONDS = 60.0


class Claim(enum.Enum):
    """What a claim on one delivery found."""

    CLAIMED = "claimed"
    ALREADY_SENT = "already sent"
    IN_PROGRESS = "in progress elsewhere"


class DeliveryRecords:
    """Claims, confirms and releases deliveries in one DynamoDB table."""

    def __init__(
        self,
        table: str,
        clients: AwsClients,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.table = table
        self._clients = clients
        self._clock = clock

    def claim(self, finding: Finding, channel: Channel, budget: Budget) -> Claim:
        """Claims the delivery of this finding version on ``channel``.

        The claim lasts as long as ``budget`` plus a margin: a crashed invocation's
        claim lapses, and the retry of its event may send.

        Raises:
            DeliveryError: DynamoDB could not be asked (retryable).
        """
        from botocore.exceptions import ClientError

        now = self._clock()
        item = {
            **_key(finding, channel),
            "state": {"S": "claimed"},
            "lease_until": {
                "N": _number(now + budget.remaining() + LEASE_MARGIN_SECONDS)
            },
            "expires_at": {"N": _number(now + KEEP_SECONDS)},
        }
        try:
            self._call(
                "put_item",
                Item=item,
                ConditionExpression=(
                    "attribute_not_exists(#f) OR (#s = :claimed AND #l < :now)"
                ),
                ExpressionAttributeNames={
                    "#f": "finding",
                    "#s": "state",
                    "#l": "lease_until",
                },
                ExpressionAttributeValues={
                    ":claimed": {"S": "claimed"},
                    ":now": {"N": _number(now)},
                },
            )
        except ClientError as error:
            if _code(error) != "ConditionalCheckFailedException":
                raise _failure("claim", error) from error
            return self._existing(finding, channel)
        return Claim.CLAIMED

    def confirm(self, finding: Finding, channel: Channel) -> None:
        """Marks a claimed delivery as sent (raises DeliveryError on failure)."""
        from botocore.exceptions import ClientError

        try:
            self._call(
                "update_item",
                Key=_key(finding, channel),
                UpdateExpression="SET #s = :sent REMOVE lease_until",
                ExpressionAttributeNames={"#s": "state"},
                ExpressionAttributeValues={":sent": {"S": "sent"}},
            )
        except ClientError as error:
            raise _failure("confirm", error) from error

    def release(self, finding: Finding, channel: Channel) -> None:
        """Drops a claim whose sending failed, so a retry may send. Never raises."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._call(
                "delete_item",
                Key=_key(finding, channel),
                ConditionExpression="#s = :claimed",
                ExpressionAttributeNames={"#s": "state"},
                ExpressionAttributeValues={":claimed": {"S": "claimed"}},
            )
        except (BotoCoreError, ClientError) as error:
            # The claim then lapses with its lease; the retry waits for that.
            log.warning(
                "could not release the %s claim on finding %s: %s",
                channel,
                finding.id,
                type(error).__name__,
            )

    def _existing(self, finding: Finding, channel: Channel) -> Claim:
        from botocore.exceptions import ClientError

        try:
            answer = self._call(
                "get_item", Key=_key(finding, channel), ConsistentRead=True
            )
        except ClientError as error:
            raise _failure("read", error) from error
        state = answer.get("Item", {}).get("state", {}).get("S")
        return Claim.ALREADY_SENT if state == "sent" else Claim.IN_PROGRESS

    def _call(self, operation: str, **parameters: Any) -> Any:
        from botocore.exceptions import BotoCoreError

        client = self._clients.client("dynamodb")
        try:
            return getattr(client, operation)(TableName=self.table, **parameters)
        except BotoCoreError as error:
            raise DeliveryError(
                f"delivery records: {type(error).__name__}", retryable=True
            ) from error


def _key(finding: Finding, channel: Channel) -> dict[str, dict[str, str]]:
    return {
        "finding": {"S": finding.arn or finding.id},
        "delivery": {"S": f"{finding.version} {channel}"},
    }


def _number(value: float) -> str:
    return str(int(value))


def _code(error: Any) -> str:
    return str(error.response.get("Error", {}).get("Code", "error"))


def _failure(step: str, error: Any) -> DeliveryError:
    return DeliveryError(f"delivery records: {step}: {_code(error)}", retryable=True)
