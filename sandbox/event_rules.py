"""The schema of the interaction events the local Chat sends to an app.

A classic event is the Chat API's `DeprecatedEvent`, straight from the discovery
document. The Workspace add-on event object is not in any discovery document that
ships with the client library, so its envelope is written out here from Google's
add-on documentation, with every part that the Chat API does define (`User`,
`Space`, `Message`, `CommonEventObject`, `AppCommandMetadata`) taken by reference
from the discovery schema.
"""

from __future__ import annotations

from typing import Any

from sandbox.chat_rules import DEF

DIALOG_EVENT_TYPES = ["REQUEST_DIALOG", "SUBMIT_DIALOG", "CANCEL_DIALOG"]
PAYLOADS = (
    "messagePayload",
    "addedToSpacePayload",
    "removedFromSpacePayload",
    "buttonClickedPayload",
    "widgetUpdatedPayload",
    "appCommandPayload",
)


def _closed(properties: dict[str, Any], *required: str) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        schema["required"] = list(required)
    return schema


def _ref(name: str) -> dict[str, str]:
    return {"$ref": DEF + name}


_TEXT = {"type": "string"}
_DIALOG = {
    "isDialogEvent": {"type": "boolean"},
    "dialogEventType": {"enum": DIALOG_EVENT_TYPES},
}
_PAYLOAD_SCHEMAS = {
    "messagePayload": _closed(
        {
            "message": _ref("Message"),
            "space": _ref("Space"),
            "configCompleteRedirectUri": _TEXT,
        },
        "message",
        "space",
    ),
    "addedToSpacePayload": _closed(
        {
            "space": _ref("Space"),
            "interactionAdd": {"type": "boolean"},
            "configCompleteRedirectUri": _TEXT,
        },
        "space",
    ),
    "removedFromSpacePayload": _closed({"space": _ref("Space")}, "space"),
    "buttonClickedPayload": _closed(
        {"message": _ref("Message"), "space": _ref("Space"), **_DIALOG}, "space"
    ),
    "widgetUpdatedPayload": _closed(
        {"message": _ref("Message"), "space": _ref("Space")}, "space"
    ),
    "appCommandPayload": _closed(
        {
            "appCommandMetadata": _ref("AppCommandMetadata"),
            "message": _ref("Message"),
            "space": _ref("Space"),
            "thread": _ref("Thread"),
            "configCompleteRedirectUri": _TEXT,
            **_DIALOG,
        },
        "appCommandMetadata",
        "space",
    ),
}

ADDON_EVENT: dict[str, Any] = _closed(
    {
        "commonEventObject": _ref("CommonEventObject"),
        "authorizationEventObject": _closed(
            {"systemIdToken": _TEXT, "userOAuthToken": _TEXT, "userIdToken": _TEXT}
        ),
        "chat": {
            **_closed(
                {
                    "user": _ref("User"),
                    "eventTime": _ref("DeprecatedEvent/properties/eventTime"),
                    **_PAYLOAD_SCHEMAS,
                },
                "user",
                "eventTime",
            ),
            "x-exactly-one-of": list(PAYLOADS),
        },
    },
    "commonEventObject",
    "chat",
)
# Google marks no field of the event required; these four are in every event.
CLASSIC_EVENT: dict[str, Any] = {
    **_ref("DeprecatedEvent"),
    "required": ["type", "eventTime", "user", "space"],
}
