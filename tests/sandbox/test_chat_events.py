"""Interaction events: Google's shapes, checked against the discovery document."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.chat_events import (
    ClickedAction,
    EventContext,
    EventFormat,
    SlashCommand,
    added_to_space,
    app_command,
    card_clicked,
    command_message_fields,
    form_inputs,
)
from sandbox.chat_people import DEFAULT_PEOPLE
from sandbox.chat_schema import MessageInvalid, validate_event

ANALYST = DEFAULT_PEOPLE[0]
APP_USER = {"name": "users/118000000000000000000", "displayName": "GuardDuty"}
SPACE = {"name": "spaces/AAAAtest", "displayName": "Alerts", "spaceType": "SPACE"}
MESSAGE: dict[str, Any] = {
    "name": "spaces/AAAAtest/messages/abc.def",
    "sender": {**APP_USER, "type": "BOT"},
    "createTime": "2026-01-02T03:04:05.000006Z",
    "cardsV2": [
        {
            "cardId": "finding",
            "card": {
                "header": {"title": "Port probe"},
                "sections": [{"widgets": [{"decoratedText": {"text": "i-0abc"}}]}],
            },
        }
    ],
    "thread": {"name": "spaces/AAAAtest/threads/t1", "threadKey": "k1"},
    "space": {"name": "spaces/AAAAtest"},
}
ARCHIVE = ClickedAction("guardduty", (("action", "archive"), ("finding", "arn:x")))


def context(event_format: EventFormat) -> EventContext:
    return EventContext(
        event_format,
        ANALYST,
        SPACE,
        "2026-01-02T03:04:06.123456Z",
        "header.payload.signature",
        {**APP_USER, "type": "BOT"},
    )


def test_a_classic_click_carries_the_action_twice_as_chat_does() -> None:
    event = card_clicked(context("classic"), MESSAGE, ARCHIVE)

    validate_event(event)
    assert event["type"] == "CARD_CLICKED"
    assert event["user"] == {
        "name": f"users/{ANALYST.user_id}",
        "displayName": "Alex Analyst",
        "email": "alex.analyst@example.com",
        "type": "HUMAN",
    }
    assert event["message"] == MESSAGE
    assert event["thread"] == MESSAGE["thread"]
    assert event["threadKey"] == "k1"
    assert event["action"] == {
        "actionMethodName": "guardduty",
        "parameters": [
            {"key": "action", "value": "archive"},
            {"key": "finding", "value": "arn:x"},
        ],
    }
    assert event["common"] == {
        "hostApp": "CHAT",
        "invokedFunction": "guardduty",
        "parameters": {"action": "archive", "finding": "arn:x"},
    }
    assert "isDialogEvent" not in event
    assert "authorizationEventObject" not in event


def test_an_addon_click_is_an_event_object_with_the_token_in_the_body() -> None:
    event = card_clicked(context("addon"), MESSAGE, ARCHIVE)

    validate_event(event)
    assert "type" not in event
    assert event["commonEventObject"] == {
        "hostApp": "CHAT",
        "parameters": {"action": "archive", "finding": "arn:x"},
    }
    assert event["authorizationEventObject"] == {
        "systemIdToken": "header.payload.signature"
    }
    chat = event["chat"]
    assert chat["user"]["email"] == "alex.analyst@example.com"
    assert chat["eventTime"] == "2026-01-02T03:04:06.123456Z"
    assert chat["buttonClickedPayload"] == {"message": MESSAGE, "space": SPACE}


@pytest.mark.parametrize("event_format", ["classic", "addon"])
def test_a_dialog_submit_has_form_inputs_in_googles_shape(
    event_format: EventFormat,
) -> None:
    inputs = {"reason": ["Looks bad"], "urgency": ["now", "today"]}

    event = card_clicked(
        context(event_format), MESSAGE, ARCHIVE, dialog="SUBMIT_DIALOG", inputs=inputs
    )

    validate_event(event)
    common = event["common" if event_format == "classic" else "commonEventObject"]
    assert common["formInputs"] == {
        "reason": {"stringInputs": {"value": ["Looks bad"]}},
        "urgency": {"stringInputs": {"value": ["now", "today"]}},
    }
    where = (
        event if event_format == "classic" else event["chat"]["buttonClickedPayload"]
    )
    assert where["isDialogEvent"] is True
    assert where["dialogEventType"] == "SUBMIT_DIALOG"


def test_closing_a_dialog_sends_no_action() -> None:
    event = card_clicked(context("classic"), MESSAGE, None, dialog="CANCEL_DIALOG")

    validate_event(event)
    assert "action" not in event
    assert event["common"] == {"hostApp": "CHAT"}
    assert event["dialogEventType"] == "CANCEL_DIALOG"


def command_message() -> dict[str, Any]:
    command = SlashCommand("/gd-finding", 1, " 1f804fda")
    return {
        **MESSAGE,
        "sender": ANALYST.caller().sender(),
        "cardsV2": [],
        **command_message_fields(command, {**APP_USER, "type": "BOT"}),
    }


def test_a_slash_command_as_a_message_event_names_the_command_as_a_string() -> None:
    command = SlashCommand("/gd-finding", 1, " 1f804fda")

    event = app_command(context("classic"), command_message(), command)

    validate_event(event)
    assert event["type"] == "MESSAGE"
    message = event["message"]
    assert message["text"] == "/gd-finding 1f804fda"
    assert message["argumentText"] == " 1f804fda"
    assert message["slashCommand"] == {"commandId": "1"}
    annotation = message["annotations"][0]
    assert annotation["type"] == "SLASH_COMMAND"
    assert (annotation["startIndex"], annotation["length"]) == (0, 11)
    assert annotation["slashCommand"]["commandName"] == "/gd-finding"
    assert annotation["slashCommand"]["type"] == "INVOKE"
    assert message["sender"]["type"] == "HUMAN"
    assert "appCommandMetadata" not in event


def test_a_slash_command_as_an_app_command_event_names_it_as_an_integer() -> None:
    command = SlashCommand("/gd-help", 4)

    event = app_command(
        context("classic"), command_message(), command, classic_event="APP_COMMAND"
    )

    validate_event(event)
    assert event["type"] == "APP_COMMAND"
    assert event["appCommandMetadata"] == {
        "appCommandId": 4,
        "appCommandType": "SLASH_COMMAND",
    }


def test_an_addon_slash_command_is_an_app_command_payload() -> None:
    command = SlashCommand("/gd-stats", 3, " 24h")

    event = app_command(context("addon"), command_message(), command)

    validate_event(event)
    payload = event["chat"]["appCommandPayload"]
    assert payload["appCommandMetadata"] == {
        "appCommandId": 3,
        "appCommandType": "SLASH_COMMAND",
    }
    assert payload["space"] == SPACE
    assert payload["message"]["argumentText"] == " 1f804fda"
    assert "commonEventObject" in event


@pytest.mark.parametrize("event_format", ["classic", "addon"])
def test_adding_the_app_to_a_space_names_the_space(event_format: EventFormat) -> None:
    event = added_to_space(context(event_format))

    validate_event(event)
    if event_format == "classic":
        assert event["type"] == "ADDED_TO_SPACE"
        assert "message" not in event
        assert event["space"] == SPACE
    else:
        assert event["chat"]["addedToSpacePayload"] == {"space": SPACE}


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"type": "CLICKED"}, "$.type"),
        ({"actionName": "archive"}, "$.actionName"),
        ({"eventTime": "yesterday"}, "$.eventTime"),
        ({"common": {"parameters": {"action": 3}}}, "$.common.parameters.action"),
    ],
)
def test_a_malformed_classic_event_is_refused(
    change: dict[str, Any], where: str
) -> None:
    event = card_clicked(context("classic"), MESSAGE, ARCHIVE) | change

    with pytest.raises(MessageInvalid) as refused:
        validate_event(event)

    assert where in [problem.path for problem in refused.value.problems]


def test_an_addon_event_needs_exactly_one_payload() -> None:
    event = card_clicked(context("addon"), MESSAGE, ARCHIVE)
    event["chat"]["addedToSpacePayload"] = {"space": SPACE}

    with pytest.raises(MessageInvalid, match="exactly one of"):
        validate_event(event)


def test_form_inputs_turn_every_value_into_a_string() -> None:
    assert form_inputs({"n": ["1", "2"]}) == {
        "n": {"stringInputs": {"value": ["1", "2"]}}
    }
