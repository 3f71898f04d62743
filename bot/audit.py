"""The audit trail: one structured log line for every action someone asked for.

The line names who (Chat user and e-mail), what, which finding (id, account,
Region) and how it ended; never tokens, request bodies or message text. It is
logged by the ``bot.audit`` logger as a JSON object, also handed to log handlers as
``record.audit``, so Cloud Logging and CloudWatch can index its fields.
"""

import json
import logging
from dataclasses import asdict, dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuditEntry:
    """What happened to one request for an action.

    Attributes:
        outcome: ``ok``, ``refused``, ``dialog``, or why it failed
            (``timeout``, ``member-detector``, ``not-found``...).
        detail: the filter created, or the channels that failed.
    """

    user: str
    email: str | None
    action: str
    finding_id: str | None
    account: str | None
    region: str | None
    outcome: str
    envelope: str
    detail: str | None = None


def record(entry: AuditEntry) -> None:
    """Writes ``entry`` as one line."""
    fields = {key: value for key, value in asdict(entry).items() if value is not None}
    logger.info("audit %s", json.dumps(fields, sort_keys=True), extra={"audit": fields})
