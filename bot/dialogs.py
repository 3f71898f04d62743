"""The dialogs a card's buttons open: a reason to escalate, a suppression to confirm.

A dialog's buttons carry the same parameters as the card button that opened it
(action, finding, history, origin), the escalation dialog's own ``dialog`` token,
and ``step``: ``confirm`` submits, ``cancel`` closes. Everything from a finding or
a person is escaped for the field it is in.
"""

from collections.abc import Mapping
from typing import Any

from bot.suppression import Suppression
from notifier import text, widgets
from notifier.finding import Finding
from notifier.handling import Action

REASON_INPUT = "reason"
DIALOG = "dialog"
STEP = "step"
CONFIRM = "confirm"
CANCEL = "cancel"


def escalation_dialog(
    function: str,
    parameters: Mapping[str, str],
    *,
    channels: tuple[str, ...],
    reason: str = "",
    problem: str | None = None,
) -> dict[str, Any]:
    """Asks why the finding is escalated.

    Args:
        function: the action function card buttons call.
        parameters: the opening button's parameters, and the dialog's token.
        channels: where the escalation goes besides GuardDuty, in words.
        reason: the reason already typed, when the dialog is shown again.
        problem: why it is shown again, in the bot's own words.
    """
    where = ["the finding's feedback in GuardDuty", *channels]
    intro = "The reason goes to " + _listing(where) + "."
    field: dict[str, Any] = {
        "name": REASON_INPUT,
        "label": "Why does this need attention now?",
        "type": "MULTIPLE_LINE",
        "hintText": "What you saw, and what you need from the on-call team",
    }
    if reason:
        field["value"] = reason
    rows = [widgets.paragraph(text.markup(intro, 600)), {"textInput": field}]
    if problem:
        rows.insert(0, widgets.paragraph(f"<b>{text.markup(problem, 600)}</b>"))
    return _dialog(
        "Escalate this finding",
        rows,
        _footer(function, parameters, "Escalate", Action.ESCALATE),
    )


def suppression_dialog(
    function: str,
    parameters: Mapping[str, str],
    finding: Finding,
    suppression: Suppression,
) -> dict[str, Any]:
    """Names exactly what the suppression rule will archive, before it exists."""
    values = ", ".join(suppression.values)
    rows = [
        widgets.paragraph(
            "From now on GuardDuty archives new findings like this one as soon as "
            "they appear: nobody is told about them. This finding stays as it is."
        ),
        widgets.line(text.markup(finding.type, 300), "category", label="Type"),
        widgets.line(
            text.markup(finding.account_id or "unknown", 40),
            "account_box",
            label="Account",
        ),
        widgets.line(
            text.markup(values, 600),
            "inventory",
            label=suppression.resource.capitalize(),
        ),
        widgets.line(
            text.markup(f"{suppression.name} in {finding.region}", 200),
            "filter_alt",
            label="GuardDuty filter",
        ),
    ]
    return _dialog(
        "Suppress similar findings",
        rows,
        _footer(function, parameters, "Suppress", Action.SUPPRESS),
    )


def _dialog(
    title: str, rows: list[dict[str, Any]], footer: dict[str, Any]
) -> dict[str, Any]:
    return {
        "header": {"title": title},
        "sections": [widgets.section(rows)],
        "fixedFooter": footer,
    }


def _footer(
    function: str, parameters: Mapping[str, str], label: str, action: Action
) -> dict[str, Any]:
    def on(step: str) -> dict[str, Any]:
        return widgets.action(function, {**parameters, STEP: step})

    return {
        "primaryButton": widgets.button(label, on(CONFIRM), icon_name=action.icon),
        "secondaryButton": widgets.button("Cancel", on(CANCEL)),
    }


def _listing(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]
