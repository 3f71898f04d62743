"""The local Chat's side of a conversation with the app: events out, answers in.

When a person clicks an action button, submits a dialog, types a slash command or
adds the app to a space, Google Chat sends the app an interaction event with a
bearer token Google signed, waits up to 30 seconds for the answer, and carries
it out. `ChatRelay` does the same against the app's URL on loopback: it builds
the event in the app's configured format (`sandbox.chat_events`), signs the token
with the sandbox's `GoogleIdentity`, posts it, checks the answer against Google's
schema (`sandbox.chat_answers`) and applies it to the store: a card edited in
place, a new message in the thread, a private message, a dialog opened or closed.

Every attempt is recorded as an `Interaction`. A late, failing or invalid answer
is an Interaction with an `error`, shown in the page; it never raises. What the
relay refuses to send at all (no app configured, no such button) raises
`RelayError`.
"""

from __future__ import annotations

import collections
import copy
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sandbox.card_clicks import (
    ClickTarget,
    click_targets,
    find_target,
    input_values,
    target_at,
)
from sandbox.chat_app import AppConfig, BotCall, Interaction, Scene
from sandbox.chat_dialogs import Dialog, Dialogs
from sandbox.chat_effects import apply_answer
from sandbox.chat_events import (
    ClickedAction,
    DialogEventType,
    EventContext,
    FormInputs,
    SlashCommand,
    added_to_space,
    app_command,
    card_clicked,
    command_message_fields,
)
from sandbox.chat_messages import ChatApiError
from sandbox.chat_people import Person
from sandbox.chat_store import ChatStore
from sandbox.google_identity import GoogleIdentity

logger = logging.getLogger(__name__)

KEPT_INTERACTIONS = 500


class RelayError(Exception):
    """A request the local Chat cannot send: no app, no such button or dialog."""


@dataclass
class _State:
    private_to: dict[str, str] = field(default_factory=dict)
    interactions: collections.deque[Interaction] = field(
        default_factory=lambda: collections.deque(maxlen=KEPT_INTERACTIONS)
    )
    version: int = 0


class ChatRelay:
    """Sends interaction events to the configured app and applies its answers.

    Args:
        store: the spaces and messages.
        identity: signs the bearer tokens.
        clock_time: the time of events, RFC 3339 (the store's clock).
        call_bot: posts an event and returns the app's answer; see `BotCall`.
    """

    def __init__(
        self,
        store: ChatStore,
        identity: GoogleIdentity,
        clock_time: Callable[[], str],
        call_bot: BotCall,
    ) -> None:
        self._store = store
        self._identity = identity
        self._now = clock_time
        self._call_bot = call_bot
        self._config: AppConfig | None = None
        self._dialogs = Dialogs()
        self._state = _State()
        self._lock = threading.Lock()

    @property
    def config(self) -> AppConfig | None:
        """The app events go to, once configured."""
        return self._config

    def configure(self, config: AppConfig) -> None:
        """Sends future events to this app."""
        with self._lock:
            self._config = config
            self._state.version += 1

    @property
    def version(self) -> int:
        """Grows with every interaction and dialog change."""
        with self._lock:
            return self._state.version + self._dialogs.version

    @property
    def interactions(self) -> list[Interaction]:
        """The recorded interactions, oldest first (the newest 500)."""
        with self._lock:
            return list(self._state.interactions)

    def dialog_for(self, user: str) -> Dialog | None:
        """The dialog open in front of `user` (`users/{id}`), if any."""
        return self._dialogs.of(user)

    def private_viewer(self, message_name: str) -> str | None:
        """Who alone sees a person's slash-command message, if it is one."""
        with self._lock:
            return self._state.private_to.get(message_name)

    def click(
        self,
        person: Person,
        message_name: str,
        wanted: str | Mapping[str, str] | Sequence[str | int],
        *,
        inputs: FormInputs | None = None,
        seen_update: str | None = None,
    ) -> Interaction:
        """A click on an action of a message's card.

        Args:
            person: who clicks.
            message_name: `spaces/S/messages/M`.
            wanted: the button's words, a subset of its action's parameters, or
                its path in the message (a list, as the page sends it).
            inputs: values of the card's input widgets, over their defaults.
            seen_update: the message's lastUpdateTime (or createTime) the person
                saw; a click on a card changed since then is refused.

        Raises:
            RelayError: no app, no such message or button, a link or menu
                opener, or a stale card.
        """
        message = self._message(message_name)
        if seen_update is not None and seen_update != _updated(message):
            raise RelayError("the card changed before the click; look again")
        target = _target(message, wanted)
        action = _action_of(target)
        dialog: DialogEventType | None = None
        if action.get("interaction") == "OPEN_DIALOG":
            dialog = "REQUEST_DIALOG"
        values = _merged_inputs(message, target, inputs)
        scene = Scene(person, message["space"]["name"], message, click=True)
        return self._deliver(
            "CARD_CLICKED",
            scene,
            lambda context: card_clicked(
                context,
                message,
                ClickedAction.of(action),
                dialog=dialog,
                inputs=values,
            ),
        )

    def submit_dialog(
        self,
        person: Person,
        wanted: str | Mapping[str, str] | Sequence[str | int] | None = None,
        *,
        inputs: FormInputs | None = None,
        dialog_id: str | None = None,
    ) -> Interaction:
        """A click on a button of the dialog open in front of `person`.

        Args:
            wanted: the button (as for `click`); None for the first action button.
            inputs: values of the dialog's inputs, over their defaults.
            dialog_id: refuse unless this is the dialog open (the page's check).

        Raises:
            RelayError: no dialog open, or no such button.
        """
        dialog = self._open_dialog(person, dialog_id)
        if wanted is None:
            actions = [t for t in click_targets(dialog.card) if t.action is not None]
            if not actions:
                raise RelayError("the dialog has no button that calls the app")
            target = actions[0]
        else:
            target = _target(dialog.card, wanted)
        action = _action_of(target)
        values = input_values(dialog.card) | {
            name: [value] if isinstance(value, str) else list(value)
            for name, value in (inputs or {}).items()
        }
        origin = self._current(dialog.origin)
        scene = Scene(person, dialog.space, origin, click=True)
        return self._deliver(
            "SUBMIT_DIALOG",
            scene,
            lambda context: card_clicked(
                context,
                origin,
                ClickedAction.of(action),
                dialog="SUBMIT_DIALOG",
                inputs=values,
            ),
        )

    def cancel_dialog(
        self, person: Person, dialog_id: str | None = None
    ) -> Interaction:
        """The person closes the dialog with its close button (CANCEL_DIALOG).

        Raises:
            RelayError: no dialog open.
        """
        dialog = self._open_dialog(person, dialog_id)
        self._dialogs.close(person.name)
        origin = self._current(dialog.origin)
        scene = Scene(person, dialog.space, origin, click=True)
        return self._deliver(
            "CANCEL_DIALOG",
            scene,
            lambda context: card_clicked(context, origin, None, dialog="CANCEL_DIALOG"),
        )

    def command(self, person: Person, space: str, text: str) -> Interaction:
        """A slash command typed into `space`: `/name argument`.

        The person's message is posted (visible to them only, as Chat does) in a
        new thread, and the event is sent in the configured form.

        Raises:
            RelayError: no app, or not one of its commands.
        """
        # Limitation: only slash commands reach the app; plain messages and
        # @mentions, and commands registered as opening a dialog (REQUEST_DIALOG
        # with `triggersDialog`), would need their own event shapes here.
        config = self._require_config()
        typed = text.strip()
        name = typed.split(maxsplit=1)[0] if typed else ""
        if name not in config.commands:
            known = ", ".join(sorted(config.commands))
            raise RelayError(f"{name or 'that'} is not a command; try {known}")
        command = SlashCommand(name, config.commands[name], typed[len(name) :])
        body = command_message_fields(command, config.app_user())
        try:
            message = self._store.create_message(
                person.caller(), _space_id(space), body, quota=False
            )
        except ChatApiError as error:
            raise RelayError(error.message) from error
        with self._lock:
            self._state.private_to[message["name"]] = person.name
            self._state.version += 1
        scene = Scene(person, message["space"]["name"], message, click=False)
        return self._deliver(
            "SLASH_COMMAND",
            scene,
            lambda context: app_command(
                context, message, command, classic_event=config.command_event
            ),
        )

    def add_to_space(self, person: Person, space: str) -> Interaction:
        """The person adds the app to `space` (ADDED_TO_SPACE)."""
        scene = Scene(person, f"spaces/{_space_id(space)}", None, click=False)
        return self._deliver("ADDED_TO_SPACE", scene, added_to_space)

    def _deliver(
        self,
        kind: str,
        scene: Scene,
        build: Callable[[EventContext], dict[str, Any]],
    ) -> Interaction:
        config = self._require_config()
        token = self._identity.token(config.token_kind, config.app)
        context = EventContext(
            config.event_format,
            scene.person,
            self._space(scene.space),
            self._now(),
            token,
            config.app_user(),
        )
        event = build(context)
        record = Interaction(
            kind, scene.person.name, scene.space, context.event_time, _redacted(event)
        )
        reply = self._call_bot(config, event, token)
        record = replace(record, status=reply.status, answer=reply.body)
        if reply.error is None and reply.body is not None:
            record = apply_answer(
                self._store, self._dialogs, config, scene, reply.body, record
            )
        else:
            record = replace(record, error=reply.error)
        self._record(record)
        return record

    def _open_dialog(self, person: Person, dialog_id: str | None) -> Dialog:
        dialog = self.dialog_for(person.name)
        if dialog is None or (dialog_id is not None and dialog.id != dialog_id):
            raise RelayError(f"no such dialog is open for {person.display_name}")
        return dialog

    def _record(self, record: Interaction) -> None:
        logger.info(
            "interaction %s in %s by %s: status %s, %s",
            record.kind,
            record.space,
            record.user,
            record.status,
            record.error or (record.effect.value if record.effect else "no answer"),
        )
        with self._lock:
            self._state.interactions.append(record)
            self._state.version += 1

    def _require_config(self) -> AppConfig:
        config = self._config
        if config is None:
            raise RelayError("no Chat app is configured to receive events")
        return config

    def _message(self, name: str) -> dict[str, Any]:
        space_id, _, message_id = name.removeprefix("spaces/").partition("/messages/")
        try:
            return self._store.get_message(space_id, message_id)
        except ChatApiError as error:
            raise RelayError(error.message) from error

    def _current(self, origin: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
        """The message a dialog was opened from, as the store holds it now (as it
        was then, when it is gone)."""
        # Limitation: Google does not document whether a SUBMIT_DIALOG event's
        # message is the card as it is at submission or as it was when the dialog
        # opened; the sandbox sends it as it is now, as it does for clicks.
        if origin is None:
            return None
        try:
            return self._message(str(origin["name"]))
        except RelayError:
            return origin

    def _space(self, name: str) -> dict[str, Any]:
        for space in self._store.spaces():
            if space["name"] == name:
                return space | {
                    "type": "ROOM",
                    "spaceThreadingState": "THREADED_MESSAGES",
                }
        raise RelayError(f"{name} was not found")


def _target(
    root: Mapping[str, Any], wanted: str | Mapping[str, str] | Sequence[str | int]
) -> ClickTarget:
    try:
        if isinstance(wanted, str | Mapping):
            return find_target(root, wanted)
        return target_at(root, wanted)
    except LookupError as error:
        raise RelayError(str(error)) from error


def _action_of(target: ClickTarget) -> Mapping[str, Any]:
    if target.action is None:
        kind = "a link" if "openLink" in target.on_click else "a menu"
        raise RelayError(f"{target.text!r} opens {kind}; Chat sends the app nothing")
    return target.action


def _merged_inputs(
    message: Mapping[str, Any], target: ClickTarget, inputs: FormInputs | None
) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    if target.path and target.path[0] == "cardsV2":
        index = target.path[1]
        card = message["cardsV2"][index]["card"]
        values = input_values(card)
    for name, value in (inputs or {}).items():
        values[name] = [value] if isinstance(value, str) else list(value)
    return values


def _updated(message: Mapping[str, Any]) -> str:
    return str(message.get("lastUpdateTime") or message.get("createTime") or "")


def _space_id(space: str) -> str:
    return space.removeprefix("spaces/")


def _redacted(event: Mapping[str, Any]) -> dict[str, Any]:
    kept = copy.deepcopy(dict(event))
    authorization = kept.get("authorizationEventObject")
    if isinstance(authorization, dict) and "systemIdToken" in authorization:
        authorization["systemIdToken"] = "REDACTED"
    return kept
