"""What makes a Chat message acceptable, and who wrote it.

The rules of one message the local Chat applies on every write: Google's errors
(`ChatApiError`), the writer (`Caller`), client-assigned ID rules, body validation
against Chat's schema, and `updateMask` semantics.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sandbox.chat_schema import MessageInvalid, validate_message

CLIENT_ID = re.compile(r"client-[a-z0-9-]+")
MAX_CLIENT_ID_CHARS = 63

# The Message fields a writer sets; output-only ones sent in a body are ignored,
# as Google ignores them.
CONTENT_FIELDS = frozenset(
    {
        "accessoryWidgets",
        "attachment",
        "cards",
        "cardsV2",
        "elements",
        "fallbackText",
        "markupSyntax",
        "privateMessageViewer",
        "quotedMessageMetadata",
        "text",
    }
)
# Output-only fields a person's message carries when it holds a slash command; the
# store keeps them on people's messages only.
COMMAND_FIELDS = frozenset({"annotations", "argumentText", "slashCommand"})
# updateMask paths, as the API documents them and in their JSON spelling.
MASK_FIELDS = {
    "text": "text",
    "attachment": "attachment",
    "cards": "cards",
    "cards_v2": "cardsV2",
    "cardsV2": "cardsV2",
    "accessory_widgets": "accessoryWidgets",
    "accessoryWidgets": "accessoryWidgets",
    "quoted_message_metadata": "quotedMessageMetadata",
    "quotedMessageMetadata": "quotedMessageMetadata",
}

_STATUS_CODES = {
    "INVALID_ARGUMENT": 400,
    "UNAUTHENTICATED": 401,
    "PERMISSION_DENIED": 403,
    "NOT_FOUND": 404,
    "ALREADY_EXISTS": 409,
    "RESOURCE_EXHAUSTED": 429,
    "UNAVAILABLE": 503,
}


class ChatApiError(Exception):
    """An error the Chat API answers with, in Google's error model.

    Attributes:
        status: the google.rpc code name, e.g. "NOT_FOUND".
        code: the HTTP status that goes with it.
        retry_after: seconds to wait, for RESOURCE_EXHAUSTED.
    """

    def __init__(self, status: str, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.status = status
        self.code = _STATUS_CODES[status]
        self.message = message
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        """`{"error": {"code", "message", "status"}}`."""
        error = {"code": self.code, "message": self.message, "status": self.status}
        return {"error": error}


@dataclass(frozen=True)
class Caller:
    """Who writes: a Chat app (by its service account), an incoming webhook, or a
    person of the sandbox typing in the page."""

    kind: Literal["app", "webhook", "human"]
    id: str
    user_id: str
    display_name: str

    def sender(self) -> dict[str, str]:
        """The `sender` User of the messages it writes."""
        return {
            "name": f"users/{self.user_id}",
            "displayName": self.display_name,
            "type": "HUMAN" if self.kind == "human" else "BOT",
        }


def check_client_id(message_id: str) -> None:
    """Raises INVALID_ARGUMENT unless the ID follows Google's client-ID rules."""
    if len(message_id) > MAX_CLIENT_ID_CHARS or not CLIENT_ID.fullmatch(message_id):
        raise ChatApiError(
            "INVALID_ARGUMENT",
            "messageId must start with client- and have at most 63 lowercase "
            "letters, digits and hyphens.",
        )


def validated(content: Mapping[str, Any]) -> dict[str, Any]:
    """The content as a dict, or INVALID_ARGUMENT naming every schema problem."""
    try:
        validate_message(content)
    except MessageInvalid as error:
        raise ChatApiError("INVALID_ARGUMENT", f"Invalid message: {error}") from error
    return dict(content)


def not_empty(body: Mapping[str, Any]) -> Mapping[str, Any]:
    """The body, or INVALID_ARGUMENT if it has nothing to show."""
    if not any(body.get(name) for name in ("text", "cardsV2", "cards", "attachment")):
        raise ChatApiError("INVALID_ARGUMENT", "Message cannot be empty.")
    return body


def mask_fields(update_mask: str | None) -> set[str]:
    """The Message fields an `updateMask` names, or INVALID_ARGUMENT."""
    if not update_mask:
        raise ChatApiError("INVALID_ARGUMENT", "updateMask is required.")
    paths = [path.strip() for path in update_mask.split(",")]
    if "*" in paths:
        return set(MASK_FIELDS.values())
    unknown = [path for path in paths if path not in MASK_FIELDS]
    if unknown:
        raise ChatApiError(
            "INVALID_ARGUMENT", f"Invalid updateMask paths: {', '.join(unknown)}"
        )
    return {MASK_FIELDS[path] for path in paths}


def merged(
    content: Mapping[str, Any], body: Mapping[str, Any], fields: set[str]
) -> dict[str, Any]:
    """The content after a patch: masked fields from the body, absent ones cleared."""
    if "quotedMessageMetadata" in fields and "quotedMessageMetadata" in body:
        raise ChatApiError(
            "INVALID_ARGUMENT", "quoted_message_metadata can only be removed."
        )
    merged = dict(content)
    for name in fields:
        if name in body:
            merged[name] = copy.deepcopy(body[name])
        else:
            merged.pop(name, None)
    # The text's markup syntax goes with the text, outside the mask.
    if "text" in fields and "markupSyntax" in body:
        merged["markupSyntax"] = body["markupSyntax"]
    return merged
