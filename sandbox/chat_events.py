"""Interaction events as Google Chat sends them to an app's HTTP endpoint.

Two formats exist. A classic Chat app receives the Chat API's event
(`DeprecatedEvent` in the discovery document): a top-level `type`, `user`,
`space`, `message`, `action` and `common`. A Chat app built as a Workspace add-on
receives an add-on event object instead: `commonEventObject`,
`authorizationEventObject.systemIdToken` (the same token as the Authorization
header) and `chat`, holding the user, the time and exactly one payload
(`buttonClickedPayload`, `appCommandPayload`, `addedToSpacePayload`, ...).

Slash commands come in two classic shapes that Google's own samples both use: a
`MESSAGE` event whose message has `slashCommand.commandId` (a string) and a
SLASH_COMMAND annotation, or an `APP_COMMAND` event with `appCommandMetadata`
(an integer `appCommandId`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sandbox.chat_people import Person

EventFormat = Literal["classic", "addon"]
CommandEvent = Literal["MESSAGE", "APP_COMMAND"]
DialogEventType = Literal["REQUEST_DIALOG", "SUBMIT_DIALOG", "CANCEL_DIALOG"]
FormInputs = Mapping[str, Sequence[str]]

HOST_APP = "CHAT"


@dataclass(frozen=True)
class ClickedAction:
    """The `action` of the widget a person clicked: a function and parameters."""

    function: str
    parameters: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, action: Mapping[str, Any]) -> ClickedAction:
        """Reads a card `Action` (`function`, `parameters: [{key, value}]`)."""
        pairs = tuple(
            (str(item.get("key", "")), str(item.get("value", "")))
            for item in action.get("parameters") or ()
            if isinstance(item, Mapping)
        )
        return cls(str(action.get("function", "")), pairs)


@dataclass(frozen=True)
class SlashCommand:
    """A configured slash command as typed: `/name argument`."""

    name: str
    command_id: int
    argument: str = ""


@dataclass(frozen=True)
class EventContext:
    """What every event says: its format, who, where, when, and the token.

    Attributes:
        format: "classic" or "addon".
        person: the user who interacted.
        space: the Space resource.
        event_time: RFC 3339, UTC.
        token: the bearer token; add-on events repeat it in the body.
        app_user: the app as a `User` (`type` BOT), named in command annotations.
    """

    format: EventFormat
    person: Person
    space: Mapping[str, Any]
    event_time: str
    token: str
    app_user: Mapping[str, Any]


def card_clicked(
    context: EventContext,
    message: Mapping[str, Any] | None,
    action: ClickedAction | None,
    *,
    dialog: DialogEventType | None = None,
    inputs: FormInputs | None = None,
) -> dict[str, Any]:
    """The event for a click on a card button, menu item or dialog button.

    Args:
        context: who, where, when, in which format.
        message: the message the card belongs to (for a dialog, the message it
            was opened from, if any), as the store holds it.
        action: the clicked widget's action; None when a person closes a dialog.
        dialog: the dialog step, for buttons that open a dialog or act in one.
        inputs: the values of the card's or dialog's input widgets, by name.
    """
    # Limitation: a CANCEL_DIALOG event carries no action or parameters; what
    # Google puts there is not documented in the material the sandbox follows.
    parameters = dict(action.parameters) if action else {}
    if context.format == "addon":
        payload: dict[str, Any] = {"space": dict(context.space)}
        if message is not None:
            payload["message"] = message
        payload |= _dialog_fields(dialog)
        return _addon_event(
            context, "buttonClickedPayload", payload, parameters, inputs
        )

    event = _classic_event(context, "CARD_CLICKED", message)
    if action is not None:
        event["action"] = {
            "actionMethodName": action.function,
            "parameters": [{"key": k, "value": v} for k, v in action.parameters],
        }
    function = action.function if action else None
    event["common"] = _common(parameters, inputs, function)
    return event | _dialog_fields(dialog)


def app_command(
    context: EventContext,
    message: Mapping[str, Any],
    command: SlashCommand,
    *,
    classic_event: CommandEvent = "MESSAGE",
) -> dict[str, Any]:
    """The event for a slash command that `message` (a person's) carries."""
    metadata = {"appCommandId": command.command_id, "appCommandType": "SLASH_COMMAND"}
    if context.format == "addon":
        payload = {
            "appCommandMetadata": metadata,
            "message": message,
            "space": dict(context.space),
        }
        return _addon_event(context, "appCommandPayload", payload, {}, None)

    event = _classic_event(context, classic_event, message)
    if classic_event == "APP_COMMAND":
        event["appCommandMetadata"] = metadata
    event["common"] = _common({}, None, None)
    return event


def added_to_space(context: EventContext) -> dict[str, Any]:
    """The event for a person adding the app to a space."""
    if context.format == "addon":
        payload = {"space": dict(context.space)}
        return _addon_event(context, "addedToSpacePayload", payload, {}, None)

    event = _classic_event(context, "ADDED_TO_SPACE", None)
    event["common"] = _common({}, None, None)
    return event


def command_message_fields(
    command: SlashCommand, app_user: Mapping[str, Any]
) -> dict[str, Any]:
    """The output-only fields Chat adds to a person's message with a command."""
    return {
        "text": f"{command.name}{command.argument}",
        "argumentText": command.argument,
        "slashCommand": {"commandId": str(command.command_id)},
        "annotations": [
            {
                "type": "SLASH_COMMAND",
                "startIndex": 0,
                "length": len(command.name),
                "slashCommand": {
                    "bot": dict(app_user),
                    "type": "INVOKE",
                    "commandName": command.name,
                    "commandId": str(command.command_id),
                    "triggersDialog": False,
                },
            }
        ],
    }


def form_inputs(inputs: FormInputs) -> dict[str, Any]:
    """Input values in Google's shape: `{name: {stringInputs: {value: [...]}}}`."""
    return {
        name: {"stringInputs": {"value": [str(value) for value in values]}}
        for name, values in inputs.items()
    }


def _classic_event(
    context: EventContext, kind: str, message: Mapping[str, Any] | None
) -> dict[str, Any]:
    # Limitation: `configCompleteRedirectUrl` (for apps that send people through
    # an outside sign-in) is never set; the product has no such flow.
    event: dict[str, Any] = {"type": kind, "eventTime": context.event_time}
    if message is not None:
        event["message"] = message
        thread = message.get("thread")
        if isinstance(thread, Mapping):
            event["thread"] = dict(thread)
            if "threadKey" in thread:
                event["threadKey"] = thread["threadKey"]
    event["user"] = context.person.user()
    event["space"] = dict(context.space)
    return event


def _addon_event(
    context: EventContext,
    payload_name: str,
    payload: dict[str, Any],
    parameters: Mapping[str, str],
    inputs: FormInputs | None,
) -> dict[str, Any]:
    common: dict[str, Any] = {"hostApp": HOST_APP}
    if parameters:
        common["parameters"] = dict(parameters)
    if inputs:
        common["formInputs"] = form_inputs(inputs)
    return {
        "commonEventObject": common,
        "authorizationEventObject": {"systemIdToken": context.token},
        "chat": {
            "user": context.person.user(),
            "eventTime": context.event_time,
            payload_name: payload,
        },
    }


def _common(
    parameters: Mapping[str, str], inputs: FormInputs | None, function: str | None
) -> dict[str, Any]:
    common: dict[str, Any] = {"hostApp": HOST_APP}
    if function is not None:
        common["invokedFunction"] = function
    if parameters:
        common["parameters"] = dict(parameters)
    if inputs:
        common["formInputs"] = form_inputs(inputs)
    return common


def _dialog_fields(dialog: DialogEventType | None) -> dict[str, Any]:
    if dialog is None:
        return {}
    return {"isDialogEvent": True, "dialogEventType": dialog}
