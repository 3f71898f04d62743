"""The rules of Google Chat that its discovery document states only in prose.

`definitions()` is the discovery schema translated into JSON Schema (see
`sandbox.discovery`) with these rules added: required fields, the widget, column and
size limits, one kind per widget and per click action, and the Workspace add-on
answer envelope. The rules that JSON Schema cannot say are custom keywords
(`x-...`) understood by `Validator`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError

from sandbox import discovery

MAX_MESSAGE_BYTES = 32_000
MAX_CARD_BYTES = 32 * 1024
MAX_WIDGETS_PER_CARD = 100
MAX_COLUMNS = 2
MAX_CARD_ACTIONS = 10
MAX_SELECTION_ITEMS = 100
MAX_THREAD_KEY_CHARS = 4000

DEF = "#/$defs/"
CARD = "GoogleAppsCardV1Card"
ADDON_KEYS = ("hostAppDataAction", "action")

# Widget fields that are settings rather than the kind of widget.
_WIDGET_SETTINGS = frozenset(
    {"horizontalAlignment", "id", "visibility", "eventActions"}
)


@functools.cache
def definitions() -> dict[str, Any]:
    """The `$defs` of Chat's JSON Schema, built once; callers must not mutate it."""
    document = discovery.load_document()
    definitions = discovery.translate(document)
    _forbid_unavailable(document, definitions)
    _add_card_rules(definitions)
    _add_widget_rules(definitions)
    _add_message_rules(definitions)
    definitions.update(_addon_definitions())
    return definitions


def _forbid_unavailable(
    document: dict[str, Any], definitions: dict[str, dict[str, Any]]
) -> None:
    # The document marks Workspace-Studio-only fields "Unavailable for Google Chat
    # apps"; sending one is a mistake, so say so instead of passing it on.
    for name, schema in document["schemas"].items():
        fields = discovery.unavailable_fields(schema)
        if fields:
            reason = "unavailable for Google Chat apps (Workspace Studio only)"
            definitions[name]["x-forbidden-fields"] = dict.fromkeys(fields, reason)


def _add_card_rules(definitions: dict[str, dict[str, Any]]) -> None:
    # The document says "Required." in prose, which the translation picks up; these
    # three are named again so a rewording upstream cannot drop them.
    _require(definitions["GoogleAppsCardV1CardHeader"], "title")
    _require(definitions["GoogleAppsCardV1Button"], "onClick")
    _require(definitions["GoogleAppsCardV1DecoratedText"], "text")

    card = definitions[CARD]
    card["x-max-widgets"] = MAX_WIDGETS_PER_CARD
    card["properties"]["cardActions"]["maxItems"] = MAX_CARD_ACTIONS

    section = definitions["GoogleAppsCardV1Section"]
    section["properties"]["widgets"]["minItems"] = 1
    _require(section, "widgets")

    columns = definitions["GoogleAppsCardV1Columns"]["properties"]["columnItems"]
    columns["maxItems"] = MAX_COLUMNS
    choices = definitions["GoogleAppsCardV1SelectionInput"]["properties"]["items"]
    choices["maxItems"] = MAX_SELECTION_ITEMS

    footer = definitions["GoogleAppsCardV1CardFixedFooter"]
    footer["x-at-least-one-of"] = ["primaryButton", "secondaryButton"]

    # A card inside a message: fixed footers belong to dialogs only, 32 KB each.
    definitions["MessageCard"] = {
        "$ref": DEF + CARD,
        "x-forbidden-fields": {
            "fixedFooter": "a fixed footer is allowed in dialogs, not card messages"
        },
        "x-max-json-bytes": MAX_CARD_BYTES,
    }
    definitions["CardWithId"]["properties"]["card"] = {"$ref": DEF + "MessageCard"}


def _require(schema: dict[str, Any], field: str) -> None:
    required = schema.setdefault("required", [])
    if field not in required:
        required.append(field)


def _add_widget_rules(definitions: dict[str, dict[str, Any]]) -> None:
    for name in (
        "GoogleAppsCardV1Widget",
        "GoogleAppsCardV1Widgets",
        "GoogleAppsCardV1NestedWidget",
        "AccessoryWidget",
        "GoogleAppsCardV1OnClick",
    ):
        kinds = set(definitions[name]["properties"]) - _WIDGET_SETTINGS
        definitions[name]["x-exactly-one-of"] = sorted(kinds)

    item = definitions["GoogleAppsCardV1OverflowMenuItem"]["properties"]["onClick"]
    reason = "an overflow menu item cannot open another overflow menu"
    item["x-forbidden-fields"] = {"overflowMenu": reason}


def _add_message_rules(definitions: dict[str, dict[str, Any]]) -> None:
    message = definitions["Message"]
    message["x-max-json-bytes"] = MAX_MESSAGE_BYTES
    message["x-message-rules"] = True
    thread_key = definitions["Thread"]["properties"]["threadKey"]
    thread_key["maxLength"] = MAX_THREAD_KEY_CHARS

    definitions["ActionResponse"]["x-action-response"] = True
    dialog_action = definitions["DialogAction"]
    dialog_action["x-at-least-one-of"] = ["dialog", "actionStatus"]
    definitions["Dialog"]["required"] = ["body"]


def _addon_definitions() -> dict[str, dict[str, Any]]:
    # The add-on response shapes are not in any discovery document shipped with
    # the client library, so they are written out here from Google's add-on docs.
    def closed(properties: dict[str, Any], **rules: Any) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        schema["additionalProperties"] = False
        return schema | rules

    card = {"$ref": DEF + CARD, "x-max-json-bytes": MAX_CARD_BYTES}
    addon_message = {
        "$ref": DEF + "Message",
        "x-forbidden-fields": {
            "actionResponse": "actionResponse belongs to the chat envelope"
        },
    }
    message_action = closed({"message": addon_message}, required=["message"])
    preview = {"type": "array", "items": {"$ref": DEF + "CardWithId"}}
    end_action = {"enum": ["CLOSE_DIALOG", "CLOSE_DIALOG_AND_EXECUTE"]}
    navigation = {
        "pushCard": card,
        "updateCard": card,
        "endNavigation": closed({"action": end_action}, required=["action"]),
        "popToRoot": {"type": "boolean"},
        "pop": {"type": "boolean"},
        "popToCard": {"type": "string"},
    }
    return {
        "AddOnResponse": closed(
            {
                "hostAppDataAction": {"$ref": DEF + "AddOnHostAppDataAction"},
                "action": {"$ref": DEF + "AddOnAction"},
            },
            **{"x-exactly-one-of": list(ADDON_KEYS)},
        ),
        "AddOnHostAppDataAction": closed(
            {"chatDataAction": {"$ref": DEF + "AddOnChatDataAction"}},
            required=["chatDataAction"],
        ),
        "AddOnChatDataAction": closed(
            {
                "createMessageAction": message_action,
                "updateMessageAction": message_action,
                "updateInlinePreviewAction": closed(
                    {"cardsV2": preview}, required=["cardsV2"]
                ),
            },
            **{
                "x-exactly-one-of": [
                    "createMessageAction",
                    "updateMessageAction",
                    "updateInlinePreviewAction",
                ]
            },
        ),
        "AddOnAction": closed(
            {
                "navigations": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"$ref": DEF + "AddOnNavigation"},
                },
                "notification": closed({"text": {"type": "string"}}, required=["text"]),
            },
            **{"x-at-least-one-of": ["navigations", "notification"]},
        ),
        "AddOnNavigation": closed(
            navigation, **{"x-exactly-one-of": sorted(navigation)}
        ),
    }


# Keywords for the rules the discovery format cannot state. Each one looks only at
# objects, so a wrong type is reported once, by the "type" keyword.


def _exactly_one_of(
    validator: Any, names: list[str], instance: Any, schema: Any
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    present = [name for name in names if name in instance]
    if len(present) != 1:
        found = ", ".join(present) or "none"
        choices = ", ".join(names)
        yield ValidationError(f"exactly one of {choices} must be set; found {found}")


def _at_least_one_of(
    validator: Any, names: list[str], instance: Any, schema: Any
) -> Iterator[ValidationError]:
    if validator.is_type(instance, "object") and not any(
        name in instance for name in names
    ):
        yield ValidationError(f"at least one of {', '.join(names)} must be set")


def _forbidden_fields(
    validator: Any, reasons: dict[str, str], instance: Any, schema: Any
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for name, reason in reasons.items():
        if name in instance:
            yield ValidationError(reason, path=[name])


def _max_json_bytes(
    validator: Any, limit: int, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    size = json_size(instance)
    if size > limit:
        yield ValidationError(
            f"{size} bytes as compact UTF-8 JSON; the limit is {limit}"
        )


def _max_widgets(
    validator: Any, limit: int, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    count = sum(len(widgets) for widgets in _section_widgets(validator, instance))
    if count > limit:
        yield ValidationError(
            f"{count} widgets in the card; Chat shows at most {limit} and silently "
            "drops the sections past the limit"
        )


def _section_widgets(validator: Any, card: Any) -> Iterable[list[Any]]:
    if not validator.is_type(card, "object"):
        return []
    sections = card.get("sections")
    if not validator.is_type(sections, "array"):
        return []
    return [
        section["widgets"]
        for section in sections
        if validator.is_type(section, "object")
        and validator.is_type(section.get("widgets"), "array")
    ]


def _message_rules(
    validator: Any, enabled: bool, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    if not enabled or not validator.is_type(instance, "object"):
        return
    cards = instance.get("cardsV2")
    if validator.is_type(cards, "array") and len(cards) > 1:
        yield from _card_ids(validator, cards)

    response = instance.get("actionResponse")
    opens_dialog = validator.is_type(response, "object") and (
        response.get("type") == "DIALOG"
    )
    if opens_dialog and "accessoryWidgets" in instance:
        yield ValidationError(
            "accessoryWidgets are not supported in a message with a dialog",
            path=["accessoryWidgets"],
        )


def _card_ids(validator: Any, cards: list[Any]) -> Iterator[ValidationError]:
    seen: set[str] = set()
    for index, card in enumerate(cards):
        if not validator.is_type(card, "object"):
            continue
        card_id = card.get("cardId")
        if card_id is None:
            yield ValidationError(
                "cardId is required when a message has more than one card",
                path=["cardsV2", index],
            )
        elif card_id in seen:
            yield ValidationError(
                f"cardId {card_id!r} is used twice", path=["cardsV2", index, "cardId"]
            )
        elif isinstance(card_id, str):
            seen.add(card_id)


def _action_response(
    validator: Any, enabled: bool, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    if not enabled or not validator.is_type(instance, "object"):
        return
    kind = instance.get("type", "NEW_MESSAGE")
    if kind == "DIALOG" and "dialogAction" not in instance:
        yield ValidationError("type DIALOG needs a dialogAction")
    owners = {"dialogAction": "DIALOG", "url": "REQUEST_CONFIG"}
    owners["updatedWidget"] = "UPDATE_WIDGET"
    for field, owner in owners.items():
        if field in instance and kind != owner:
            yield ValidationError(
                f"{field} is only allowed with type {owner}", path=[field]
            )


Validator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    {
        "x-exactly-one-of": _exactly_one_of,
        "x-at-least-one-of": _at_least_one_of,
        "x-forbidden-fields": _forbidden_fields,
        "x-max-json-bytes": _max_json_bytes,
        "x-max-widgets": _max_widgets,
        "x-message-rules": _message_rules,
        "x-action-response": _action_response,
    },
)


def json_size(value: Any) -> int:
    """Bytes of a value as compact UTF-8 JSON, the way the size limits count."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    return len(text.encode("utf-8"))
