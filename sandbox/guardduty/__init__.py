"""A local stand-in for Amazon GuardDuty that speaks its REST-JSON protocol.

boto3 works against it unchanged with `endpoint_url`; see `GuardDutyStandIn`.
"""

from sandbox.guardduty.errors import GuardDutyError
from sandbox.guardduty.events import Event, finding_event, finding_of
from sandbox.guardduty.findings import Finding, detector_id
from sandbox.guardduty.standin import ADMINISTRATOR, MEMBER, GuardDutyStandIn
from sandbox.guardduty.store import Feedback, Filter

__all__ = [
    "ADMINISTRATOR",
    "MEMBER",
    "Event",
    "Feedback",
    "Filter",
    "Finding",
    "GuardDutyError",
    "GuardDutyStandIn",
    "detector_id",
    "finding_event",
    "finding_of",
]
