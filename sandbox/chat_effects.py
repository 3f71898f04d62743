"""Carrying out an app's answer in the local Chat, as Google Chat does.

An answer that Google's schema rejects, or that asks for something Chat would not
do (edit a message the app did not write, answer a slash command with an edit),
is not applied: the interaction records the reason, and the page shows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sandbox.chat_answers import Answer, Effect, Unsupported, read_answer
from sandbox.chat_app import AppConfig, Interaction, Scene
from sandbox.chat_dialogs import Dialogs
from sandbox.chat_messages import ChatApiError
from sandbox.chat_schema import MessageInvalid, Problem
from sandbox.chat_store import FALLBACK_TO_NEW_THREAD, ChatStore

# Limitation: UPDATE_MESSAGE replaces text, cards and accessory widgets only; the
# message's fallbackText stays as it was, since it is no updateMask path of the
# store's patch. Google's documentation does not say which it does.
UPDATED_FIELDS = "text,cards_v2,accessory_widgets"
PROBLEMS_SHOWN = 5


def apply_answer(
    store: ChatStore,
    dialogs: Dialogs,
    config: AppConfig,
    scene: Scene,
    body: Mapping[str, Any],
    record: Interaction,
) -> Interaction:
    """Applies the app's answer `body`; returns `record` with what came of it."""
    try:
        answer = read_answer(body, config.event_format)
        return _carry_out(store, dialogs, config, scene, answer, record)
    except MessageInvalid as error:
        problems = "; ".join(str(p) for p in error.problems[:PROBLEMS_SHOWN])
        reason = f"{config.name} answered with something Chat rejects: {problems}"
    except Unsupported as error:
        reason = str(error)
    except ChatApiError as error:
        reason = f"Chat refused {config.name}'s answer: {error.message}"
    return replace(record, error=reason)


def _carry_out(
    store: ChatStore,
    dialogs: Dialogs,
    config: AppConfig,
    scene: Scene,
    answer: Answer,
    record: Interaction,
) -> Interaction:
    effect = answer.effect
    result = replace(record, effect=effect, notice=answer.notice)
    if effect is Effect.UPDATE_MESSAGE:
        updated = _update(store, config, scene, answer.message or {})
        dialogs.close(scene.person.name)
        return replace(result, message=updated)
    if effect is Effect.NEW_MESSAGE:
        created = _post(store, config, scene, answer.message or {})
        dialogs.close(scene.person.name)
        return replace(result, message=created)
    if effect is Effect.DIALOG:
        dialog = dialogs.show(
            scene.person.name, scene.space, scene.origin, answer.dialog or {}
        )
        return replace(result, dialog=dialog.card)
    if effect is Effect.CLOSE_DIALOG:
        # Limitation: any actionStatus closes the dialog, OK or not; whether Chat
        # keeps a dialog open on an error status is not documented.
        dialogs.close(scene.person.name)
    return result


def _update(
    store: ChatStore, config: AppConfig, scene: Scene, message: Mapping[str, Any]
) -> dict[str, Any]:
    if not scene.updatable(config):
        reason = "UPDATE_MESSAGE only answers a click on the app's own message"
        raise MessageInvalid([Problem("$.actionResponse", reason)])
    origin = scene.origin or {}
    space, _, message_id = str(origin["name"]).partition("/messages/")
    return store.update_message(
        config.caller,
        space.removeprefix("spaces/"),
        message_id,
        dict(message),
        update_mask=UPDATED_FIELDS,
        quota=False,
    )


def _post(
    store: ChatStore, config: AppConfig, scene: Scene, message: Mapping[str, Any]
) -> dict[str, Any]:
    """A new message from the app, in the thread of the interaction if any."""
    space_id = scene.space.removeprefix("spaces/")
    body = dict(message)
    thread = (scene.origin or {}).get("thread", {}).get("name")
    if thread is None:
        return store.create_message(config.caller, space_id, body, quota=False)
    body["thread"] = {"name": thread}
    return store.create_message(
        config.caller,
        space_id,
        body,
        reply_option=FALLBACK_TO_NEW_THREAD,
        quota=False,
    )
