"""The compact list card ``/gd-findings`` answers with.

One row per finding: its severity, title, type, account, Region and when
GuardDuty last updated it, with buttons that open the finding's own card or act
on it. The buttons are the card actions' own (``action``, ``finding``), marked
``origin=digest`` so a click answers with the finding's card as a new message,
as a click in a digest does, and leaves the list as it was.

A list must fit Chat's limits (32,000 bytes a message, 100 widgets a card), so
it is drawn in the roomiest layout that fits: a row of buttons under each
finding, else one Open button beside each; rows that fit in neither are left
out, and the card says how many.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from notifier import text, widgets
from notifier.cards import (
    MESSAGE_BUDGET,
    TYPE_ALPHABET,
    action_parameters,
    json_size,
)
from notifier.finding import Finding
from notifier.handling import Action
from notifier.settings import CardSettings
from notifier.timestamps import format_time

CARD_ID = "findings"
MAX_WIDGETS = 100
ORIGIN = "digest"


@dataclass(frozen=True)
class Listing:
    """What a search found, and what to say about it.

    Attributes:
        filters: the filters in words (:meth:`bot.filters.Query.describe`).
        regions: the Regions searched.
        more: more findings match than are listed.
        notes: what the answer is missing, one line each (plain text).
    """

    findings: tuple[Finding, ...]
    filters: str
    regions: tuple[str, ...]
    more: bool = False
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Layout:
    """How much of each finding a list shows."""

    title_bytes: int
    details: bool  # the type, account, Region and time under the title
    buttons: bool  # a row of buttons under each finding, or one Open button


_LAYOUTS = (
    _Layout(title_bytes=300, details=True, buttons=True),
    _Layout(title_bytes=80, details=False, buttons=False),
)


def findings_list_message(listing: Listing, cards: CardSettings) -> dict[str, Any]:
    """The list as a Chat message, within Chat's size and widget limits."""
    count = len(listing.findings)
    for layout in _LAYOUTS:
        message = _message(listing, cards, layout, count)
        if _fits(message):
            return message
    # Even one Open button per row is too much: show fewer rows.
    per_row = max(json_size(message) // max(count, 1), 1)
    shown = min(count, MESSAGE_BUDGET // per_row)
    while shown > 0:
        message = _message(listing, cards, _LAYOUTS[-1], shown)
        if _fits(message):
            break
        shown -= 1
    return message


def _message(
    listing: Listing, cards: CardSettings, layout: _Layout, shown: int
) -> dict[str, Any]:
    findings = listing.findings[:shown]
    rows = [
        widget
        for finding in findings
        for widget in _finding_rows(finding, cards, layout)
    ]
    if not listing.findings:
        rows.append(widgets.line("No finding matches these filters.", "search_off"))
    sections = [widgets.section(rows)]
    notes = list(listing.notes)
    hidden = len(listing.findings) - shown
    if hidden:
        notes.append(
            f"{hidden} more findings did not fit in one message: narrow the "
            "filters or lower the limit."
        )
    if notes:
        sections.append(
            widgets.section(
                [widgets.line(text.markup(note, 300), "warning") for note in notes],
                "Not complete",
            )
        )
    return {
        "fallbackText": _fallback(listing),
        "cardsV2": [
            {
                "cardId": CARD_ID,
                "card": {"header": _header(listing), "sections": sections},
            }
        ],
    }


def _header(listing: Listing) -> dict[str, Any]:
    return {
        "title": _title(listing),
        "subtitle": text.plain(
            f"{listing.filters} \u00b7 {', '.join(listing.regions)}", 200
        ),
    }


def _title(listing: Listing) -> str:
    count = len(listing.findings)
    if not count:
        return "No GuardDuty findings match"
    if listing.more:
        return f"Top {count} GuardDuty findings"
    return f"{count} GuardDuty finding{'s' if count != 1 else ''}"


def _fallback(listing: Listing) -> str:
    return f"{_title(listing)} ({text.plain(listing.filters, 160)})"


def _finding_rows(
    finding: Finding, cards: CardSettings, layout: _Layout
) -> list[dict[str, Any]]:
    label = finding.severity_label
    row = widgets.line(
        f"{widgets.severity_markup(label, finding.severity)} "
        f"{text.markup(finding.title or finding.type, layout.title_bytes)}",
        label.style.icon,
        bottom=_details(finding, cards) if layout.details else None,
    )
    actions = _actions(finding)
    if layout.buttons:
        buttons = [
            widgets.button(
                widgets.label_of(item),
                _on_click(item, finding, cards),
                icon_name=item.icon,
            )
            for item in actions
        ]
        if cards.console_links and finding.console_url:
            buttons.append(widgets.link_button("Console", finding.console_url))
        return [row, widgets.buttons(buttons)] if buttons else [row]
    if actions:
        open_card = _on_click(Action.SHOW, finding, cards)
        row["decoratedText"]["button"] = widgets.button("Open", open_card)
    return [row]


def _actions(finding: Finding) -> Sequence[Action]:
    """Open the card, or act at once; nothing without an ARN to act on."""
    if not finding.arn:
        return ()
    if finding.archived:
        return (Action.SHOW, Action.UNARCHIVE)
    return (Action.SHOW, Action.ACKNOWLEDGE, Action.ARCHIVE)


def _on_click(item: Action, finding: Finding, cards: CardSettings) -> dict[str, Any]:
    parameters = {**action_parameters(item, finding), "origin": ORIGIN}
    return widgets.action(cards.action_function, parameters)


def _details(finding: Finding, cards: CardSettings) -> str:
    account = finding.account_id or "unknown account"
    alias = cards.account_name(finding.account_id)
    parts = [
        text.token(finding.type, TYPE_ALPHABET, 100),
        f"{alias} ({account})" if alias else account,
        finding.region or "",
        f"updated {format_time(finding.updated_at)}",
    ]
    return " \u00b7 ".join(part for part in parts if part)


def _fits(message: dict[str, Any]) -> bool:
    return json_size(message) <= MESSAGE_BUDGET and _widgets(message) <= MAX_WIDGETS


def _widgets(message: dict[str, Any]) -> int:
    card = message["cardsV2"][0]["card"]
    return sum(len(section["widgets"]) for section in card["sections"])
