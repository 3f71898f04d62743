"""The Chat message validator: Google's discovery schema plus the prose rules."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest

from sandbox import discovery
from sandbox.chat_schema import (
    MAX_MESSAGE_BYTES,
    MessageInvalid,
    Problem,
    chat_json_schema,
    json_size,
    validate_card,
    validate_interaction_response,
    validate_message,
)

ACK = {"action": {"function": "ack", "parameters": [{"key": "id", "value": "f1"}]}}
CONSOLE = {"openLink": {"url": "https://console.aws.amazon.com/guardduty/"}}


def text(value: str = "Recon:EC2/PortProbeUnprotectedPort") -> dict[str, Any]:
    return {"decoratedText": {"topLabel": "Type", "text": value}}


def card(*widgets: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "header": {"title": "GuardDuty finding", "subtitle": "HIGH 8.0"},
        "sections": [{"widgets": list(widgets) or [text()]}],
    }
    return body | fields


def message(*cards: dict[str, Any], **fields: Any) -> dict[str, Any]:
    with_ids = [{"cardId": f"card-{n}", "card": c} for n, c in enumerate(cards)]
    return {"text": "GuardDuty finding", "cardsV2": with_ids} | fields


def finding_card() -> dict[str, Any]:
    return card(
        {
            "decoratedText": {
                "topLabel": "Resource",
                "text": "i-0abc1234",
                "startIcon": {"materialIcon": {"name": "dns"}},
                "wrapText": True,
            }
        },
        {"textParagraph": {"text": "<b>Count</b>: 42", "maxLines": 5}},
        {"divider": {}},
        {
            "columns": {
                "columnItems": [
                    {"widgets": [{"textParagraph": {"text": "Account"}}]},
                    {"widgets": [{"textParagraph": {"text": "123456789012"}}]},
                ]
            }
        },
        {
            "buttonList": {
                "buttons": [
                    {"text": "Acknowledge", "onClick": ACK, "type": "FILLED"},
                    {"text": "Console", "onClick": CONSOLE},
                    {
                        "icon": {"materialIcon": {"name": "more_vert"}},
                        "onClick": {
                            "overflowMenu": {
                                "items": [{"text": "Suppress", "onClick": ACK}]
                            }
                        },
                    },
                ]
            }
        },
        sectionDividerStyle="SOLID_DIVIDER",
    )


def problems_of(value: dict[str, Any], check: Any = validate_message) -> set[Problem]:
    with pytest.raises(MessageInvalid) as raised:
        check(value)
    return set(raised.value.problems)


VALID_MESSAGES = {
    "plain text": {"text": "hello"},
    "finding card": message(finding_card(), fallbackText="GuardDuty HIGH"),
    "two cards with ids": message(card(), card()),
    "one card without id": {"cardsV2": [{"card": card()}]},
    "threaded": {"text": "x", "thread": {"threadKey": "recon-i-0abc"}},
    "private reply copying the event user": {
        "text": "Not allowed",
        "privateMessageViewer": {
            "name": "users/123",
            "displayName": "Ana",
            "type": "HUMAN",
        },
    },
    "accessory widgets": {
        "text": "x",
        "accessoryWidgets": [
            {"buttonList": {"buttons": [{"text": "a", "onClick": ACK}]}}
        ],
    },
    "exactly 100 widgets": message(card(*[text()] * 100)),
    "64-bit integer as string or number": message(
        card(
            {"dateTimePicker": {"name": "a", "valueMsEpoch": "796435200000"}},
            {"dateTimePicker": {"name": "b", "valueMsEpoch": 796435200000}},
        )
    ),
    "markdown syntax": {"text": "**bold**", "markupSyntax": "MARKUP_SYNTAX_MARKDOWN"},
}


@pytest.mark.parametrize("body", VALID_MESSAGES.values(), ids=VALID_MESSAGES.keys())
def test_valid_messages_pass(body: dict[str, Any]) -> None:
    validate_message(body)


def widget_path(index: int = 0) -> str:
    return f"$.cardsV2[0].card.sections[0].widgets[{index}]"


def header_with(**fields: Any) -> dict[str, Any]:
    return message(card(header={"title": "T"} | fields))


INVALID_MESSAGES = {
    "unknown field": (
        header_with(imageStyle="AVATAR"),
        Problem("$.cardsV2[0].card.header.imageStyle", "unknown field"),
    ),
    "unknown top-level field": (
        {"text": "x", "cards_v2": []},
        Problem("$.cards_v2", "unknown field"),
    ),
    "wrong type": (
        message(card({"textParagraph": {"text": "x", "maxLines": "5"}})),
        Problem(
            widget_path() + ".textParagraph.maxLines", "expected integer, got string"
        ),
    ),
    "null value": (
        {"text": None},
        Problem("$.text", "expected string, got null"),
    ),
    "boolean where an integer goes": (
        message(card({"textParagraph": {"text": "x", "maxLines": True}})),
        Problem(
            widget_path() + ".textParagraph.maxLines", "expected integer, got boolean"
        ),
    ),
    "int32 out of range": (
        message(card({"textParagraph": {"text": "x", "maxLines": 2**31}})),
        Problem(
            widget_path() + ".textParagraph.maxLines",
            "2147483648 is greater than the maximum of 2147483647",
        ),
    ),
    "value outside an enum": (
        header_with(imageType="ROUND"),
        Problem(
            "$.cardsV2[0].card.header.imageType",
            "'ROUND' is not one of: SQUARE, CIRCLE",
        ),
    ),
    "101 widgets": (
        message(card(*[text()] * 101)),
        Problem(
            "$.cardsV2[0].card",
            "101 widgets in the card; Chat shows at most 100 and silently drops "
            "the sections past the limit",
        ),
    ),
    "3 columns": (
        message(card({"columns": {"columnItems": [{}, {}, {}]}})),
        Problem(widget_path() + ".columns.columnItems", "3 items; at most 2 allowed"),
    ),
    "missing header title": (
        message(card(header={"subtitle": "no title"})),
        Problem("$.cardsV2[0].card.header.title", "required field is missing"),
    ),
    "widget with two kinds": (
        message(card({"divider": {}, "textParagraph": {"text": "x"}})),
        Problem(
            widget_path(),
            "exactly one of buttonList, carousel, chipList, columns, dateTimePicker, "
            "decoratedText, divider, grid, image, selectionInput, textInput, "
            "textParagraph must be set; found divider, textParagraph",
        ),
    ),
    "widget with no kind": (
        message(card({"horizontalAlignment": "CENTER"})),
        Problem(
            widget_path(),
            "exactly one of buttonList, carousel, chipList, columns, dateTimePicker, "
            "decoratedText, divider, grid, image, selectionInput, textInput, "
            "textParagraph must be set; found none",
        ),
    ),
    "onClick with two kinds": (
        message(
            card({"buttonList": {"buttons": [{"text": "b", "onClick": ACK | CONSOLE}]}})
        ),
        Problem(
            widget_path() + ".buttonList.buttons[0].onClick",
            "exactly one of action, card, openDynamicLinkAction, openLink, "
            "overflowMenu must be set; found action, openLink",
        ),
    ),
    "button without onClick": (
        message(card({"buttonList": {"buttons": [{"text": "b"}]}})),
        Problem(
            widget_path() + ".buttonList.buttons[0].onClick",
            "required field is missing",
        ),
    ),
    "decorated text without text": (
        message(card({"decoratedText": {"topLabel": "Severity"}})),
        Problem(widget_path() + ".decoratedText.text", "required field is missing"),
    ),
    "section with an empty widget list": (
        message({"header": {"title": "T"}, "sections": [{"widgets": []}]}),
        Problem(
            "$.cardsV2[0].card.sections[0].widgets", "0 items; at least 1 required"
        ),
    ),
    "section without widgets": (
        message({"header": {"title": "T"}, "sections": [{"header": "Details"}]}),
        Problem("$.cardsV2[0].card.sections[0].widgets", "required field is missing"),
    ),
    "fixed footer in a card message": (
        message(card(fixedFooter={"primaryButton": {"text": "OK", "onClick": ACK}})),
        Problem(
            "$.cardsV2[0].card.fixedFooter",
            "a fixed footer is allowed in dialogs, not card messages",
        ),
    ),
    "Workspace Studio field": (
        message(card({"divider": {}, "visibility": "HIDDEN"})),
        Problem(
            widget_path() + ".visibility",
            "unavailable for Google Chat apps (Workspace Studio only)",
        ),
    ),
    "overflow menu inside an overflow menu": (
        message(
            card(
                {
                    "buttonList": {
                        "buttons": [
                            {
                                "text": "More",
                                "onClick": {
                                    "overflowMenu": {
                                        "items": [
                                            {
                                                "text": "Nested",
                                                "onClick": {
                                                    "overflowMenu": {"items": []}
                                                },
                                            }
                                        ]
                                    }
                                },
                            }
                        ]
                    }
                }
            )
        ),
        Problem(
            widget_path(0)
            + ".buttonList.buttons[0].onClick.overflowMenu.items[0]"
            + ".onClick.overflowMenu",
            "an overflow menu item cannot open another overflow menu",
        ),
    ),
    "thread key over 4000 characters": (
        {"text": "x", "thread": {"threadKey": "k" * 4001}},
        Problem("$.thread.threadKey", "4001 characters; at most 4000 allowed"),
    ),
}


@pytest.mark.parametrize(
    ("body", "expected"), INVALID_MESSAGES.values(), ids=INVALID_MESSAGES.keys()
)
def test_invalid_messages_name_the_path_and_reason(
    body: dict[str, Any], expected: Problem
) -> None:
    assert expected in problems_of(body)


def test_two_cards_without_card_id_are_both_reported() -> None:
    body = {"cardsV2": [{"card": card()}, {"card": card()}]}

    reason = "cardId is required when a message has more than one card"
    assert problems_of(body) == {
        Problem("$.cardsV2[0]", reason),
        Problem("$.cardsV2[1]", reason),
    }


def test_card_ids_must_be_unique() -> None:
    body = {"cardsV2": [{"cardId": "a", "card": card()}] * 2}

    assert problems_of(body) == {
        Problem("$.cardsV2[1].cardId", "cardId 'a' is used twice")
    }


def test_message_size_counts_utf8_bytes_of_compact_json() -> None:
    # 15,995 characters, but two bytes each: 32,001 bytes with the JSON around them.
    body = {"text": "é" * 15_995}
    size = json_size(body)
    assert size == 15_995 * 2 + len('{"text":""}') == MAX_MESSAGE_BYTES + 1

    assert problems_of(body) == {
        Problem("$", "32001 bytes as compact UTF-8 JSON; the limit is 32000")
    }
    validate_message({"text": "é" * 15_994})


def test_a_dialog_card_over_32_kb_is_rejected() -> None:
    big = card(*[text("x" * 400)] * 90)
    size = json_size(big)
    assert size > 32 * 1024

    assert problems_of(big, lambda c: validate_card(c, in_dialog=True)) == {
        Problem("$", f"{size} bytes as compact UTF-8 JSON; the limit is 32768")
    }


def test_every_problem_is_listed_in_path_order() -> None:
    body = message(card({"decoratedText": {}}, header={"imageType": "ROUND"}))
    body["extra"] = 1

    with pytest.raises(MessageInvalid) as raised:
        validate_message(body)

    paths = [problem.path for problem in raised.value.problems]
    assert paths == [
        "$.cardsV2[0].card.header.imageType",
        "$.cardsV2[0].card.header.title",
        "$.cardsV2[0].card.sections[0].widgets[0].decoratedText.text",
        "$.extra",
    ]
    assert str(raised.value).startswith("4 problem(s): $.cardsV2[0].card.header")


def test_validate_card_allows_a_fixed_footer_only_in_dialogs() -> None:
    footer = {"primaryButton": {"text": "Send", "onClick": ACK}}
    dialog = card(fixedFooter=footer)

    validate_card(dialog, in_dialog=True)
    assert problems_of(dialog, validate_card) == {
        Problem(
            "$.fixedFooter", "a fixed footer is allowed in dialogs, not card messages"
        )
    }


def test_validator_accepts_mappings_and_tuples() -> None:
    from types import MappingProxyType

    frozen = MappingProxyType({"cardsV2": ({"cardId": "a", "card": finding_card()},)})

    validate_message(frozen)


def test_schema_comes_from_the_shipped_discovery_document() -> None:
    document = discovery.load_document()
    assert document["id"] == "chat:v1"
    assert "GoogleAppsCardV1Card" in document["schemas"]

    schema = {"$defs": chat_json_schema()}
    jsonschema.Draft202012Validator.check_schema(schema)


def test_every_object_in_the_schema_is_closed() -> None:
    def objects(node: Any) -> list[dict[str, Any]]:
        if isinstance(node, dict):
            found = [node] if node.get("type") == "object" else []
            return found + [o for value in node.values() for o in objects(value)]
        if isinstance(node, list):
            return [o for value in node for o in objects(value)]
        return []

    open_objects = [
        o for o in objects(chat_json_schema()) if "additionalProperties" not in o
    ]
    assert len(objects(chat_json_schema())) > 190
    assert open_objects == []


def test_schema_copy_cannot_change_the_validator() -> None:
    schema = chat_json_schema()
    schema["Message"]["properties"]["surprise"] = {"type": "string"}

    assert problems_of({"surprise": "x"}) == {Problem("$.surprise", "unknown field")}


# Answers to interaction events.

DIALOG_CARD = card(
    {"textInput": {"name": "reason", "label": "Reason"}},
    fixedFooter={"primaryButton": {"text": "Escalate", "onClick": ACK}},
)

VALID_RESPONSES = {
    "no reply": {},
    "update the clicked card": message(
        finding_card(), actionResponse={"type": "UPDATE_MESSAGE"}
    ),
    "new message": {"text": "Done", "actionResponse": {"type": "NEW_MESSAGE"}},
    "private message": {
        "text": "You may not archive findings",
        "privateMessageViewer": {"name": "users/42"},
    },
    "open a dialog": {
        "actionResponse": {
            "type": "DIALOG",
            "dialogAction": {"dialog": {"body": DIALOG_CARD}},
        }
    },
    "close a dialog": {
        "actionResponse": {
            "type": "DIALOG",
            "dialogAction": {
                "actionStatus": {"statusCode": "OK", "userFacingMessage": "Escalated"}
            },
        }
    },
    "add-on new message": {
        "hostAppDataAction": {
            "chatDataAction": {"createMessageAction": {"message": message(card())}}
        }
    },
    "add-on update message": {
        "hostAppDataAction": {
            "chatDataAction": {"updateMessageAction": {"message": message(card())}}
        }
    },
    "add-on link preview": {
        "hostAppDataAction": {
            "chatDataAction": {
                "updateInlinePreviewAction": {"cardsV2": [{"card": card()}]}
            }
        }
    },
    "add-on dialog": {"action": {"navigations": [{"pushCard": DIALOG_CARD}]}},
    "add-on dialog closed with a notification": {
        "action": {
            "navigations": [{"endNavigation": {"action": "CLOSE_DIALOG"}}],
            "notification": {"text": "Escalated"},
        }
    },
}


@pytest.mark.parametrize("body", VALID_RESPONSES.values(), ids=VALID_RESPONSES.keys())
def test_valid_interaction_responses_pass(body: dict[str, Any]) -> None:
    validate_interaction_response(body)


INVALID_RESPONSES = {
    "dialog type without a dialog": (
        {"actionResponse": {"type": "DIALOG"}},
        Problem("$.actionResponse", "type DIALOG needs a dialogAction"),
    ),
    "dialog action on a message update": (
        {
            "actionResponse": {
                "type": "UPDATE_MESSAGE",
                "dialogAction": {"dialog": {"body": DIALOG_CARD}},
            }
        },
        Problem(
            "$.actionResponse.dialogAction",
            "dialogAction is only allowed with type DIALOG",
        ),
    ),
    "unknown response type": (
        {"actionResponse": {"type": "REPLACE"}},
        Problem(
            "$.actionResponse.type",
            "'REPLACE' is not one of: TYPE_UNSPECIFIED, NEW_MESSAGE, UPDATE_MESSAGE, "
            "UPDATE_USER_MESSAGE_CARDS, REQUEST_CONFIG, DIALOG, UPDATE_WIDGET",
        ),
    ),
    "status shorthand instead of an object": (
        {"actionResponse": {"type": "DIALOG", "dialogAction": {"actionStatus": "OK"}}},
        Problem(
            "$.actionResponse.dialogAction.actionStatus", "expected object, got string"
        ),
    ),
    "status code that is not a google.rpc code": (
        {
            "actionResponse": {
                "type": "DIALOG",
                "dialogAction": {"actionStatus": {"statusCode": "SUCCESS"}},
            }
        },
        Problem(
            "$.actionResponse.dialogAction.actionStatus.statusCode",
            "'SUCCESS' is not one of: OK, CANCELLED, UNKNOWN, INVALID_ARGUMENT, "
            "DEADLINE_EXCEEDED, NOT_FOUND, ALREADY_EXISTS, PERMISSION_DENIED, "
            "UNAUTHENTICATED, RESOURCE_EXHAUSTED, FAILED_PRECONDITION, ABORTED, "
            "OUT_OF_RANGE, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS",
        ),
    ),
    "dialog body card without header title": (
        {
            "actionResponse": {
                "type": "DIALOG",
                "dialogAction": {"dialog": {"body": card(header={})}},
            }
        },
        Problem(
            "$.actionResponse.dialogAction.dialog.body.header.title",
            "required field is missing",
        ),
    ),
    "accessory widgets with a dialog": (
        {
            "accessoryWidgets": [{"buttonList": {"buttons": []}}],
            "actionResponse": {
                "type": "DIALOG",
                "dialogAction": {"actionStatus": {"statusCode": "OK"}},
            },
        },
        Problem(
            "$.accessoryWidgets",
            "accessoryWidgets are not supported in a message with a dialog",
        ),
    ),
    "add-on answer with both actions": (
        {
            "hostAppDataAction": {
                "chatDataAction": {"createMessageAction": {"message": {"text": "x"}}}
            },
            "action": {"notification": {"text": "x"}},
        },
        Problem(
            "$",
            "exactly one of hostAppDataAction, action must be set; "
            "found hostAppDataAction, action",
        ),
    ),
    "add-on message carrying actionResponse": (
        {
            "hostAppDataAction": {
                "chatDataAction": {
                    "updateMessageAction": {
                        "message": {
                            "text": "x",
                            "actionResponse": {"type": "UPDATE_MESSAGE"},
                        }
                    }
                }
            }
        },
        Problem(
            "$.hostAppDataAction.chatDataAction.updateMessageAction.message"
            ".actionResponse",
            "actionResponse belongs to the chat envelope",
        ),
    ),
    "add-on navigation with two kinds": (
        {"action": {"navigations": [{"pushCard": DIALOG_CARD, "popToRoot": True}]}},
        Problem(
            "$.action.navigations[0]",
            "exactly one of endNavigation, pop, popToCard, popToRoot, pushCard, "
            "updateCard must be set; found popToRoot, pushCard",
        ),
    ),
    "add-on end navigation value": (
        {"action": {"navigations": [{"endNavigation": {"action": "CLOSE"}}]}},
        Problem(
            "$.action.navigations[0].endNavigation.action",
            "'CLOSE' is not one of: CLOSE_DIALOG, CLOSE_DIALOG_AND_EXECUTE",
        ),
    ),
    "add-on answer mixed with a message field": (
        {"action": {"notification": {"text": "x"}}, "text": "hello"},
        Problem("$.text", "unknown field"),
    ),
    "add-on message with an invalid card": (
        {
            "hostAppDataAction": {
                "chatDataAction": {
                    "createMessageAction": {"message": message(card(header={}))}
                }
            }
        },
        Problem(
            "$.hostAppDataAction.chatDataAction.createMessageAction.message"
            ".cardsV2[0].card.header.title",
            "required field is missing",
        ),
    ),
}


@pytest.mark.parametrize(
    ("body", "expected"), INVALID_RESPONSES.values(), ids=INVALID_RESPONSES.keys()
)
def test_invalid_interaction_responses_name_the_path_and_reason(
    body: dict[str, Any], expected: Problem
) -> None:
    assert expected in problems_of(body, validate_interaction_response)


@pytest.mark.parametrize(
    ("body", "envelope", "found"),
    [
        ({"text": "x"}, "addon", "chat"),
        ({"action": {"notification": {"text": "x"}}}, "chat", "addon"),
    ],
)
def test_the_answer_must_use_the_event_envelope(
    body: dict[str, Any], envelope: Any, found: str
) -> None:
    with pytest.raises(MessageInvalid) as raised:
        validate_interaction_response(body, envelope=envelope)

    reason = f"expected the {envelope} envelope, got the {found} envelope"
    assert raised.value.problems == (Problem("$", reason),)
    validate_interaction_response(body, envelope=found)  # type: ignore[arg-type]


def test_validation_does_not_change_the_input() -> None:
    body = message(finding_card())
    before = copy.deepcopy(body)

    validate_message(body)

    assert body == before
