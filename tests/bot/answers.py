"""Reading the bot's answers back, each one validated against Google's schema first."""

from __future__ import annotations

from typing import Any

from sandbox.chat_schema import validate_card, validate_interaction_response
from tests.bot.chat_events import ALICE


def updated_message(document: dict[str, Any], envelope: str) -> dict[str, Any]:
    """The message an UPDATE_MESSAGE (or updateMessageAction) answer sets."""
    validate_interaction_response(document, envelope=envelope)  # type: ignore[arg-type]
    if envelope == "chat":
        assert document["actionResponse"] == {"type": "UPDATE_MESSAGE"}
        return {k: v for k, v in document.items() if k != "actionResponse"}
    data = document["hostAppDataAction"]["chatDataAction"]
    assert list(data) == ["updateMessageAction"]
    return dict(data["updateMessageAction"]["message"])


def new_message(document: dict[str, Any], envelope: str) -> dict[str, Any]:
    """The message a NEW_MESSAGE (or createMessageAction) answer posts."""
    validate_interaction_response(document, envelope=envelope)  # type: ignore[arg-type]
    if envelope == "chat":
        assert document["actionResponse"] == {"type": "NEW_MESSAGE"}
        return {k: v for k, v in document.items() if k != "actionResponse"}
    data = document["hostAppDataAction"]["chatDataAction"]
    assert list(data) == ["createMessageAction"]
    return dict(data["createMessageAction"]["message"])


def private_text(
    document: dict[str, Any], envelope: str, user: dict[str, Any] = ALICE
) -> str:
    """The text of a message only ``user`` sees."""
    message = new_message(document, envelope)
    assert message["privateMessageViewer"] == {"name": user["name"]}
    assert "cardsV2" not in message
    return str(message["text"])


def dialog_card(document: dict[str, Any], envelope: str) -> dict[str, Any]:
    """The body of the dialog an answer opens."""
    validate_interaction_response(document, envelope=envelope)  # type: ignore[arg-type]
    if envelope == "chat":
        response = document["actionResponse"]
        assert response["type"] == "DIALOG"
        card = response["dialogAction"]["dialog"]["body"]
    else:
        (navigation,) = document["action"]["navigations"]
        card = navigation["pushCard"]
    validate_card(card, in_dialog=True)
    return dict(card)


def dialog_status(
    document: dict[str, Any], envelope: str
) -> tuple[str | None, str | None]:
    """How an answer closes a dialog: the status code (classic only) and the text."""
    validate_interaction_response(document, envelope=envelope)  # type: ignore[arg-type]
    if envelope == "chat":
        response = document["actionResponse"]
        assert response["type"] == "DIALOG"
        status = response["dialogAction"]["actionStatus"]
        return status["statusCode"], status.get("userFacingMessage")
    action = document["action"]
    assert action["navigations"] == [{"endNavigation": {"action": "CLOSE_DIALOG"}}]
    return None, action.get("notification", {}).get("text")


def button_parameters(card: dict[str, Any]) -> list[dict[str, str]]:
    """Every action's parameters in a card, as dictionaries, in order."""
    found: list[dict[str, str]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            action = node.get("action")
            if isinstance(action, dict) and "parameters" in action:
                found.append({p["key"]: p["value"] for p in action["parameters"]})
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found
