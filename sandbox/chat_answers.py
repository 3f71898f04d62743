"""What an app's synchronous answer to an interaction event asks Chat to do.

An answer comes in the envelope of the event it answers. Classic: a Message whose
`actionResponse.type` says NEW_MESSAGE (the default), UPDATE_MESSAGE or DIALOG
(`dialogAction.dialog` opens or replaces a dialog, `dialogAction.actionStatus`
closes it with a message for the person). Workspace add-on:
`hostAppDataAction.chatDataAction` with `createMessageAction` or
`updateMessageAction`, or `action.navigations` (`pushCard`/`updateCard` show a
dialog card, `endNavigation` closes it) with an optional `notification`.

`read_answer` checks an answer against Google's schema first and turns it into one
`Answer`, whatever the envelope.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sandbox.chat_events import EventFormat
from sandbox.chat_schema import (
    Envelope,
    MessageInvalid,
    Problem,
    validate_interaction_response,
)

# The Message fields an answer's message keeps; `thread` is ignored, as Chat
# replies in the thread of the interaction.
MESSAGE_FIELDS = (
    "text",
    "cardsV2",
    "fallbackText",
    "accessoryWidgets",
    "privateMessageViewer",
    "markupSyntax",
)


class Effect(enum.Enum):
    """What Chat does with an answer."""

    NOTHING = "nothing"
    NEW_MESSAGE = "new message"
    UPDATE_MESSAGE = "update message"
    DIALOG = "dialog"
    CLOSE_DIALOG = "close dialog"


@dataclass(frozen=True)
class Answer:
    """One answer, read.

    Attributes:
        effect: what Chat does.
        message: the message to post or the new content of the clicked one.
        dialog: the dialog card to show, for DIALOG.
        notice: text Chat shows the person (a userFacingMessage or notification).
        status: the dialog's actionStatus code, when the answer closes a dialog.
    """

    effect: Effect
    message: Mapping[str, Any] | None = None
    dialog: Mapping[str, Any] | None = None
    notice: str | None = None
    status: str | None = None

    @property
    def private(self) -> bool:
        """The new message is visible to one person only."""
        return self.message is not None and "privateMessageViewer" in self.message


class Unsupported(ValueError):
    """A valid answer the local Chat cannot carry out."""


def read_answer(body: Mapping[str, Any], event_format: EventFormat) -> Answer:
    """Reads the app's answer to an event of `event_format`.

    Raises:
        MessageInvalid: the answer is not one Google Chat accepts.
        Unsupported: a valid answer the stand-in does not carry out.
    """
    envelope: Envelope = "addon" if event_format == "addon" else "chat"
    validate_interaction_response(body, envelope=envelope)
    if envelope == "addon":
        return _addon_answer(body)
    return _classic_answer(body)


def _classic_answer(body: Mapping[str, Any]) -> Answer:
    response = body.get("actionResponse") or {}
    kind = response.get("type", "NEW_MESSAGE")
    message = _message(body)
    if kind == "DIALOG":
        action = response["dialogAction"]
        if "dialog" in action:
            return Answer(Effect.DIALOG, dialog=action["dialog"]["body"])
        status = action.get("actionStatus") or {}
        return Answer(
            Effect.CLOSE_DIALOG,
            notice=status.get("userFacingMessage"),
            status=status.get("statusCode", "OK"),
        )

    if kind in ("NEW_MESSAGE", "TYPE_UNSPECIFIED"):
        effect = Effect.NEW_MESSAGE if message else Effect.NOTHING
        return Answer(effect, message=message or None)
    if kind == "UPDATE_MESSAGE":
        return _update(message)
    # Limitation: UPDATE_USER_MESSAGE_CARDS (link previews), REQUEST_CONFIG and
    # UPDATE_WIDGET (autocomplete) are refused; the product answers none of them.
    raise Unsupported(f"actionResponse type {kind} is not supported by the sandbox")


def _addon_answer(body: Mapping[str, Any]) -> Answer:
    if "hostAppDataAction" in body:
        data = body["hostAppDataAction"]["chatDataAction"]
        if "createMessageAction" in data:
            message = _message(data["createMessageAction"]["message"])
            effect = Effect.NEW_MESSAGE if message else Effect.NOTHING
            return Answer(effect, message=message or None)
        if "updateMessageAction" in data:
            return _update(_message(data["updateMessageAction"]["message"]))
        raise Unsupported("updateInlinePreviewAction is not supported by the sandbox")

    action = body["action"]
    notice = (action.get("notification") or {}).get("text")
    navigations = action.get("navigations") or []
    if not navigations:
        return Answer(Effect.NOTHING, notice=notice)

    last = navigations[-1]
    if "pushCard" in last or "updateCard" in last:
        return Answer(Effect.DIALOG, dialog=last.get("pushCard") or last["updateCard"])
    if "endNavigation" in last:
        return Answer(Effect.CLOSE_DIALOG, notice=notice, status="OK")
    # Limitation: pop, popToRoot and popToCard (card stacks of add-ons in other
    # hosts) are refused; a Chat dialog shows one card at a time.
    raise Unsupported(f"navigation {sorted(last)} is not supported by the sandbox")


def _update(message: dict[str, Any]) -> Answer:
    if "privateMessageViewer" in message:
        problem = Problem(
            "$.privateMessageViewer", "an update cannot make a message private"
        )
        raise MessageInvalid([problem])
    if not any(name in message for name in ("text", "cardsV2")):
        problem = Problem("$", "an update needs text or cardsV2")
        raise MessageInvalid([problem])
    return Answer(Effect.UPDATE_MESSAGE, message=message)


def _message(body: Mapping[str, Any]) -> dict[str, Any]:
    return {name: body[name] for name in MESSAGE_FIELDS if name in body}
