"""The Google Chat card for one finding, in every state a finding can be in.

One renderer draws the card for a new finding, the same card after someone acted on
it (a status line per action, the matching undo), and the webhook variant (link
buttons only: a webhook message cannot call an app back).
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from notifier import text, widgets
from notifier.activity import activity_facts
from notifier.facts import Fact
from notifier.finding import Finding
from notifier.handling import Action, Handling, button_parameters, encode_history
from notifier.jsonview import JsonView
from notifier.resources import resource_facts
from notifier.settings import CardSettings
from notifier.severity import Severity
from notifier.timestamps import format_time

CARD_ID = "finding"
# Chat refuses messages over 32,000 bytes; keep room for the thread and envelope.
MESSAGE_BUDGET = 30_000
TYPE_ALPHABET = r"A-Za-z0-9:/._!&\-"
_ARCHIVING = (Action.ARCHIVE, Action.UNARCHIVE, Action.FALSE_POSITIVE, Action.SUPPRESS)


@dataclass(frozen=True)
class Layout:
    """How much of a finding a card shows; a tighter layout for huge findings."""

    facts: int
    value_bytes: int
    description_bytes: int


FULL = Layout(facts=14, value_bytes=400, description_bytes=1500)
COMPACT = Layout(facts=8, value_bytes=160, description_bytes=300)
MINIMAL = Layout(facts=4, value_bytes=80, description_bytes=0)


def finding_message(
    finding: Finding,
    settings: CardSettings,
    *,
    history: Sequence[Handling] = (),
    webhook: bool = False,
) -> dict[str, Any]:
    """The Chat message (``fallbackText`` and one card) for ``finding``.

    Args:
        history: what people did to it, oldest first (status lines on the card).
        webhook: draw link buttons only, for an incoming webhook.
    """
    # The last resort drops the buttons (each carries the ARN and the history):
    # a card without them still tells people, where no card at all would not.
    attempts = [
        (FULL, webhook),
        (COMPACT, webhook),
        (MINIMAL, webhook),
        (MINIMAL, True),
    ]
    for layout, links_only in attempts:
        message = {
            "fallbackText": fallback_text(finding),
            "cardsV2": [
                {
                    "cardId": CARD_ID,
                    "card": finding_card(
                        finding,
                        settings,
                        history=history,
                        webhook=links_only,
                        layout=layout,
                    ),
                }
            ],
        }
        if json_size(message) <= MESSAGE_BUDGET:
            break
    return message


def fallback_text(finding: Finding) -> str:
    """The notification line: built only from validated tokens, never free text, so
    nothing in it can become a mention or a link."""
    label = finding.severity_label
    score = f" {finding.severity:.1f}" if finding.severity is not None else ""
    # No "//": nothing in the line may read as a URL and turn into a link.
    kind = text.token(finding.type, TYPE_ALPHABET, 100).replace("//", "/")
    kind = kind or "Unknown type"
    account = text.token(finding.account_id or "", "0-9", 12) or "unknown account"
    region = text.token(finding.region or "", "a-z0-9-", 20) or "unknown Region"
    sample = "Sample " if finding.sample else ""
    return f"{sample}GuardDuty {label.title}{score}: {kind} in {account} ({region})"


def finding_card(
    finding: Finding,
    settings: CardSettings,
    *,
    history: Sequence[Handling] = (),
    webhook: bool = False,
    layout: Layout = FULL,
) -> dict[str, Any]:
    """The card alone (for an update, a dialog, or a message of several cards)."""
    sections = [_summary(finding, settings, history, layout)]
    resource = resource_facts(finding)[: layout.facts]
    if resource:
        sections.append(_facts_section("Affected resource", resource, layout))
    activity = activity_facts(finding)[: layout.facts]
    description = finding.description if layout.description_bytes else None
    if activity or description:
        sections.append(_activity_section(activity, description, layout))
    sections.append(_actions_section(finding, settings, history, webhook))
    return {"header": _header(finding), "sections": sections}


def _header(finding: Finding) -> dict[str, Any]:
    label = finding.severity_label
    score = f" {finding.severity:.1f}" if finding.severity is not None else ""
    prefix = "[SAMPLE] " if finding.sample else ""
    return {
        "title": text.plain(prefix + finding.title, 200),
        "subtitle": text.plain(
            f"{label.style.emoji} {label.title}{score} \u00b7 {finding.type}", 160
        ),
    }


def _summary(
    finding: Finding,
    settings: CardSettings,
    history: Sequence[Handling],
    layout: Layout,
) -> dict[str, Any]:
    rows = [_status_line(entry) for entry in history[-layout.facts :]]
    if note := _guardduty_state(finding, history):
        rows.append(widgets.line(text.markup(note), "info"))
    if finding.sample:
        rows.append(
            widgets.line(
                "<i>Sample finding generated by GuardDuty: not a real threat</i>",
                "science",
            )
        )
    label = finding.severity_label
    rows.append(
        widgets.line(
            widgets.severity_markup(label, finding.severity),
            label.style.icon,
            label="Severity",
        )
    )
    rows.extend(
        widgets.fact(item, layout.value_bytes) for item in _identity(finding, settings)
    )
    return widgets.section(rows)


def _status_line(entry: Handling) -> dict[str, Any]:
    return widgets.line(
        f"<b>{text.markup(entry.summary(), 400)}</b>", entry.action.icon
    )


def _guardduty_state(finding: Finding, history: Sequence[Handling]) -> str | None:
    """What GuardDuty says that the history from Chat does not (console changes)."""
    archiving = [entry.action for entry in history if entry.action in _ARCHIVING]
    archived_here = bool(archiving) and archiving[-1] is not Action.UNARCHIVE
    if finding.archived and not archived_here:
        return "Archived in GuardDuty"
    if history:
        return None
    if finding.feedback == "USEFUL":
        return "Marked useful in GuardDuty"
    if finding.feedback == "NOT_USEFUL":
        return "Marked not useful in GuardDuty"
    return None


def _identity(finding: Finding, settings: CardSettings) -> list[Fact]:
    account = finding.account_id or "unknown"
    alias = settings.account_name(finding.account_id)
    resource = finding.resource_type or "Unknown"
    if finding.resource_role:
        resource = f"{resource} ({finding.resource_role.lower()})"
    count = finding.count
    seen = f"{count} time{'s' if count != 1 else ''}" if count else "\u2014"
    first = format_time(finding.first_seen or finding.created_at)
    last = format_time(finding.last_seen or finding.updated_at)
    return [
        Fact("Type", finding.type, "category"),
        Fact("Account", f"{alias} ({account})" if alias else account, "account_box"),
        Fact("Region", _region_text(finding), "public"),
        Fact("Resource type", resource, "inventory"),
        Fact("Seen", f"{seen}, first {first}, last {last}", "schedule"),
    ]


def _region_text(finding: Finding) -> str:
    region = finding.region or "unknown"
    reported = finding.reported_region
    if reported and reported != region:
        return f"{region} (activity in {reported})"
    return region


def _facts_section(
    header: str, facts: Sequence[Fact], layout: Layout
) -> dict[str, Any]:
    rows = [widgets.fact(item, layout.value_bytes) for item in facts]
    return widgets.section(rows, header, collapse_after=5)


def _activity_section(
    facts: Sequence[Fact], description: str | None, layout: Layout
) -> dict[str, Any]:
    rows = [widgets.fact(item, layout.value_bytes) for item in facts]
    if description:
        body = text.markup(description, layout.description_bytes, multiline=True)
        rows.append(widgets.paragraph(body, max_lines=4))
    return widgets.section(rows, "What happened", collapse_after=5)


def _actions_section(
    finding: Finding, settings: CardSettings, history: Sequence[Handling], webhook: bool
) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    links = []
    if settings.console_links and finding.console_url:
        links.append(widgets.link_button("Open in console", finding.console_url))
    if webhook:
        rows.append(
            widgets.line(
                "<i>Act on this finding in the GuardDuty console.</i>", "touch_app"
            )
        )
    elif finding.arn:
        rows.append(
            widgets.buttons([*action_buttons(finding, settings, history), *links])
        )
        links = []
    else:
        rows.append(
            widgets.line("<i>No finding ARN: actions are unavailable.</i>", "block")
        )
    if links:
        rows.append(widgets.buttons(links))
    rows.append(
        widgets.fact(Fact("Finding ID", finding.id or "unknown", "fingerprint"), 200)
    )
    return widgets.section(rows)


def action_buttons(
    finding: Finding, settings: CardSettings, history: Sequence[Handling]
) -> list[dict[str, Any]]:
    """The buttons that act on ``finding`` in its current state."""

    def on(item: Action, *, dialog: bool = False) -> dict[str, Any]:
        parameters = action_parameters(item, finding, history)
        if item is Action.REFRESH:
            parameters |= version_parameters(finding)
        return widgets.action(settings.action_function, parameters, dialog=dialog)

    label = finding.severity_label
    escalate = widgets.button(
        "Escalate",
        on(Action.ESCALATE, dialog=True),
        icon_name=Action.ESCALATE.icon,
        filled=label if label in (Severity.HIGH, Severity.CRITICAL) else None,
    )
    more = [
        (Action.FALSE_POSITIVE, on(Action.FALSE_POSITIVE)),
        (Action.SUPPRESS, on(Action.SUPPRESS, dialog=True)),
        (Action.REFRESH, on(Action.REFRESH)),
    ]
    if finding.archived:
        unarchive = widgets.button(
            "Unarchive", on(Action.UNARCHIVE), icon_name=Action.UNARCHIVE.icon
        )
        return [
            unarchive,
            escalate,
            widgets.overflow("More", [(Action.REFRESH, on(Action.REFRESH))]),
        ]
    acknowledged = any(entry.action is Action.ACKNOWLEDGE for entry in history)
    first = (
        []
        if acknowledged
        else [
            widgets.button(
                "Acknowledge", on(Action.ACKNOWLEDGE), icon_name=Action.ACKNOWLEDGE.icon
            )
        ]
    )
    archive = widgets.button(
        "Archive", on(Action.ARCHIVE), icon_name=Action.ARCHIVE.icon
    )
    return [*first, archive, escalate, widgets.overflow("More", more)]


def action_parameters(
    item: Action, finding: Finding, history: Sequence[Handling] = ()
) -> dict[str, str]:
    """What a button sends back: the action, the finding's ARN, the card's history."""
    parameters = {"action": item.value, "finding": finding.arn or ""}
    if history:
        parameters["history"] = encode_history(history)
    return parameters


def version_parameters(finding: Finding) -> dict[str, str]:
    """The finding version and severity the card shows, machine-readable.

    They ride on the Refresh button, so the notifier can tell a repeated delivery
    (same version: nothing to edit) from an update, and see a rise in severity.
    """
    parameters = {"version": finding.version}
    if finding.severity is not None:
        parameters["severity"] = f"{finding.severity:.1f}"
    return parameters


@dataclass(frozen=True)
class ShownVersion:
    """What a posted card says it shows: :attr:`Finding.version` and severity."""

    version: str
    severity: float | None


def shown_version(message: Mapping[str, Any]) -> ShownVersion | None:
    """The version a card the product rendered shows, or None for a card
    without the marker (one with no action buttons)."""
    for parameters in button_parameters(message):
        if version := parameters.get("version"):
            score = JsonView(parameters.get("severity")).number()
            return ShownVersion(version, score)
    return None


def json_size(message: dict[str, Any]) -> int:
    """The message's size as Chat counts it: compact JSON, UTF-8 bytes."""
    compact = json.dumps(message, separators=(",", ":"), ensure_ascii=False)
    return len(compact.encode("utf-8", "surrogatepass"))
