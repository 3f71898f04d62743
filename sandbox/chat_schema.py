"""Strict validation of Google Chat messages, cards and interaction answers.

The schema is Google's own: the Chat API discovery document that ships with
google-api-python-client, translated into JSON Schema by `sandbox.discovery`, with
the rules Google states only in prose added by `sandbox.chat_rules` (required
fields, the widget and column limits, one kind per widget, the size limits, the
envelopes a Chat app answers interaction events with).

Field names must be the JSON (lowerCamelCase) names. Google's parser also takes
the proto names (`cards_v2`); this validator does not, so the product never relies
on that. Output-only fields (`name`, `createTime`, a copied `user.displayName`) are
accepted, as Google accepts and ignores them.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from jsonschema.exceptions import ValidationError

from sandbox import chat_rules, event_rules
from sandbox.chat_rules import (
    ADDON_KEYS,
    CARD,
    DEF,
    MAX_CARD_BYTES,
    MAX_COLUMNS,
    MAX_MESSAGE_BYTES,
    MAX_WIDGETS_PER_CARD,
    json_size,
)

__all__ = [
    "MAX_CARD_BYTES",
    "MAX_COLUMNS",
    "MAX_MESSAGE_BYTES",
    "MAX_WIDGETS_PER_CARD",
    "Envelope",
    "MessageInvalid",
    "Problem",
    "chat_json_schema",
    "json_size",
    "validate_card",
    "validate_event",
    "validate_interaction_response",
    "validate_message",
]

Envelope = Literal["chat", "addon"]


@dataclass(frozen=True, order=True)
class Problem:
    """One reason a value fails: where (a JSON path from `$`) and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class MessageInvalid(ValueError):
    """A message, card or interaction answer that Google Chat would reject."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        listed = "; ".join(str(problem) for problem in self.problems)
        super().__init__(f"{len(self.problems)} problem(s): {listed}")


def validate_message(message: Mapping[str, Any]) -> None:
    """Checks a Message body as sent to `spaces.messages.create` or `patch`.

    Raises:
        MessageInvalid: listing every problem found.
    """
    _check("message", message)


def validate_card(card: Mapping[str, Any], *, in_dialog: bool = False) -> None:
    """Checks one card (`GoogleAppsCardV1Card`, the `card` of a `CardWithId`).

    Args:
        card: the card.
        in_dialog: the card is a dialog body, where a fixed footer is allowed.

    Raises:
        MessageInvalid: listing every problem found.
    """
    _check("dialog_card" if in_dialog else "card", card)


def validate_interaction_response(
    response: Mapping[str, Any], *, envelope: Envelope | None = None
) -> None:
    """Checks the synchronous answer a Chat app gives to an interaction event.

    Two envelopes exist. "chat": a Message, optionally with `actionResponse`
    (NEW_MESSAGE, UPDATE_MESSAGE, DIALOG with `dialogAction`, ...). "addon": a
    Workspace add-on answer, `hostAppDataAction.chatDataAction` with one of
    `createMessageAction`, `updateMessageAction`, `updateInlinePreviewAction`, or
    `action` with `navigations` (pushCard, updateCard, endNavigation, ...) and
    `notification`.

    Args:
        response: the JSON body the app answers with.
        envelope: the envelope the answer must use (the one the event came in);
            None accepts either, recognised by its top-level keys.

    Raises:
        MessageInvalid: listing every problem found.
    """
    found: Envelope = "addon" if any(k in response for k in ADDON_KEYS) else "chat"
    if envelope is not None and found != envelope:
        reason = f"expected the {envelope} envelope, got the {found} envelope"
        raise MessageInvalid([Problem("$", reason)])

    _check("chat_response" if found == "chat" else "addon_response", response)


def validate_event(event: Mapping[str, Any]) -> None:
    """Checks an interaction event as Google Chat sends it to an app.

    A classic event must be a `DeprecatedEvent` of the discovery document; an
    add-on event object (no top-level `type`, a `chat` object) must match the
    add-on envelope, whose parts are the discovery document's schemas.

    Raises:
        MessageInvalid: listing every problem found.
    """
    addon = "chat" in event and "type" not in event
    _check("addon_event" if addon else "classic_event", event)


def chat_json_schema() -> dict[str, Any]:
    """The translated discovery schemas with the added rules, under `$defs`."""
    return copy.deepcopy(chat_rules.definitions())


def _check(root: str, value: Mapping[str, Any]) -> None:
    instance = _plain(value)
    problems = sorted(
        {
            problem
            for error in _validator(root).iter_errors(instance)
            for problem in _explain(error)
        }
    )
    if problems:
        raise MessageInvalid(problems)


def _plain(value: Any) -> Any:
    """Copies Mappings into dicts and sequences into lists, as JSON would."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [_plain(item) for item in value]
    return value


_ROOTS: dict[str, dict[str, Any]] = {
    "message": {"$ref": DEF + "Message"},
    "card": {"$ref": DEF + "MessageCard"},
    "dialog_card": {"$ref": DEF + CARD, "x-max-json-bytes": MAX_CARD_BYTES},
    "chat_response": {"$ref": DEF + "Message"},
    "addon_response": {"$ref": DEF + "AddOnResponse"},
    "classic_event": event_rules.CLASSIC_EVENT,
    "addon_event": event_rules.ADDON_EVENT,
}


@functools.cache
def _validator(root: str) -> Any:
    schema = {"$defs": chat_rules.definitions(), **_ROOTS[root]}
    return chat_rules.Validator(schema)


def _explain(error: ValidationError) -> Iterator[Problem]:
    path = list(error.absolute_path)
    if error.validator == "additionalProperties":
        known = error.schema.get("properties", {})
        for name in sorted(set(error.instance) - set(known)):
            yield Problem(_path([*path, name]), "unknown field")
    elif error.validator == "required":
        for name in error.validator_value:
            if name not in error.instance:
                yield Problem(_path([*path, name]), "required field is missing")
    else:
        yield Problem(_path(path), _reason(error))


def _reason(error: ValidationError) -> str:
    limit, value = error.validator_value, error.instance
    reasons = {
        "type": lambda: f"expected {limit}, got {_json_type(value)}",
        "enum": lambda: f"{_brief(value)} is not one of: {', '.join(limit)}",
        "maxItems": lambda: f"{len(value)} items; at most {limit} allowed",
        "minItems": lambda: f"{len(value)} items; at least {limit} required",
        "maxLength": lambda: f"{len(value)} characters; at most {limit} allowed",
        "pattern": lambda: f"{_brief(value)} does not match {limit}",
        "anyOf": lambda: f"{_brief(value)} is not a valid value here",
    }
    explain = reasons.get(str(error.validator))
    return explain() if explain else error.message


def _brief(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _path(parts: Iterable[str | int]) -> str:
    return "$" + "".join(
        f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts
    )


def _json_type(value: Any) -> str:
    names = {bool: "boolean", int: "integer", float: "number", str: "string"}
    names |= {list: "array", dict: "object", type(None): "null"}
    return names.get(type(value), type(value).__name__)
