"""The FindingCriteria a search runs in one Region, type patterns resolved.

ListFindings and GetFindingsStatistics take no wildcard (``matches`` works in
CreateFilter only), so ``type:Recon*`` cannot be sent as it is. Instead the
Region's own finding types are counted first (GetFindingsStatistics grouped by
FINDING_TYPE, with every other filter applied), the names that start with the
pattern are kept, and the search asks for those names exactly, at most 50 to an
``Equals`` condition.
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.guardduty import GuardDuty
from bot.query import MAX_VALUES, Query
from notifier.jsonview import JsonView

logger = logging.getLogger(__name__)

# GetFindingsStatistics returns at most 100 groups and cannot be paged.
TYPE_GROUPS = 100


@dataclass(frozen=True)
class RegionCriteria:
    """The FindingCriteria to run in a Region: one, or one per 50 type names.

    Attributes:
        criteria: no criteria at all when no type there fits the patterns.
        partial: the Region has more types than one statistics answer lists,
            so types of rare findings may be missing.
    """

    criteria: tuple[Mapping[str, Any], ...]
    partial: bool = False


def region_criteria(
    guardduty: GuardDuty, region: str, query: Query, now: datetime
) -> RegionCriteria:
    """The criteria that find what ``query`` asks for in ``region``.

    Raises:
        GuardDutyFailure: the statistics call for type patterns failed.
    """
    if not query.type_prefixes:
        return RegionCriteria((query.criteria(now),))
    # Limitation: only the 100 finding types with the most findings in a Region
    # are matched against a type pattern (GetFindingsStatistics has no paging);
    # a rarer type beyond them is missed, and the answer says so.
    response = guardduty.call(
        region,
        "get_findings_statistics",
        **finding_criteria(query.criteria(now)),
        GroupBy="FINDING_TYPE",
        OrderBy="DESC",
        MaxResults=TYPE_GROUPS,
    )
    groups = JsonView(response).at("FindingStatistics", "GroupedByFindingType")
    seen = [group.at("FindingType").text() or "" for group in groups.items()]
    names = list(
        dict.fromkeys(
            [*(name for name in seen if query.matches_type(name)), *query.types]
        )
    )
    logger.info(
        "type patterns match %d of %d finding types in %s",
        len(names),
        len(seen),
        region,
    )
    chunks = [names[i : i + MAX_VALUES] for i in range(0, len(names), MAX_VALUES)]
    return RegionCriteria(
        tuple(query.criteria(now, types=chunk) for chunk in chunks),
        partial=len(seen) >= TYPE_GROUPS,
    )


def finding_criteria(criteria: Mapping[str, Any]) -> dict[str, Any]:
    """``FindingCriteria=`` for a call, left out when it holds no condition."""
    return {"FindingCriteria": criteria} if criteria.get("Criterion") else {}
