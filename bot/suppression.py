"""What "suppress similar" means for a finding: a GuardDuty ARCHIVE filter.

Similar findings are those of the same type, in the same account, on the same
resource, named by the criterion that identifies it (instance id, access key,
bucket, cluster, function, database). Every criterion used is one CreateFilter
accepts. The filter's name is derived from what it matches, so a double submit, or
the same suppression asked from two cards, makes one filter.
"""

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from notifier.finding import Finding
from notifier.resources import Criterion, identifying_criterion
from notifier.text import clean

NAME_PREFIX = "chatops-"


@dataclass(frozen=True)
class Suppression:
    """One suppression rule, ready for CreateFilter.

    Attributes:
        name: the filter name, 3-64 characters of ``[A-Za-z0-9._-]``.
        criteria: criterion field -> the values it equals.
        resource: what the rule names, e.g. "instance", for people.
        values: the resource's identifiers (finding text: escape to show).
    """

    name: str
    description: str
    criteria: Mapping[str, tuple[str, ...]]
    resource: str
    values: tuple[str, ...]


# Limitation: the filter is created in the finding's Region only (filters are
# regional); similar findings in other Regions need a rule there too.
def suppression_for(finding: Finding) -> Suppression | None:
    """The rule that suppresses findings like ``finding``; None when no resource
    identifies it (an attack sequence, say), since a rule on the type alone would
    silence it everywhere."""
    criterion = identifying_criterion(finding)
    return _suppression(finding, criterion) if criterion else None


def _suppression(finding: Finding, criterion: Criterion) -> Suppression:
    field, label, values = criterion.field, criterion.label, criterion.values
    account = finding.account_id or ""
    criteria = {"type": (finding.type,), "accountId": (account,), field: values}
    identity = [finding.partition, finding.region, finding.type, account, field, values]
    digest = hashlib.sha256(json.dumps(identity).encode("utf-8")).hexdigest()
    description = clean(
        f"Archives {finding.type} findings in account {account} for {label} "
        f"{', '.join(values)}. Created from Google Chat.",
        limit=512,
    )[:512]
    return Suppression(
        name=NAME_PREFIX + digest[:32],
        description=description,
        criteria=criteria,
        resource=label,
        values=values,
    )
