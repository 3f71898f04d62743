"""The names a finding's Chat messages go by, derived from the finding alone.

No database is needed to find a finding's card again: its message id is a hash of
what identifies the finding, so a repeat, an update or a Lambda retry addresses the
same card, and its thread key is a hash of what it is about, so related cards
share a thread.
"""

import hashlib
from collections.abc import Iterable, Sequence

from notifier.errors import DeliveryError
from notifier.finding import Finding
from notifier.resources import resource_facts

# Chat's client-assigned ids: "client-", then at most 56 more lowercase letters,
# digits and hyphens (63 in all).
MESSAGE_PREFIX = "client-"
DIGEST_PREFIX = "client-digest-"
REPLY_PREFIX = "client-rise-"
THREAD_PREFIX = "guardduty-"
HASH_CHARS = 40


def finding_key(finding: Finding) -> str:
    """``partition/account/region/id``: what identifies a finding everywhere.

    Raises:
        DeliveryError: the finding has no id (not retryable: it never will).
    """
    if not finding.id:
        raise DeliveryError("the finding has no id to address its card by")
    parts = (finding.partition, finding.account_id, finding.region, finding.id)
    return "/".join(part or "-" for part in parts)


def message_id(finding: Finding) -> str:
    """The client-assigned id of the finding's card (the same for every update)."""
    return MESSAGE_PREFIX + _digest([finding_key(finding)])


def thread_key(finding: Finding) -> str:
    """The thread the finding's card opens or joins.

    Findings of the same type about the same resource, in the same account and
    Region, share a thread: e.g. every SSH brute-force finding against one
    instance, or every exfiltration finding on one bucket. The resource is named
    by the first fact of its resource type's details (instance id, access key,
    bucket names, cluster name...); a finding without details groups by type and
    resource type alone.
    """
    facts = resource_facts(finding)
    resource = f"{facts[0].label}={facts[0].value}" if facts else ""
    parts = (
        finding.partition,
        finding.account_id or "-",
        finding.region or "-",
        finding.type,
        finding.resource_type or "-",
        resource,
    )
    return THREAD_PREFIX + _digest(parts)


def reply_id(finding: Finding) -> str:
    """The id of the severity reply for this version of the finding, so a retry
    does not post the reply twice."""
    return REPLY_PREFIX + _digest([finding_key(finding), finding.version])


def digest_id(findings: Sequence[Finding]) -> str:
    """The id of the digest of exactly these findings in these versions, so a
    retried batch finds its digest instead of posting another."""
    entries = sorted(f"{finding_key(f)}@{f.version}" for f in findings)
    return DIGEST_PREFIX + _digest(entries)


def request_id(finding: Finding) -> str:
    """A ``requestId`` for this version of the finding (webhook posts)."""
    return "guardduty-" + _digest([finding_key(finding), finding.version])


def _digest(parts: Iterable[str]) -> str:
    # surrogatepass: a lone surrogate in a finding's text still hashes, stably.
    joined = "\n".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.sha256(joined).hexdigest()[:HASH_CHARS]
