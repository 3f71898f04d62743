"""What the bot answers, and how each answer is wrapped for the event's format.

Handlers return one of the answer values below; :func:`render` puts it in the
envelope of the event it answers: a classic Chat ``Message`` with
``actionResponse``, or a Workspace add-on ``hostAppDataAction`` / ``action``.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.events import ChatEvent


@dataclass(frozen=True)
class CardUpdate:
    """Replace the clicked message with ``message`` (its ``cardsV2``)."""

    message: Mapping[str, Any]


@dataclass(frozen=True)
class NewMessage:
    """Post ``message`` in reply; ``private`` shows it to the person alone."""

    message: Mapping[str, Any]
    private: bool = False


@dataclass(frozen=True)
class OpenDialog:
    """Open (or replace) a dialog whose body is ``card``."""

    card: Mapping[str, Any]


@dataclass(frozen=True)
class CloseDialog:
    """Close the dialog, telling the person ``text`` when there is something to say.

    Attributes:
        status: a google.rpc code name (``OK``, ``INVALID_ARGUMENT``, ...).
    """

    text: str | None = None
    status: str = "OK"


@dataclass(frozen=True)
class Notice:
    """Something to tell the person alone, in plain words the bot wrote.

    In a dialog it becomes the dialog's status; elsewhere a private message.
    """

    text: str
    status: str = "OK"


@dataclass(frozen=True)
class NoAnswer:
    """Nothing to say (the app was removed from the space)."""


Answer = CardUpdate | NewMessage | OpenDialog | CloseDialog | Notice | NoAnswer


def render(answer: Answer, event: ChatEvent) -> dict[str, Any] | None:
    """The JSON body answering ``event``; None for no body at all."""
    if isinstance(answer, NoAnswer):
        return None
    if isinstance(answer, Notice):
        answer = _notice(answer, event)
    if event.envelope == "addon":
        return _addon(answer, event)
    return _classic(answer, event)


def _notice(notice: Notice, event: ChatEvent) -> CloseDialog | NewMessage:
    if event.dialog is not None:
        return CloseDialog(notice.text, notice.status)
    return NewMessage({"text": notice.text}, private=True)


def _classic(answer: Answer, event: ChatEvent) -> dict[str, Any]:
    if isinstance(answer, CardUpdate):
        return {"actionResponse": {"type": "UPDATE_MESSAGE"}, **answer.message}
    if isinstance(answer, NewMessage):
        return {"actionResponse": {"type": "NEW_MESSAGE"}, **_message(answer, event)}
    if isinstance(answer, OpenDialog):
        dialog = {"dialog": {"body": dict(answer.card)}}
        return {"actionResponse": {"type": "DIALOG", "dialogAction": dialog}}
    assert isinstance(answer, CloseDialog)
    status: dict[str, Any] = {"statusCode": answer.status}
    if answer.text:
        status["userFacingMessage"] = answer.text
    dialog_action = {"actionStatus": status}
    return {"actionResponse": {"type": "DIALOG", "dialogAction": dialog_action}}


def _addon(answer: Answer, event: ChatEvent) -> dict[str, Any]:
    if isinstance(answer, CardUpdate):
        return _data_action("updateMessageAction", dict(answer.message))
    if isinstance(answer, NewMessage):
        return _data_action("createMessageAction", _message(answer, event))
    if isinstance(answer, OpenDialog):
        return {"action": {"navigations": [{"pushCard": dict(answer.card)}]}}
    assert isinstance(answer, CloseDialog)
    action: dict[str, Any] = {
        "navigations": [{"endNavigation": {"action": "CLOSE_DIALOG"}}]
    }
    if answer.text:
        action["notification"] = {"text": answer.text}
    return {"action": action}


def _data_action(kind: str, message: dict[str, Any]) -> dict[str, Any]:
    return {"hostAppDataAction": {"chatDataAction": {kind: {"message": message}}}}


def _message(answer: NewMessage, event: ChatEvent) -> dict[str, Any]:
    message = dict(answer.message)
    # Limitation: Google documents privateMessageViewer for classic answers; in
    # an add-on's createMessageAction it is accepted by the schema and reported
    # to work, but not documented.
    if answer.private:
        message["privateMessageViewer"] = {"name": event.user.name}
    return message
