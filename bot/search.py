"""``/gd-findings [filters]``: the most severe findings that match, as a list card.

Each Region runs ListFindings with the filters as FindingCriteria, most severe
first, one page of ``limit`` ids (per 50 resolved type names), then GetFindings
for them in batches of 50. The Regions' findings are merged, ranked by severity
then by when GuardDuty last updated them, and the top ``limit`` are shown.

The list is private to the person who asked: it is their query, and findings
go stale in a list nobody edits. Its buttons open a finding's own card for the
space, or act on it through the card actions (permissions and audit included).
"""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.commands import CommandContext
from bot.criteria import finding_criteria, region_criteria
from bot.events import ChatEvent
from bot.listing import Listing, findings_list_message
from bot.query import Query
from bot.regions import Swept, problem_lines
from bot.responses import Answer, NewMessage, Notice
from notifier.budget import Budget
from notifier.errors import NotAFinding
from notifier.finding import Finding
from notifier.jsonview import JsonView

logger = logging.getLogger(__name__)

BATCH = 50  # GetFindings takes at most 50 ids
SORT = {"AttributeName": "severity", "OrderBy": "DESC"}


@dataclass(frozen=True)
class RegionFindings:
    """One Region's share of a search.

    Attributes:
        more: GuardDuty has more matches there than were fetched.
        partial: the Region's answer may miss findings that match (time ran
            out, or a type pattern was matched against part of its types).
    """

    findings: tuple[Finding, ...] = ()
    more: bool = False
    partial: bool = False


class FindingSearch:
    """Answers ``/gd-findings``."""

    def __init__(self, context: CommandContext) -> None:
        self._context = context

    def answer(self, event: ChatEvent) -> Answer:
        request = self._context.filtered(event, "/gd-findings")
        if isinstance(request, Notice):
            return request
        query, regions = request.query, request.regions
        budget = self._context.budget()
        now = self._context.now()
        calls = self._context.calls(budget)
        swept = self._context.sweep.run(
            regions, lambda region: self._search(region, query, now, calls), budget
        )
        listing = _listing(query, regions, swept)
        logger.info(
            "/gd-findings by %s: %d findings shown from %d Regions, %d problems",
            event.user.name,
            len(listing.findings),
            len(swept.results),
            len(swept.problems),
        )
        message = findings_list_message(listing, self._context.cards)
        return NewMessage(message, private=True)

    def _search(
        self, region: str, query: Query, now: datetime, budget: Budget
    ) -> RegionFindings:
        resolved = region_criteria(self._context.guardduty, region, query, now)
        ids, more, listed = self._list(region, resolved.criteria, query.limit, budget)
        findings, fetched = self._get(region, ids, budget)
        partial = resolved.partial or not listed or not fetched
        return RegionFindings(tuple(findings), more, partial)

    def _list(
        self,
        region: str,
        criteria: Sequence[Mapping[str, Any]],
        limit: int,
        budget: Budget,
    ) -> tuple[list[str], bool, bool]:
        """The ids of the most severe findings, whether GuardDuty has more, and
        whether every list call was made in time."""
        ids: list[str] = []
        more = False
        for criterion in criteria:
            if budget.expired():
                return ids, more, False
            page = JsonView(
                self._context.guardduty.call(
                    region,
                    "list_findings",
                    **finding_criteria(criterion),
                    SortCriteria=SORT,
                    MaxResults=limit,
                )
            )
            ids.extend(page.at("FindingIds").texts())
            more = more or bool(page.at("NextToken").text())
        return list(dict.fromkeys(ids)), more, True

    def _get(
        self, region: str, ids: list[str], budget: Budget
    ) -> tuple[list[Finding], bool]:
        """The findings, 50 to a call, and whether every call was made in time."""
        findings: list[Finding] = []
        for start in range(0, len(ids), BATCH):
            if budget.expired():
                return findings, False
            response = self._context.guardduty.call(
                region, "get_findings", FindingIds=ids[start : start + BATCH]
            )
            findings.extend(_findings(response))
        return findings, True


def _listing(
    query: Query, regions: tuple[str, ...], swept: Swept[RegionFindings]
) -> Listing:
    """The top findings of every Region that answered, and what is missing."""
    ranked = rank([f for result in swept.results.values() for f in result.findings])
    more = any(result.more for result in swept.results.values())
    notes = problem_lines(swept.problems) + [
        f"{region}: some matching findings may be missing"
        for region, result in swept.results.items()
        if result.partial
    ]
    return Listing(
        findings=tuple(ranked[: query.limit]),
        filters=query.describe(),
        regions=regions,
        more=more or len(ranked) > query.limit,
        notes=tuple(notes),
    )


def rank(findings: list[Finding]) -> list[Finding]:
    """Most severe first; among equals, the most recently updated first."""

    def key(finding: Finding) -> tuple[float, float]:
        updated = finding.updated_at
        return (finding.severity or 0.0, updated.timestamp() if updated else 0.0)

    # Limitation: each Region returns its top `limit` by severity alone, so
    # among findings of the same severity at the cut, GuardDuty's order rather
    # than recency decides which are fetched; the merged list is then ranked
    # by recency within each severity.
    return sorted(findings, key=key, reverse=True)


def _findings(response: object) -> list[Finding]:
    found = []
    for item in JsonView(response).at("Findings").items():
        try:
            found.append(Finding.from_document(item.raw))
        except NotAFinding:
            logger.warning("GetFindings returned something that is not a finding")
    return found
