"""One card that sums up a burst of findings for a space."""

from collections import Counter
from collections.abc import Sequence
from typing import Any

from notifier import text, widgets
from notifier.cards import MESSAGE_BUDGET, TYPE_ALPHABET, action_parameters, json_size
from notifier.finding import Finding, latest_versions
from notifier.handling import Action
from notifier.settings import CardSettings
from notifier.severity import Severity

CARD_ID = "digest"
GROUPS_SHOWN = 8


def digest_message(
    findings: Sequence[Finding],
    settings: CardSettings,
    *,
    top: int = 10,
    webhook: bool = False,
) -> dict[str, Any]:
    """A digest of ``findings``: counts by severity, type and account, then the
    ``top`` most severe with buttons to open or act on each.

    Fewer are listed when ``top`` of them would not fit in one Chat message; the
    card says how many it lists.
    """
    ranked = rank(list(latest_versions(findings).values()))
    shown = min(top, len(ranked))
    message = _digest(ranked, settings, shown, webhook)
    while shown > 0 and json_size(message) > MESSAGE_BUDGET:
        shown -= 1
        message = _digest(ranked, settings, shown, webhook)
    return message


def _digest(
    ranked: Sequence[Finding], settings: CardSettings, shown: int, webhook: bool
) -> dict[str, Any]:
    sections = [
        widgets.section(_severity_rows(ranked), "By severity"),
        widgets.section(
            _count_rows(Counter(f.type for f in ranked), "category"),
            "By finding type",
            collapse_after=4,
        ),
        widgets.section(
            _count_rows(Counter(_account(f, settings) for f in ranked), "account_box"),
            "By account",
            collapse_after=4,
        ),
    ]
    if shown:
        sections.append(
            widgets.section(
                [row for f in ranked[:shown] for row in _entry(f, settings, webhook)],
                f"Top {shown} findings",
            )
        )
    return {
        "fallbackText": digest_fallback(ranked),
        "cardsV2": [
            {
                "cardId": CARD_ID,
                "card": {
                    "header": {
                        "title": f"GuardDuty: {_count(len(ranked))}",
                        "subtitle": _breakdown(ranked),
                    },
                    "sections": sections,
                },
            }
        ],
    }


def rank(findings: Sequence[Finding]) -> list[Finding]:
    """Most severe first; among equals, the most recently seen first."""

    def key(finding: Finding) -> tuple[float, float]:
        seen = finding.last_seen or finding.updated_at
        return (finding.severity or 0.0, seen.timestamp() if seen else 0.0)

    return sorted(findings, key=key, reverse=True)


def digest_fallback(findings: Sequence[Finding]) -> str:
    return f"GuardDuty digest: {_count(len(findings))} ({_breakdown(findings)})"


def _count(number: int, noun: str = "finding") -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _breakdown(findings: Sequence[Finding]) -> str:
    counts = Counter(f.severity_label for f in findings)
    return ", ".join(
        f"{counts[label]} {label.title}"
        for label in sorted(counts, key=lambda item: item.value, reverse=True)
    )


def _severity_rows(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    counts = Counter(f.severity_label for f in findings)
    return [
        widgets.line(
            f'<font color="{label.style.colour}"><b>{label.title}</b></font>: '
            f"{counts[label]}",
            label.style.icon,
        )
        for label in sorted(Severity, key=lambda item: item.value, reverse=True)
        if counts[label]
    ]


def _count_rows(counts: Counter[str], icon: str) -> list[dict[str, Any]]:
    rows = [
        widgets.line(f"{text.markup(name, 160)}: <b>{count}</b>", icon)
        for name, count in counts.most_common(GROUPS_SHOWN)
    ]
    others = len(counts) - GROUPS_SHOWN
    if others > 0:
        rest = sum(count for _, count in counts.most_common()[GROUPS_SHOWN:])
        rows.append(
            widgets.line(f"<i>{others} more, {rest} findings</i>", "more_horiz")
        )
    return rows


def _account(finding: Finding, settings: CardSettings) -> str:
    account = finding.account_id or "unknown"
    alias = settings.account_name(finding.account_id)
    return f"{alias} ({account})" if alias else account


def _entry(
    finding: Finding, settings: CardSettings, webhook: bool
) -> list[dict[str, Any]]:
    label = finding.severity_label
    row = widgets.line(
        f"{widgets.severity_markup(label, finding.severity)} "
        f"{text.markup(finding.title, 300)}",
        label.style.icon,
        bottom=" \u00b7 ".join(
            part
            for part in (
                text.token(finding.type, TYPE_ALPHABET, 100),
                _account(finding, settings),
                finding.region,
            )
            if part
        ),
    )
    buttons = _buttons(finding, settings, webhook)
    return [row, widgets.buttons(buttons)] if buttons else [row]


def _buttons(
    finding: Finding, settings: CardSettings, webhook: bool
) -> list[dict[str, Any]]:
    """Open the full card, or act at once; clicks from a digest answer with the
    finding's own card rather than replacing the digest."""
    built = []
    if not webhook and finding.arn:
        for item in (Action.SHOW, Action.ACKNOWLEDGE, Action.ARCHIVE):
            parameters = {**action_parameters(item, finding), "origin": "digest"}
            built.append(
                widgets.button(
                    widgets.label_of(item),
                    widgets.action(settings.action_function, parameters),
                    icon_name=item.icon,
                )
            )
    if settings.console_links and finding.console_url:
        built.append(widgets.link_button("Console", finding.console_url))
    return built
