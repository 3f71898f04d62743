"""One typed, read-only view over the two event formats Google Chat sends an app.

Classic Chat apps get an event with a top-level ``type`` (MESSAGE, CARD_CLICKED,
APP_COMMAND, ADDED_TO_SPACE, REMOVED_FROM_SPACE). Chat apps built as Workspace
add-ons get ``commonEventObject`` and a ``chat`` object holding one ``*Payload``.
Both become one :class:`ChatEvent`; nothing else in the bot indexes event JSON.
"""

import enum
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from bot.errors import BadEvent
from notifier.jsonview import JsonView
from notifier.text import clean

Envelope = Literal["chat", "addon"]

MAX_PARAMETERS = 32
MAX_PARAMETER_CHARS = 16_000
MAX_INPUT_CHARS = 4_000
# Chat's resource names (users/NNN, spaces/AAA, spaces/AAA/messages/BBB) are
# printable ASCII; anything else did not come from Chat and never reaches answers.
_RESOURCE_NAME = re.compile(r"[!-~]+")


class EventKind(enum.Enum):
    """What happened in Chat."""

    MESSAGE = "MESSAGE"
    CARD_CLICKED = "CARD_CLICKED"
    APP_COMMAND = "APP_COMMAND"
    ADDED_TO_SPACE = "ADDED_TO_SPACE"
    REMOVED_FROM_SPACE = "REMOVED_FROM_SPACE"


class DialogEvent(enum.Enum):
    """Where a dialog is: being opened, submitted, or closed with its X."""

    REQUEST_DIALOG = "REQUEST_DIALOG"
    SUBMIT_DIALOG = "SUBMIT_DIALOG"
    CANCEL_DIALOG = "CANCEL_DIALOG"


_PAYLOADS = {
    "messagePayload": EventKind.MESSAGE,
    "buttonClickedPayload": EventKind.CARD_CLICKED,
    "appCommandPayload": EventKind.APP_COMMAND,
    "addedToSpacePayload": EventKind.ADDED_TO_SPACE,
    "removedFromSpacePayload": EventKind.REMOVED_FROM_SPACE,
}


@dataclass(frozen=True)
class ChatUser:
    """The person (or bot) behind an event.

    Attributes:
        name: ``users/NNN``, what ``privateMessageViewer`` takes.
        display_name: cleaned, but still the person's own text: escape to show.
        email: present for people of the app's own Workspace, usually.
        kind: ``HUMAN`` or ``BOT``.
    """

    name: str
    display_name: str
    email: str | None
    kind: str

    @property
    def is_human(self) -> bool:
        return self.kind != "BOT"


@dataclass(frozen=True)
class ChatEvent:
    """An interaction event, whichever format it came in.

    Attributes:
        envelope: "chat" (classic) or "addon"; answers go back in the same one.
        parameters: the clicked button's ``action.parameters``.
        form_inputs: the dialog's text inputs by widget name (string values).
        message: the message the event concerns (the clicked card's message).
        command_id: a slash or quick command's id, as an integer.
        argument_text: the text after the command, stripped.
    """

    envelope: Envelope
    kind: EventKind
    user: ChatUser
    space: str | None = None
    space_type: str | None = None
    parameters: Mapping[str, str] = field(default_factory=dict)
    form_inputs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    dialog: DialogEvent | None = None
    message_name: str | None = None
    message: Mapping[str, Any] | None = None
    command_id: int | None = None
    argument_text: str = ""

    def form_text(self, name: str) -> str | None:
        """The first value of a text input, or None."""
        values = self.form_inputs.get(name, ())
        return values[0] if values else None


def parse_event(body: bytes) -> ChatEvent:
    """Reads a request body as a Chat event.

    Raises:
        BadEvent: not JSON, not an object, or not an event the bot understands.
    """
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise BadEvent("the body is not JSON") from error
    if not isinstance(document, Mapping):
        raise BadEvent("the body is not a JSON object")
    view = JsonView(document)
    if view.at("chat").is_object() and view.at("commonEventObject").is_object():
        return _addon_event(view)
    if isinstance(document.get("type"), str):
        return _classic_event(view)
    raise BadEvent("neither a Chat event nor a Workspace add-on event")


def _classic_event(view: JsonView) -> ChatEvent:
    kind = _kind(view.at("type").text())
    message = view.at("message")
    common = view.at("common")
    parameters = _parameter_map(common.at("parameters"))
    if not parameters:
        parameters = _parameter_list(view.at("action", "parameters"))
    return ChatEvent(
        envelope="chat",
        kind=kind,
        user=_user(view.at("user")),
        space=_space_name(view.at("space")),
        space_type=_space_type(view.at("space")),
        parameters=parameters,
        form_inputs=_form_inputs(common.at("formInputs")),
        dialog=_dialog(view),
        message_name=_resource_name(message.at("name"), "spaces/", 300),
        message=_message(message),
        command_id=_command_id(view.at("appCommandMetadata"), message),
        argument_text=_argument(message),
    )


def _addon_event(view: JsonView) -> ChatEvent:
    chat = view.at("chat")
    present = [name for name in _PAYLOADS if chat.at(name).is_object()]
    if len(present) != 1:
        raise BadEvent("an add-on event without exactly one known chat payload")
    host = view.at("commonEventObject", "hostApp").text()
    if host not in (None, "CHAT"):
        raise BadEvent("an add-on event from another host application")
    payload = chat.at(present[0])
    message = payload.at("message")
    common = view.at("commonEventObject")
    space = (
        payload.at("space") if payload.at("space").is_object() else message.at("space")
    )
    return ChatEvent(
        envelope="addon",
        kind=_PAYLOADS[present[0]],
        user=_user(chat.at("user")),
        space=_space_name(space),
        space_type=_space_type(space),
        parameters=_parameter_map(common.at("parameters")),
        form_inputs=_form_inputs(common.at("formInputs")),
        dialog=_dialog(payload),
        message_name=_resource_name(message.at("name"), "spaces/", 300),
        message=_message(message),
        command_id=_command_id(payload.at("appCommandMetadata"), message),
        argument_text=_argument(message),
    )


def _kind(name: str | None) -> EventKind:
    try:
        return EventKind(name)
    except ValueError:
        raise BadEvent("an event type the bot does not handle") from None


def _user(user: JsonView) -> ChatUser:
    name = _resource_name(user.at("name"), "users/", 100)
    if name is None:
        raise BadEvent("an event without a user")
    email = _email(user.at("email").text())
    display = clean(user.at("displayName").text() or "", limit=200)[:80]
    return ChatUser(
        name=name,
        display_name=display or email or "someone",
        email=email,
        kind=user.at("type").text() or "HUMAN",
    )


def _email(email: str | None) -> str | None:
    """The address when it is one: an address ``clean`` would change (control
    characters, invalid Unicode) is none."""
    if not email or "@" not in email or len(email) > 320 or clean(email) != email:
        return None
    return email


def _resource_name(view: JsonView, prefix: str, limit: int) -> str | None:
    name = view.text()
    if not name or not name.startswith(prefix) or len(name) > limit:
        return None
    return name if _RESOURCE_NAME.fullmatch(name) else None


def _space_name(space: JsonView) -> str | None:
    return _resource_name(space.at("name"), "spaces/", 120)


def _space_type(space: JsonView) -> str | None:
    return space.at("spaceType").text() or space.at("type").text()


def _parameter_map(parameters: JsonView) -> Mapping[str, str]:
    if parameters.raw is None:
        return MappingProxyType({})
    if not parameters.is_object():
        raise BadEvent("parameters that are not an object")
    return _checked(parameters.mapping().items())


def _parameter_list(parameters: JsonView) -> Mapping[str, str]:
    if parameters.raw is None:
        return MappingProxyType({})
    if not isinstance(parameters.raw, list):
        raise BadEvent("action parameters that are not a list")
    return _checked(
        (item.at("key").text(), item.at("value").raw) for item in parameters.items()
    )


def _checked(items: Any) -> Mapping[str, str]:
    checked: dict[str, str] = {}
    for key, value in items:
        if not isinstance(key, str) or not isinstance(value, str):
            raise BadEvent("a parameter that is not a string")
        if len(value) > MAX_PARAMETER_CHARS:
            raise BadEvent("an oversized parameter")
        checked[key] = value
    if len(checked) > MAX_PARAMETERS:
        raise BadEvent("too many parameters")
    return MappingProxyType(checked)


def _form_inputs(inputs: JsonView) -> Mapping[str, tuple[str, ...]]:
    found = {}
    for name in inputs.members()[:MAX_PARAMETERS]:
        values = inputs.at(name, "stringInputs", "value").raw
        items = values if isinstance(values, list) else []
        texts = tuple(item[:MAX_INPUT_CHARS] for item in items if isinstance(item, str))
        if texts:
            found[name] = texts
    return MappingProxyType(found)


def _dialog(view: JsonView) -> DialogEvent | None:
    name = view.at("dialogEventType").text()
    if name is None:
        return DialogEvent.REQUEST_DIALOG if view.at("isDialogEvent").flag() else None
    try:
        return DialogEvent(name)
    except ValueError:
        return None


def _message(message: JsonView) -> Mapping[str, Any] | None:
    return MappingProxyType(dict(message.mapping())) if message.is_object() else None


def _command_id(metadata: JsonView, message: JsonView) -> int | None:
    for candidate in (
        metadata.at("appCommandId"),
        message.at("slashCommand", "commandId"),
    ):
        number = candidate.number()
        if number is not None and number.is_integer() and 0 < number < 2**31:
            return int(number)
    return None


def _argument(message: JsonView) -> str:
    return clean(message.at("argumentText").text() or "", limit=MAX_INPUT_CHARS)
