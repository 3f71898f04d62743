"""Dialogs open in the local Chat: at most one in front of each person."""

from __future__ import annotations

import copy
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Dialog:
    """A dialog open in front of one person.

    Attributes:
        id: names the dialog in the page.
        user: the person's `users/{id}`.
        space: the space's `spaces/{id}`.
        origin: the message it was opened from, as it was then (None if none).
        card: the dialog's card.
    """

    id: str
    user: str
    space: str
    origin: Mapping[str, Any] | None
    card: Mapping[str, Any]


class Dialogs:
    """The open dialogs by person, safe to use from several threads."""

    def __init__(self) -> None:
        self._open: dict[str, Dialog] = {}
        self._version = 0
        self._lock = threading.Lock()

    @property
    def version(self) -> int:
        """Grows each time a dialog opens, changes or closes."""
        with self._lock:
            return self._version

    def of(self, user: str) -> Dialog | None:
        """The dialog in front of `user`, if any."""
        with self._lock:
            return self._open.get(user)

    def show(
        self,
        user: str,
        space: str,
        origin: Mapping[str, Any] | None,
        card: Mapping[str, Any],
    ) -> Dialog:
        """Opens a dialog, or replaces the one open (a dialog's next step)."""
        dialog = Dialog(
            secrets.token_hex(6), user, space, origin, copy.deepcopy(dict(card))
        )
        with self._lock:
            self._open[user] = dialog
            self._version += 1
        return dialog

    def close(self, user: str) -> Dialog | None:
        """Closes the dialog in front of `user`; returns it, or None if none."""
        with self._lock:
            dialog = self._open.pop(user, None)
            if dialog is not None:
                self._version += 1
            return dialog
