"""``/gd-stats [filters]``: how many findings, by severity, type, account and resource.

Each Region answers four GetFindingsStatistics calls, grouped by SEVERITY,
FINDING_TYPE, ACCOUNT and RESOURCE, largest groups first, with the filters as
FindingCriteria; GuardDuty groups every one of them, so nothing is counted
client-side. The Regions' counts are added up; severities fall into GuardDuty's
Critical, High, Medium and Low bands.

The card is private to the person who asked, like a search: it is their query.
"""

import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from bot.commands import CommandContext
from bot.criteria import finding_criteria, region_criteria
from bot.events import ChatEvent
from bot.query import Query
from bot.regions import problem_lines
from bot.responses import Answer, NewMessage, Notice
from notifier import text, widgets
from notifier.budget import Budget
from notifier.jsonview import JsonView
from notifier.settings import CardSettings
from notifier.severity import Severity

logger = logging.getLogger(__name__)

CARD_ID = "statistics"
# Groups asked of each Region: the most GuardDuty returns, so the merged top
# few are right unless a key is outside some Region's top 100.
GROUPS = 100
TOP = 5
Resource = tuple[str, str, str]  # (resource type, resource id, account)


@dataclass(frozen=True)
class Counts:
    """Findings counted in one Region, or added up over several.

    Attributes:
        partial: some findings may not be counted (time ran out, or more
            groups than one answer holds).
    """

    severities: Counter[Severity] = field(default_factory=Counter)
    types: Counter[str] = field(default_factory=Counter)
    accounts: Counter[str] = field(default_factory=Counter)
    resources: Counter[Resource] = field(default_factory=Counter)
    partial: bool = False

    @classmethod
    def added(cls, parts: Iterable["Counts"]) -> "Counts":
        total = cls()
        for part in parts:
            total.severities.update(part.severities)
            total.types.update(part.types)
            total.accounts.update(part.accounts)
            total.resources.update(part.resources)
        return total

    @property
    def total(self) -> int:
        return sum(self.severities.values())


class FindingStatistics:
    """Answers ``/gd-stats``."""

    def __init__(self, context: CommandContext) -> None:
        self._context = context

    def answer(self, event: ChatEvent) -> Answer:
        request = self._context.filtered(event, "/gd-stats", limit=False)
        if isinstance(request, Notice):
            return request
        query, regions = request.query, request.regions
        budget = self._context.budget()
        now = self._context.now()
        calls = self._context.calls(budget)
        swept = self._context.sweep.run(
            regions, lambda region: self._count(region, query, now, calls), budget
        )
        counts = Counts.added(swept.results.values())
        notes = problem_lines(swept.problems) + [
            f"{region}: some findings may not be counted"
            for region, result in swept.results.items()
            if result.partial
        ]
        logger.info(
            "/gd-stats by %s: %d findings in %d Regions, %d problems",
            event.user.name,
            counts.total,
            len(swept.results),
            len(swept.problems),
        )
        message = statistics_message(
            counts, self._context.cards, query.describe(), regions, notes
        )
        return NewMessage(message, private=True)

    def _count(
        self, region: str, query: Query, now: datetime, budget: Budget
    ) -> Counts:
        guardduty = self._context.guardduty
        resolved = region_criteria(guardduty, region, query, now)
        counts = Counts()
        partial = resolved.partial
        for group in ("SEVERITY", "FINDING_TYPE", "ACCOUNT", "RESOURCE"):
            for criteria in resolved.criteria:
                if budget.expired():
                    return replace(counts, partial=True)
                response = guardduty.call(
                    region,
                    "get_findings_statistics",
                    **finding_criteria(criteria),
                    GroupBy=group,
                    OrderBy="DESC",
                    MaxResults=GROUPS,
                )
                statistics = JsonView(response).at("FindingStatistics")
                partial = _read(group, statistics, counts) or partial
        return replace(counts, partial=partial)


def _read(group: str, statistics: JsonView, counts: Counts) -> bool:
    """Adds one statistics answer to ``counts``; True when it may be cut short."""
    if group == "SEVERITY":
        rows = list(statistics.at("GroupedBySeverity").items())
        for row in rows:
            counts.severities[Severity.of(row.at("Severity").number())] += _total(row)
        # More distinct scores than one answer holds: some findings are missed.
        return len(rows) >= GROUPS
    if group == "FINDING_TYPE":
        for row in statistics.at("GroupedByFindingType").items():
            counts.types[row.at("FindingType").text() or "unknown"] += _total(row)
    elif group == "ACCOUNT":
        for row in statistics.at("GroupedByAccount").items():
            counts.accounts[row.at("AccountId").text() or "unknown"] += _total(row)
    else:
        for row in statistics.at("GroupedByResource").items():
            resource = (
                row.at("ResourceType").text() or "Unknown",
                row.at("ResourceId").text() or "unknown",
                row.at("AccountId").text() or "unknown",
            )
            counts.resources[resource] += _total(row)
    return False


def _total(row: JsonView) -> int:
    number = row.at("TotalFindings").number()
    return int(number) if number is not None and number > 0 else 0


def statistics_message(
    counts: Counts,
    cards: CardSettings,
    filters: str,
    regions: tuple[str, ...],
    notes: list[str],
) -> dict[str, Any]:
    """The counts as a card message."""
    total = counts.total
    title = f"GuardDuty: {total} finding{'s' if total != 1 else ''}"
    sections = [widgets.section(_severity_rows(counts), "By severity")]
    tops = (
        ("Top finding types", _type_rows(counts.types)),
        ("Top accounts", _account_rows(counts.accounts, cards)),
        ("Top resources", _resource_rows(counts.resources, cards)),
    )
    sections.extend(widgets.section(rows, header) for header, rows in tops if rows)
    if notes:
        lines = [widgets.line(text.markup(note, 300), "warning") for note in notes]
        sections.append(widgets.section(lines, "Not complete"))
    card = {
        "header": {
            "title": title,
            "subtitle": text.plain(f"{filters} \u00b7 {', '.join(regions)}", 200),
        },
        "sections": sections,
    }
    return {
        "fallbackText": f"{title} ({_breakdown(counts.severities)})",
        "cardsV2": [{"cardId": CARD_ID, "card": card}],
    }


def _severity_rows(counts: Counts) -> list[dict[str, Any]]:
    bands = [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW]
    if counts.severities[Severity.UNKNOWN]:
        bands.append(Severity.UNKNOWN)
    return [
        widgets.line(
            f'<font color="{band.style.colour}"><b>{band.title}</b></font>: '
            f"{counts.severities[band]}",
            band.style.icon,
        )
        for band in bands
    ]


def _type_rows(types: Counter[str]) -> list[dict[str, Any]]:
    return [
        widgets.line(f"{text.markup(name, 200)}: <b>{count}</b>", "category")
        for name, count in types.most_common(TOP)
    ]


def _account_rows(accounts: Counter[str], cards: CardSettings) -> list[dict[str, Any]]:
    return [
        widgets.line(
            f"{text.markup(_account(account, cards), 200)}: <b>{count}</b>",
            "account_box",
        )
        for account, count in accounts.most_common(TOP)
    ]


def _resource_rows(
    resources: Mapping[Resource, int], cards: CardSettings
) -> list[dict[str, Any]]:
    ranked = Counter(resources).most_common(TOP)
    return [
        widgets.line(
            f"{text.markup(resource_id, 200)}: <b>{count}</b>",
            "inventory",
            label=resource_type,
            bottom=_account(account, cards),
        )
        for (resource_type, resource_id, account), count in ranked
    ]


def _account(account: str, cards: CardSettings) -> str:
    alias = cards.account_name(account)
    return f"{alias} ({account})" if alias else account


def _breakdown(severities: Counter[Severity]) -> str:
    bands = [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW]
    return ", ".join(f"{severities[band]} {band.title}" for band in bands)
