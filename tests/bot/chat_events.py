"""Google Chat interaction events, in both formats, as Google sends them to an app.

Shapes follow Google's classic event (``DeprecatedEvent`` in the Chat discovery
document) and the Workspace add-on event object for Chat; values are invented.
"""

from __future__ import annotations

import json
from typing import Any

ALICE = {
    "name": "users/111111111111111111111",
    "displayName": "Alice Admin",
    "email": "alice@example.com",
    "type": "HUMAN",
    "domainId": "c0ffee",
}
MALLORY = {
    "name": "users/222222222222222222222",
    "displayName": "Mallory <users/all>",
    "email": "mallory@example.org",
    "type": "HUMAN",
}
SPACE = {
    "name": "spaces/AAAAalerts",
    "type": "ROOM",
    "spaceType": "SPACE",
    "displayName": "GuardDuty alerts",
}
CARD_MESSAGE = {
    "name": "spaces/AAAAalerts/messages/client-gd-0123",
    "sender": {"name": "users/app", "type": "BOT"},
    "space": SPACE,
    "thread": {"name": "spaces/AAAAalerts/threads/t1"},
}
EVENT_TIME = "2026-12-01T10:00:00.000000Z"


def click(
    envelope: str,
    parameters: dict[str, str],
    *,
    user: dict[str, Any] = ALICE,
    dialog: str | None = None,
    form: dict[str, str] | None = None,
    card: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A click on a card button (or a dialog's button) with these parameters.

    Args:
        card: what the clicked message holds now (``cardsV2``...), as Chat sends
            it in the event.
    """
    message = {**CARD_MESSAGE, **(card or {})}
    inputs = {
        name: {"stringInputs": {"value": [value]}}
        for name, value in (form or {}).items()
    }
    if envelope == "chat":
        event: dict[str, Any] = {
            "type": "CARD_CLICKED",
            "eventTime": EVENT_TIME,
            "user": user,
            "space": SPACE,
            "message": message,
            "action": {
                "actionMethodName": "guardduty",
                "parameters": [{"key": k, "value": v} for k, v in parameters.items()],
            },
            "common": {
                "hostApp": "CHAT",
                "invokedFunction": "guardduty",
                "parameters": parameters,
            },
        }
        if inputs:
            event["common"]["formInputs"] = inputs
        if dialog:
            event["isDialogEvent"] = True
            event["dialogEventType"] = dialog
        return event
    payload: dict[str, Any] = {"message": message, "space": SPACE}
    if dialog:
        payload["isDialogEvent"] = True
        payload["dialogEventType"] = dialog
    common: dict[str, Any] = {"hostApp": "CHAT", "platform": "WEB"}
    common["parameters"] = parameters
    if inputs:
        common["formInputs"] = inputs
    return _addon({"buttonClickedPayload": payload}, user, common)


def message(
    envelope: str, text: str = "hello", *, command_id: int | None = None
) -> dict[str, Any]:
    """A message to the app; with ``command_id``, a slash command."""
    body: dict[str, Any] = {
        "name": "spaces/AAAAalerts/messages/m1",
        "sender": {"name": ALICE["name"], "type": "HUMAN"},
        "text": text,
        "argumentText": f" {text}",
        "space": SPACE,
    }
    if command_id is not None:
        body["slashCommand"] = {"commandId": str(command_id)}
    if envelope == "chat":
        return {
            "type": "MESSAGE",
            "eventTime": EVENT_TIME,
            "user": ALICE,
            "space": SPACE,
            "message": body,
        }
    return _addon({"messagePayload": {"message": body, "space": SPACE}})


def app_command(envelope: str, command_id: int, text: str = "") -> dict[str, Any]:
    """A slash command as an APP_COMMAND event (appCommandId an integer)."""
    metadata = {"appCommandId": command_id, "appCommandType": "SLASH_COMMAND"}
    body = {"name": "spaces/AAAAalerts/messages/m2", "argumentText": text}
    if envelope == "chat":
        return {
            "type": "APP_COMMAND",
            "eventTime": EVENT_TIME,
            "user": ALICE,
            "space": SPACE,
            "message": body,
            "appCommandMetadata": metadata,
        }
    payload = {"appCommandMetadata": metadata, "message": body, "space": SPACE}
    return _addon({"appCommandPayload": payload})


def added(envelope: str) -> dict[str, Any]:
    if envelope == "chat":
        return {"type": "ADDED_TO_SPACE", "user": ALICE, "space": SPACE}
    return _addon({"addedToSpacePayload": {"space": SPACE}})


def removed(envelope: str) -> dict[str, Any]:
    if envelope == "chat":
        return {"type": "REMOVED_FROM_SPACE", "user": ALICE, "space": SPACE}
    return _addon({"removedFromSpacePayload": {"space": SPACE}})


def _addon(
    payload: dict[str, Any],
    user: dict[str, Any] = ALICE,
    common: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "commonEventObject": common or {"hostApp": "CHAT", "platform": "WEB"},
        "authorizationEventObject": {"systemIdToken": "not-read-by-the-bot"},
        "chat": {"user": user, "eventTime": EVENT_TIME, **payload},
    }


def body(event: dict[str, Any]) -> bytes:
    return json.dumps(event).encode("utf-8")
