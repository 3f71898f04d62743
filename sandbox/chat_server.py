"""The local Google Chat as a running HTTP server, with hooks for tests.

`ChatServer` puts `ChatApi` behind a threaded HTTP server on 127.0.0.1, and adds
what a test of delivery code needs: spaces, webhooks and service-account key
files to hand to the product, a record of every API request (without secrets),
and failures on demand (429, 503 or a dropped connection for the next N
requests).

It also plays the Chat client: the page at `/` (`sandbox.chat_page`) shows the
spaces, and clicks, dialogs and slash commands, from the page or from
`click`/`submit_dialog`/`command`, go to the app set with `configure_app` as
interaction events (`sandbox.chat_relay`).
"""

from __future__ import annotations

import datetime
import enum
import http.server
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, urlencode, urlsplit

from sandbox.chat_api import OAUTH_PATH, ChatApi, Reply
from sandbox.chat_app import post_event
from sandbox.chat_client import ChatClient
from sandbox.chat_messages import ChatApiError
from sandbox.chat_page import ChatPage, Controls, PageReply
from sandbox.chat_people import DEFAULT_PEOPLE, Person
from sandbox.chat_relay import ChatRelay
from sandbox.chat_store import ChatStore
from sandbox.google_identity import (
    CHAT_CERTS_PATH,
    GOOGLE_CERTS_PATH,
    GoogleIdentity,
    TokenKind,
)
from sandbox.google_oauth import ServiceAccount, TokenAuthority
from sandbox.loopback import LoopbackServer
from sandbox.write_quota import (
    WINDOW_SECONDS,
    WRITES_PER_MINUTE,
    WriteQuota,
    retry_after_header,
)

logger = logging.getLogger(__name__)

SECRET_PARAMETERS = frozenset({"key", "token", "access_token", "oauth_token"})
REDACTED = "REDACTED"


class Fault(enum.Enum):
    """A failure the server can answer with instead of doing the request."""

    RATE_LIMITED = "rate-limited"
    UNAVAILABLE = "unavailable"
    DISCONNECT = "disconnect"


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it; secret query values are redacted.

    `status` is 0 when the server dropped the connection without answering.
    """

    method: str
    path: str
    query: dict[str, str]
    status: int
    caller: str | None = None


class ChatServer(ChatClient):
    """A local Google Chat API, token endpoint and certificate host.

    Args:
        writes_per_minute: the per-space write quota (Google's is 60).
        window_seconds: the quota's sliding window.
        clock: wall-clock seconds, for message times and token expiry.
        monotonic: seconds for the quota window; tests pass their own.
        retry_after: add a Retry-After header to quota 429 answers.
        identity: the Google keys to publish; a new one by default.
        people: the people of the page and of `click`; the first one acts by
            default. `DEFAULT_PEOPLE` when None.
        port: the port to listen on; 0 (the default) lets the OS choose.

    Raises:
        OSError: `port` is taken.
    """

    def __init__(
        self,
        *,
        writes_per_minute: int = WRITES_PER_MINUTE,
        window_seconds: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        retry_after: bool = False,
        identity: GoogleIdentity | None = None,
        people: Sequence[Person] | None = None,
        port: int = 0,
    ) -> None:
        self._http = LoopbackServer(_Handler, port)
        self._http.http_server.chat = self  # type: ignore[attr-defined]
        self._monotonic = monotonic
        self.identity = identity or GoogleIdentity(clock=clock)
        self.quota = WriteQuota(writes_per_minute, window_seconds, monotonic)
        self.store = ChatStore(self.quota, clock)
        self.authority = TokenAuthority(self.url + OAUTH_PATH, clock)
        self.api = ChatApi(
            self.store, self.authority, self.identity, retry_after=retry_after
        )
        self._faults: list[tuple[Fault, float]] = []
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._apps: list[tuple[ServiceAccount, str]] = []
        self.people = list(people or DEFAULT_PEOPLE)
        self.relay = ChatRelay(
            self.store, self.identity, lambda: _rfc3339(clock()), post_event
        )
        self.page = ChatPage(self, int(self._http.http_server.server_address[1]))

    @property
    def url(self) -> str:
        """The base URL, also the Chat API root (`chat.api_url`)."""
        return self._http.url

    @property
    def token_url(self) -> str:
        """The OAuth token endpoint, the `token_uri` of the key files."""
        return self.url + OAUTH_PATH

    def certs_url(self, kind: TokenKind) -> str:
        """Where a Chat app fetches certificates for tokens of this kind."""
        path = (
            CHAT_CERTS_PATH if kind is TokenKind.PROJECT_NUMBER else GOOGLE_CERTS_PATH
        )
        return self.url + path

    def start(self) -> Self:
        """Starts serving in the background."""
        self._http.start()
        return self

    def stop(self) -> None:
        """Stops serving."""
        self._http.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    def create_space(self, display_name: str, space_id: str | None = None) -> str:
        """Adds a space the app is a member of; returns `spaces/ID`."""
        return self.store.create_space(display_name, space_id)

    def create_service_account(
        self, name: str = "guardduty-chatops", app_name: str = "GuardDuty"
    ) -> ServiceAccount:
        """A service account whose tokens write as the Chat app `app_name`."""
        account = self.authority.create_service_account(name)
        self.api.register_app(account, app_name)
        self._apps.append((account, app_name))
        return account

    def service_account_info(self, account: ServiceAccount) -> dict[str, str]:
        """The account's key file contents, with `token_uri` set to this server."""
        return account.key_info(self.token_url)

    def write_service_account_key(self, path: Path, account: ServiceAccount) -> Path:
        """Writes the account's key file (mode 0600) for the product to load."""
        return account.write_key_file(path, self.token_url)

    def create_webhook(
        self, space: str, display_name: str = "GuardDuty webhook"
    ) -> str:
        """Registers an incoming webhook in `space` (`spaces/ID`); returns its URL.

        The URL is a credential, like Google's: its `key` and `token` let anyone
        post to the space.
        """
        webhook = self.api.create_webhook(space.removeprefix("spaces/"), display_name)
        query = urlencode({"key": webhook.key, "token": webhook.token})
        return f"{self.url}/v1/spaces/{webhook.space_id}/messages?{query}"

    def limit_webhook_bursts(
        self, limit: int | None, window_seconds: float = 1.0
    ) -> None:
        """Makes webhooks answer 429 past `limit` posts per window; None lifts it."""
        quota = (
            None
            if limit is None
            else WriteQuota(limit, window_seconds, self._monotonic)
        )
        self.api.webhook_quota = quota

    def fail_next(self, count: int, fault: Fault, retry_after: float = 1.0) -> None:
        """Answers the next `count` Chat API requests (`/v1/...`) with `fault`."""
        with self._lock:
            self._faults.extend([(fault, retry_after)] * count)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        """Forgets the recorded requests."""
        with self._lock:
            self._requests.clear()

    def messages(self, space: str) -> list[dict[str, Any]]:
        """Every message in `space` (`spaces/ID`), oldest first."""
        page = self.store.list_messages(space.removeprefix("spaces/"), 1000)
        messages: list[dict[str, Any]] = page.get("messages", [])
        return messages

    def attach_controls(self, controls: Controls | None) -> None:
        """Shows `controls` in the page beside Chat (the sandbox's own panel);
        None takes them away."""
        self.page.controls = controls

    @property
    def version(self) -> int:
        """Grows with every change the page shows: messages, dialogs, clicks."""
        controls = self.page.controls
        extra = 0 if controls is None else controls.version
        return self.store.version + self.relay.version + extra

    def _page_reply(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> PageReply | None:
        return self.page.answer(method, target, headers, body)

    def _answer(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> Reply | None:
        """The reply to a request, or None to drop the connection."""
        url = urlsplit(target)
        fault = self._next_fault(url.path)
        reply: Reply | None
        if fault is None:
            reply = self.api.handle(method, url.path, url.query, headers, body)
        else:
            reply = _fault_reply(*fault)
        self._record(method, url.path, url.query, reply)
        return reply

    def _next_fault(self, path: str) -> tuple[Fault, float] | None:
        if not path.startswith("/v1/"):
            return None
        with self._lock:
            return self._faults.pop(0) if self._faults else None

    def _record(self, method: str, path: str, query: str, reply: Reply | None) -> None:
        values = {
            name: REDACTED if name in SECRET_PARAMETERS else value
            for name, value in parse_qsl(query, keep_blank_values=True)
        }
        status = 0 if reply is None else reply.status
        caller = None if reply is None else reply.caller
        with self._lock:
            self._requests.append(RecordedRequest(method, path, values, status, caller))


def _rfc3339(seconds: float) -> str:
    moment = datetime.datetime.fromtimestamp(seconds, datetime.UTC)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _fault_reply(fault: Fault, retry_after: float) -> Reply | None:
    if fault is Fault.DISCONNECT:
        return None
    if fault is Fault.RATE_LIMITED:
        error = ChatApiError(
            "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota)."
        )
        return Reply(
            429, error.body(), (("Retry-After", retry_after_header(retry_after)),)
        )
    error = ChatApiError("UNAVAILABLE", "The service is currently unavailable.")
    return Reply(503, error.body())


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "ESF"
    sys_version = ""

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        chat: ChatServer = self.server.chat  # type: ignore[attr-defined]
        headers = {name.title(): value for name, value in self.headers.items()}
        page = chat._page_reply(method, self.path, headers, body)
        if page is not None:
            self._send(page.status, page.content_type, page.body, page.headers)
            return

        reply = chat._answer(method, self.path, headers, body)
        if reply is None:
            self.close_connection = True
            return

        payload = b"" if reply.body is None else json.dumps(reply.body).encode("utf-8")
        kind = "application/json; charset=UTF-8"
        self._send(reply.status, kind, payload, reply.headers)

    def _send(
        self,
        status: int,
        content_type: str,
        payload: bytes,
        headers: tuple[tuple[str, str], ...],
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        # The default log line carries the query string, which holds webhook
        # credentials; the server records requests itself, redacted.
        return
