"""The Chat client's side of `ChatServer`: an app to talk to, and people acting.

These methods do in Python what a person does in the page: click a button, fill
in and submit a dialog, type a slash command, add the app to a space. Headless
tests and `python -m sandbox --smoke` drive the whole loop with them.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from sandbox.chat_app import (
    CHAT_TIMEOUT_SECONDS,
    DEFAULT_COMMANDS,
    AppConfig,
    Interaction,
)
from sandbox.chat_events import CommandEvent, EventFormat, FormInputs
from sandbox.chat_messages import Caller
from sandbox.chat_people import Person, find_person
from sandbox.chat_relay import ChatRelay
from sandbox.google_identity import ChatApp, TokenKind
from sandbox.google_oauth import ServiceAccount


class ChatClient:
    """People acting in the local Chat; mixed into `ChatServer`."""

    relay: ChatRelay
    people: list[Person]
    _apps: list[tuple[ServiceAccount, str]]
    _lock: threading.Lock

    def create_service_account(
        self, name: str = "guardduty-chatops", app_name: str = "GuardDuty"
    ) -> ServiceAccount:
        """Provided by `ChatServer`, which owns the OAuth side."""
        raise NotImplementedError

    def configure_app(
        self,
        bot_url: str,
        app: ChatApp,
        token_kind: TokenKind = TokenKind.ENDPOINT_URL,
        *,
        event_format: EventFormat = "classic",
        commands: Mapping[str, int] = DEFAULT_COMMANDS,
        command_event: CommandEvent = "MESSAGE",
        account: ServiceAccount | None = None,
        timeout: float = CHAT_TIMEOUT_SECONDS,
    ) -> AppConfig:
        """Sends interaction events to the Chat app at `bot_url` from now on.

        Args:
            bot_url: the app's endpoint (`POST` of every event).
            app: its project number and endpoint URL, for the token.
            token_kind: which bearer token Chat signs for it.
            event_format: "classic" Chat events or "addon" event objects.
            commands: slash command names and their IDs.
            command_event: classic slash commands as "MESSAGE" or "APP_COMMAND".
            account: the service account the app writes messages with (its own
                messages are the ones an UPDATE_MESSAGE answer may edit); None
                takes the only one created, or creates one if there is none.
            timeout: seconds to wait for an answer; Google Chat waits 30.

        Raises:
            ValueError: `account` is None and several accounts exist, or a
                command or format is malformed.
        """
        account, app_name = self._app_account(account)
        config = AppConfig(
            bot_url,
            app,
            token_kind,
            Caller("app", account.email, account.client_id, app_name),
            event_format,
            dict(commands),
            command_event,
            timeout,
        )
        self.relay.configure(config)
        return config

    def person(self, who: Person | str | None = None) -> Person:
        """A person by `users/{id}`, e-mail or display name; None for the first."""
        return self.people[0] if who is None else find_person(self.people, who)

    def click(
        self,
        space: str,
        message_name: str,
        target: str | Mapping[str, str],
        *,
        user: Person | str | None = None,
        inputs: FormInputs | None = None,
    ) -> Interaction:
        """Clicks a button or menu item of a message, as `user`.

        Args:
            space: `spaces/ID`.
            message_name: the message's full name, or its ID in `space`.
            target: the button's words, or parameters its action carries.
            user: who clicks; the first person by default.
            inputs: values typed into the card's inputs, by name.

        Returns:
            What happened: the event, the answer, what it changed or why not.

        Raises:
            RelayError: no app configured, or no such message or button.
        """
        name = message_name
        if not name.startswith("spaces/"):
            name = f"{space}/messages/{message_name}"
        return self.relay.click(self.person(user), name, target, inputs=inputs)

    def submit_dialog(
        self,
        target: str | Mapping[str, str] | None = None,
        *,
        inputs: FormInputs | None = None,
        user: Person | str | None = None,
    ) -> Interaction:
        """Clicks a button of `user`'s open dialog (its first action by default).

        Args:
            inputs: values for the dialog's inputs by name; others keep theirs.
        """
        return self.relay.submit_dialog(self.person(user), target, inputs=inputs)

    def cancel_dialog(self, *, user: Person | str | None = None) -> Interaction:
        """Closes `user`'s dialog with its close button (CANCEL_DIALOG)."""
        return self.relay.cancel_dialog(self.person(user))

    def dialog(self, user: Person | str | None = None) -> Mapping[str, Any] | None:
        """The card of the dialog open in front of `user`, if any."""
        dialog = self.relay.dialog_for(self.person(user).name)
        return None if dialog is None else dialog.card

    def command(
        self, space: str, text: str, *, user: Person | str | None = None
    ) -> Interaction:
        """Types a slash command (`/gd-finding ID`) into `space` as `user`."""
        return self.relay.command(self.person(user), space, text)

    def add_app_to_space(
        self, space: str, *, user: Person | str | None = None
    ) -> Interaction:
        """`user` adds the app to `space`: an ADDED_TO_SPACE event."""
        return self.relay.add_to_space(self.person(user), space)

    @property
    def interactions(self) -> list[Interaction]:
        """Every event sent to the app and what came of it, oldest first."""
        return self.relay.interactions

    def _app_account(
        self, account: ServiceAccount | None
    ) -> tuple[ServiceAccount, str]:
        with self._lock:
            apps = list(self._apps)
        if account is not None:
            names = [name for known, name in apps if known.email == account.email]
            return account, names[0] if names else "GuardDuty"
        if len(apps) > 1:
            raise ValueError("several service accounts exist; name the app's")
        if apps:
            return apps[0]
        self.create_service_account()
        return self._apps[0]
