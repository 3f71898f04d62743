"""Builders for the cardsV2 pieces every card of the product is made of.

Values passed in are untrusted unless a parameter says otherwise: builders escape
them for the field they land in (HTML subset or plain text) and cap their size.
"""

from collections.abc import Sequence
from typing import Any

from notifier import text
from notifier.facts import Fact
from notifier.handling import Action
from notifier.severity import Severity

Widget = dict[str, Any]

LABEL_BYTES = 80
VALUE_BYTES = 400


def icon(name: str, alt: str | None = None) -> dict[str, Any]:
    """A Material icon by name (our own names only, never finding text)."""
    built: dict[str, Any] = {"materialIcon": {"name": name}}
    if alt:
        built["altText"] = alt
    return built


def fact(item: Fact, value_bytes: int = VALUE_BYTES) -> Widget:
    """A labelled value with its icon; long values wrap instead of being cut off."""
    return {
        "decoratedText": {
            "topLabel": text.plain(item.label, LABEL_BYTES),
            "text": text.markup(item.value, value_bytes) or "\u2014",
            "startIcon": icon(item.icon),
            "wrapText": True,
        }
    }


def line(
    markup: str, icon_name: str, *, label: str | None = None, bottom: str | None = None
) -> Widget:
    """A decorated line whose ``markup`` the caller already escaped."""
    decorated: dict[str, Any] = {
        "text": markup,
        "startIcon": icon(icon_name),
        "wrapText": True,
    }
    if label:
        decorated["topLabel"] = text.plain(label, LABEL_BYTES)
    if bottom:
        decorated["bottomLabel"] = text.plain(bottom, VALUE_BYTES)
    return {"decoratedText": decorated}


def severity_markup(label: Severity, score: float | None) -> str:
    """``High 8.0`` in the band's colour, bold."""
    number = f" {score:.1f}" if score is not None else ""
    return f'<font color="{label.style.colour}"><b>{label.title}</b>{number}</font>'


def paragraph(markup: str, max_lines: int = 0) -> Widget:
    body: dict[str, Any] = {"text": markup}
    if max_lines:
        body["maxLines"] = max_lines
    return {"textParagraph": body}


def section(
    widgets: Sequence[Widget],
    header: str | None = None,
    *,
    collapse_after: int | None = None,
) -> dict[str, Any]:
    """A section; with ``collapse_after``, widgets past that many fold away."""
    built: dict[str, Any] = {"widgets": list(widgets)}
    if header:
        built["header"] = text.markup(header, 120)
    if collapse_after is not None and len(widgets) > collapse_after:
        built["collapsible"] = True
        built["uncollapsibleWidgetsCount"] = collapse_after
    return built


def action(
    function: str, parameters: dict[str, str], *, dialog: bool = False
) -> dict[str, Any]:
    """An onClick that calls the app back with ``parameters``."""
    built: dict[str, Any] = {
        "function": function,
        "parameters": [
            {"key": key, "value": value} for key, value in parameters.items()
        ],
    }
    if dialog:
        built["interaction"] = "OPEN_DIALOG"
    else:
        built["loadIndicator"] = "SPINNER"
    return {"action": built}


def button(
    label: str,
    on_click: dict[str, Any],
    *,
    icon_name: str | None = None,
    filled: Severity | None = None,
) -> dict[str, Any]:
    """A button; ``filled`` paints it in a severity's colour for the main action."""
    built: dict[str, Any] = {"text": label, "onClick": on_click}
    if icon_name:
        built["icon"] = icon(icon_name)
    if filled is not None:
        red, green, blue = filled.style.rgb
        built["type"] = "FILLED"
        built["color"] = {"red": red, "green": green, "blue": blue}
    return built


def link_button(label: str, url: str, icon_name: str = "open_in_new") -> dict[str, Any]:
    """A button opening ``url``, a URL the product built (never finding text)."""
    return button(label, {"openLink": {"url": url}}, icon_name=icon_name)


def overflow(
    label: str, items: Sequence[tuple[Action, dict[str, Any]]]
) -> dict[str, Any]:
    """A button that opens a menu of more actions."""
    menu = [
        {"text": _MENU_LABELS[item], "onClick": on_click, "startIcon": icon(item.icon)}
        for item, on_click in items
    ]
    return button(label, {"overflowMenu": {"items": menu}}, icon_name="more_vert")


def buttons(items: Sequence[dict[str, Any]]) -> Widget:
    return {"buttonList": {"buttons": list(items)}}


_MENU_LABELS = {
    Action.ACKNOWLEDGE: "Acknowledge",
    Action.ARCHIVE: "Archive",
    Action.UNARCHIVE: "Unarchive",
    Action.FALSE_POSITIVE: "False positive",
    Action.ESCALATE: "Escalate",
    Action.SUPPRESS: "Suppress similar",
    Action.REFRESH: "Refresh",
    Action.SHOW: "Open card",
}


def label_of(item: Action) -> str:
    """The words on a button or menu item for ``item``."""
    return _MENU_LABELS[item]
