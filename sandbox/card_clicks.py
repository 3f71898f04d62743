"""What a person can click or fill in on a card, and where it sits.

A click target is a widget with an `onClick`: a button (in a button list, a
decorated text, a dialog's fixed footer or the message's accessory widgets), a
chip, a clickable decorated text, or an item of an overflow menu. Each one is
addressed by its JSON path in the message or dialog card, which is how the page
names what was clicked; tests name it by its words or its action's parameters.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class ClickTarget:
    """One clickable thing: its path, its words, and its `onClick`."""

    path: Path
    text: str
    on_click: Mapping[str, Any]

    @property
    def action(self) -> Mapping[str, Any] | None:
        """The app callback, or None for a link or a menu opener."""
        action = self.on_click.get("action")
        return action if isinstance(action, Mapping) else None

    def parameters(self) -> dict[str, str]:
        """The action's parameters as a dictionary."""
        items = (self.action or {}).get("parameters") or ()
        return {str(p.get("key")): str(p.get("value")) for p in items}


def click_targets(root: Mapping[str, Any]) -> list[ClickTarget]:
    """Every click target in a message (cards and accessory widgets) or a card."""
    if "cardsV2" in root or "accessoryWidgets" in root:
        found: list[ClickTarget] = []
        for index, item in enumerate(_list(root.get("cardsV2"))):
            found.extend(_card(item.get("card") or {}, ("cardsV2", index, "card")))
        for index, widget in enumerate(_list(root.get("accessoryWidgets"))):
            found.extend(_widget(widget, ("accessoryWidgets", index)))
        return found
    return list(_card(root, ()))


def target_at(root: Mapping[str, Any], path: Sequence[str | int]) -> ClickTarget:
    """The click target at `path`, as `click_targets` names it.

    Raises:
        LookupError: nothing clickable sits there.
    """
    wanted = tuple(path)
    for target in click_targets(root):
        if target.path == wanted:
            return target
    raise LookupError(f"nothing clickable at {list(wanted)}")


def find_target(
    root: Mapping[str, Any], wanted: str | Mapping[str, str]
) -> ClickTarget:
    """The one click target with these words, or whose parameters include these.

    Raises:
        LookupError: none matches, or several do.
    """
    targets = click_targets(root)
    if isinstance(wanted, str):
        matches = [t for t in targets if t.text.casefold() == wanted.casefold()]
    else:
        matches = [
            t
            for t in targets
            if t.action is not None and wanted.items() <= t.parameters().items()
        ]
    if len(matches) != 1:
        names = ", ".join(repr(t.text) for t in targets) or "none"
        raise LookupError(
            f"{len(matches)} click targets match {wanted!r}; the card has {names}"
        )
    return matches[0]


def input_values(root: Mapping[str, Any]) -> dict[str, list[str]]:
    """The starting values of a card's inputs (text inputs, selections), by name."""
    values: dict[str, list[str]] = {}
    for widget in _all_widgets(root):
        if "textInput" in widget:
            field = widget["textInput"]
            values[str(field.get("name"))] = [str(field.get("value", ""))]
        elif "selectionInput" in widget:
            field = widget["selectionInput"]
            values[str(field.get("name"))] = [
                str(item.get("value", ""))
                for item in _list(field.get("items"))
                if item.get("selected")
            ]
    return values


def _card(card: Mapping[str, Any], path: Path) -> Iterator[ClickTarget]:
    for s, section in enumerate(_list(card.get("sections"))):
        for w, widget in enumerate(_list(section.get("widgets"))):
            yield from _widget(widget, (*path, "sections", s, "widgets", w))
    footer = card.get("fixedFooter")
    if isinstance(footer, Mapping):
        for name in ("primaryButton", "secondaryButton"):
            if isinstance(footer.get(name), Mapping):
                yield from _button(footer[name], (*path, "fixedFooter", name))


def _widget(widget: Mapping[str, Any], path: Path) -> Iterator[ClickTarget]:
    buttons = (widget.get("buttonList") or {}).get("buttons")
    for b, button in enumerate(_list(buttons)):
        yield from _button(button, (*path, "buttonList", "buttons", b))

    decorated = widget.get("decoratedText")
    if isinstance(decorated, Mapping):
        if isinstance(decorated.get("button"), Mapping):
            yield from _button(decorated["button"], (*path, "decoratedText", "button"))
        if isinstance(decorated.get("onClick"), Mapping):
            text = str(decorated.get("text", ""))
            yield from _clicks(decorated["onClick"], text, (*path, "decoratedText"))

    chips = (widget.get("chipList") or {}).get("chips")
    for c, chip in enumerate(_list(chips)):
        yield from _button(chip, (*path, "chipList", "chips", c), "label")

    columns = (widget.get("columns") or {}).get("columnItems")
    for c, column in enumerate(_list(columns)):
        for w, inner in enumerate(_list(column.get("widgets"))):
            yield from _widget(
                inner, (*path, "columns", "columnItems", c, "widgets", w)
            )
    # Limitation: grid items, images and switch controls are drawn but not
    # clickable; the product's cards use none of them as actions.


def _button(
    button: Mapping[str, Any], path: Path, words: str = "text"
) -> Iterator[ClickTarget]:
    on_click = button.get("onClick")
    if isinstance(on_click, Mapping):
        text = str(button.get(words) or button.get("altText") or "")
        yield from _clicks(on_click, text, path)


def _clicks(
    on_click: Mapping[str, Any], text: str, path: Path
) -> Iterator[ClickTarget]:
    yield ClickTarget((*path, "onClick"), text, on_click)
    items = (on_click.get("overflowMenu") or {}).get("items")
    for i, item in enumerate(_list(items)):
        if isinstance(item.get("onClick"), Mapping):
            where = (*path, "onClick", "overflowMenu", "items", i, "onClick")
            yield ClickTarget(where, str(item.get("text", "")), item["onClick"])


def _all_widgets(card: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for section in _list(card.get("sections")):
        for widget in _list(section.get("widgets")):
            yield widget
            for column in _list((widget.get("columns") or {}).get("columnItems")):
                yield from _list(column.get("widgets"))


def _list(value: Any) -> list[Mapping[str, Any]]:
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, Mapping)]
