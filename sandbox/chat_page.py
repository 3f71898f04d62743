"""The local Chat's web page and the small JSON API behind it.

`GET /` is one self-contained HTML document (styles and script inline, under a
Content-Security-Policy that lets it load nothing and talk only to its own
origin). The script polls `GET /ui/state?since=VERSION&user=users/ID`, which
answers `{"version": V}` alone while nothing changed, and the whole picture
otherwise: people, the app, spaces with their threads and the messages this
person may see, their open dialog, and the latest interactions. Clicks, dialog
steps and slash commands are `POST /ui/click`, `/ui/dialog`, `/ui/cancel` and
`/ui/command`; they need the `X-Sandbox-Page` header, which a page of another
origin cannot send without a CORS preflight that this server never grants.

The page and `/ui/*` answer only requests whose Host names 127.0.0.1 or localhost
with the server's port (403 otherwise): a web page that rebinds its own domain's
DNS to 127.0.0.1 would be of the same origin, but its requests carry its name.

A program running the local Chat may add `Controls` of its own beside Chat (the
sandbox's GuardDuty buttons): their state rides in `/ui/state` as `controls`, and
`POST /ui/sandbox/NAME` (same header) reaches their `act`.

Message content is never turned into markup here: the script builds the page
from the JSON with DOM calls, keeping only Chat's own HTML subset.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from sandbox.chat_app import AppConfig, Interaction
from sandbox.chat_people import Person, find_person
from sandbox.chat_relay import ChatRelay, RelayError
from sandbox.chat_store import ChatStore

logger = logging.getLogger(__name__)

PAGE_HEADER = "X-Sandbox-Page"
CONTROLS_PATH = "/ui/sandbox/"
LOG_SHOWN = 12
_ASSETS = (
    "page.html",
    "page.css",
    "icons.js",
    "markup.js",
    "cards.js",
    "controls.js",
    "page.js",
)


@dataclass(frozen=True)
class PageReply:
    """An HTTP answer with a ready body."""

    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


class ControlsError(Exception):
    """A control request that cannot be done; the message is shown to the person."""


class Controls(Protocol):
    """Controls shown beside Chat in the page, which are not part of Chat."""

    @property
    def version(self) -> int:
        """Grows whenever `state` changes."""
        ...

    def state(self) -> dict[str, Any]:
        """What the page draws the controls from (JSON)."""
        ...

    def act(self, name: str, request: Mapping[str, Any]) -> dict[str, Any]:
        """Does the control `name` (`POST /ui/sandbox/NAME`) and answers JSON
        with `ok` and a `notice` or `error`.

        Raises:
            ControlsError: the request cannot be done, in words for the person.
        """
        ...


class Chat(Protocol):
    """What the page needs of the server."""

    store: ChatStore
    relay: ChatRelay
    people: list[Person]

    @property
    def version(self) -> int: ...


class ChatPage:
    """Answers the page's requests; `answer` returns None for any other path.

    Args:
        chat: the server the page shows.
        port: the server's port, which the Host of every page request names.
    """

    def __init__(self, chat: Chat, port: int) -> None:
        self._chat = chat
        self._hosts = _loopback_hosts(port)
        self.controls: Controls | None = None

    def answer(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes
    ) -> PageReply | None:
        """The reply to a page request, or None if `target` is not the page's."""
        url = urlsplit(target)
        page = url.path == "/" and method == "GET"
        if not page and not url.path.startswith("/ui/"):
            return None
        if headers.get("Host", "").lower() not in self._hosts:
            return _json(403, {"ok": False, "error": "open the page at 127.0.0.1"})
        if page:
            return _document()
        if url.path == "/ui/state" and method == "GET":
            return self._state(dict(parse_qsl(url.query)))
        if url.path.startswith(CONTROLS_PATH) and self.controls is not None:
            if method != "POST":
                return _json(404, {"ok": False, "error": "no such page request"})
            if headers.get(PAGE_HEADER) != "1":
                return _json(403, {"ok": False, "error": f"{PAGE_HEADER} is required"})
            name = url.path.removeprefix(CONTROLS_PATH)
            return self._control(self.controls, name, body)

        actions: dict[str, Callable[[Person, dict[str, Any]], Interaction]] = {
            "/ui/click": self._click,
            "/ui/dialog": self._submit,
            "/ui/cancel": self._cancel,
            "/ui/command": self._command,
        }
        action = actions.get(url.path)
        if action is None or method != "POST":
            return _json(404, {"ok": False, "error": "no such page request"})
        if headers.get(PAGE_HEADER) != "1":
            return _json(403, {"ok": False, "error": f"{PAGE_HEADER} is required"})
        return self._act(action, body)

    def _act(
        self, action: Callable[[Person, dict[str, Any]], Interaction], body: bytes
    ) -> PageReply:
        try:
            request = json.loads(body or b"{}")
            if not isinstance(request, dict):
                raise TypeError("not an object")
            person = find_person(self._chat.people, str(request.get("user", "")))
            interaction = action(person, request)
        except (ValueError, TypeError, KeyError, LookupError) as error:
            return _json(400, {"ok": False, "error": f"bad request: {error}"})
        except RelayError as error:
            return _json(409, {"ok": False, "error": str(error)})
        return _json(200, interaction.summary())

    def _control(self, controls: Controls, name: str, body: bytes) -> PageReply:
        try:
            request = json.loads(body or b"{}")
        except ValueError as error:
            return _json(400, {"ok": False, "error": f"bad request: {error}"})
        if not isinstance(request, dict):
            return _json(400, {"ok": False, "error": "bad request: not an object"})
        try:
            return _json(200, controls.act(name, request))
        except ControlsError as error:
            return _json(409, {"ok": False, "error": str(error)})

    def _click(self, person: Person, request: dict[str, Any]) -> Interaction:
        return self._chat.relay.click(
            person,
            str(request["message"]),
            _path(request["path"]),
            inputs=_inputs(request.get("inputs")),
            seen_update=str(request["updated"]),
        )

    def _submit(self, person: Person, request: dict[str, Any]) -> Interaction:
        return self._chat.relay.submit_dialog(
            person,
            _path(request["path"]),
            inputs=_inputs(request.get("inputs")),
            dialog_id=str(request["dialog"]),
        )

    def _cancel(self, person: Person, request: dict[str, Any]) -> Interaction:
        return self._chat.relay.cancel_dialog(person, str(request["dialog"]))

    def _command(self, person: Person, request: dict[str, Any]) -> Interaction:
        return self._chat.relay.command(
            person, str(request["space"]), str(request["text"])
        )

    def _state(self, query: dict[str, str]) -> PageReply:
        version = self._chat.version
        if query.get("since") == str(version):
            return _json(200, {"version": version})
        people = self._chat.people
        try:
            person = find_person(people, query.get("user") or people[0].name)
        except LookupError as error:
            return _json(400, {"ok": False, "error": str(error)})
        relay = self._chat.relay
        dialog = relay.dialog_for(person.name)
        state = {
            "version": version,
            "user": person.name,
            "people": [_person(p) for p in people],
            "app": _app(relay.config),
            "spaces": self._spaces(person),
            "dialog": {"id": dialog.id, "card": dialog.card} if dialog else None,
            "log": [i.summary() for i in relay.interactions[-LOG_SHOWN:]],
            "controls": None if self.controls is None else self.controls.state(),
        }
        return _json(200, state)

    def _spaces(self, person: Person) -> list[dict[str, Any]]:
        store = self._chat.store
        spaces = []
        for space in store.spaces():
            threads = []
            for thread in store.threads(space["name"].removeprefix("spaces/")):
                shown = [
                    view
                    for message in thread["messages"]
                    if (view := self._message(message, person)) is not None
                ]
                if shown:
                    threads.append({"name": thread["name"], "messages": shown})
            spaces.append({**space, "threads": threads})
        return spaces

    def _message(
        self, message: dict[str, Any], person: Person
    ) -> dict[str, Any] | None:
        viewer = (message.get("privateMessageViewer") or {}).get("name")
        viewer = viewer or self._chat.relay.private_viewer(message["name"])
        if viewer is not None and viewer != person.name:
            return None
        return {"message": message, "private": viewer is not None}


def _loopback_hosts(port: int) -> frozenset[str]:
    names = ("127.0.0.1", "localhost")
    hosts = {f"{name}:{port}" for name in names}
    return frozenset(hosts | set(names) if port == 80 else hosts)


def _person(person: Person) -> dict[str, str]:
    return {
        "name": person.name,
        "displayName": person.display_name,
        "email": person.email,
        "role": person.role,
    }


def _app(config: AppConfig | None) -> dict[str, Any] | None:
    if config is None:
        return None
    return {
        "name": config.name,
        "user": config.app_user()["name"],
        "format": config.event_format,
        "tokenKind": config.token_kind.value,
        "commands": dict(config.commands),
    }


def _path(value: Any) -> list[str | int]:
    if not isinstance(value, list) or not all(
        isinstance(part, str | int) and not isinstance(part, bool) for part in value
    ):
        raise ValueError("path must be a list of names and indexes")
    return list(value)


def _inputs(value: Any) -> dict[str, list[str]] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError("inputs must be an object")
    return {
        str(name): [str(v) for v in values]
        if isinstance(values, list)
        else [str(values)]
        for name, values in value.items()
    }


def _json(status: int, body: Mapping[str, Any]) -> PageReply:
    payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
    return PageReply(
        status,
        "application/json; charset=utf-8",
        payload,
        (("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff")),
    )


def _document() -> PageReply:
    nonce = secrets.token_urlsafe(18)
    html, style, *scripts = _assets()
    page = (
        html.replace("{{NONCE}}", nonce)
        .replace("{{STYLE}}", style)
        .replace("{{SCRIPT}}", "\n".join(scripts))
    )
    policy = (
        "default-src 'none'; "
        f"script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
        "img-src data:; connect-src 'self'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    )
    headers = (
        ("Content-Security-Policy", policy),
        ("Cache-Control", "no-store"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
    )
    return PageReply(200, "text/html; charset=utf-8", page.encode("utf-8"), headers)


@functools.cache
def _assets() -> tuple[str, ...]:
    folder = importlib.resources.files("sandbox").joinpath("page")
    return tuple(folder.joinpath(name).read_text("utf-8") for name in _ASSETS)
