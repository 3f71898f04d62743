"""The local Google Chat REST API: the part of `chat.googleapis.com` the product uses.

`ChatServer` serves, on 127.0.0.1 and a port the OS picks:

- `POST /v1/spaces/{space}/messages` (create; also incoming webhooks, with
  `?key=K&token=T` instead of a bearer token), `PATCH` and `GET
  /v1/spaces/{space}/messages/{message}`, and `GET /v1/spaces/{space}/messages`;
- `POST /token`, the OAuth token endpoint of the service-account flow;
- Google's certificate documents for verifying the tokens Chat sends to apps.

Every API call needs a bearer token the token endpoint issued, with a scope the
discovery document lists for the method; query parameters are checked against
the discovery document too, and message bodies against Chat's schema. Errors use
Google's error model, `{"error": {"code", "message", "status"}}`.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from sandbox import discovery
from sandbox.chat_messages import Caller, ChatApiError
from sandbox.chat_store import UNSPECIFIED, ChatStore
from sandbox.google_identity import GoogleIdentity
from sandbox.google_oauth import OAuthError, ServiceAccount, TokenAuthority
from sandbox.write_quota import WriteQuota, retry_after_header

logger = logging.getLogger(__name__)

OAUTH_PATH = "/token"  # Google's is https://oauth2.googleapis.com/token
CERTS_MAX_AGE_SECONDS = 300
_MESSAGES = re.compile(r"/v1/spaces/(?P<space>[^/]+)/messages")
_MESSAGE = re.compile(r"/v1/spaces/(?P<space>[^/]+)/messages/(?P<message>[^/]+)")
_UNAUTHENTICATED = (
    "Request had invalid authentication credentials. Expected OAuth 2 access "
    "token, login cookie or other valid authentication credential."
)


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: status, JSON body (None for no body) and extra headers."""

    status: int
    body: Mapping[str, Any] | None
    headers: tuple[tuple[str, str], ...] = ()
    caller: str | None = None


@dataclass(frozen=True)
class Webhook:
    """An incoming webhook registered in one space."""

    id: str
    space_id: str
    display_name: str
    key: str
    token: str = field(repr=False)

    def caller(self) -> Caller:
        """The webhook as the writer of its messages."""
        return Caller(
            "webhook", self.id, self.id.removeprefix("webhook-"), self.display_name
        )


class ChatApi:
    """Answers Chat API, token and certificate requests, without any HTTP plumbing.

    Args:
        store: the spaces and messages.
        authority: the OAuth token endpoint's state.
        identity: the Google keys whose certificates are published.
        retry_after: send a Retry-After header with 429 answers (Google's Chat
            API does not promise one; clients should back off regardless).
    """

    def __init__(
        self,
        store: ChatStore,
        authority: TokenAuthority,
        identity: GoogleIdentity,
        *,
        retry_after: bool = False,
    ) -> None:
        self.store = store
        self.authority = authority
        self.identity = identity
        self.retry_after = retry_after
        self.webhook_quota: WriteQuota | None = None
        self._webhooks: dict[str, Webhook] = {}
        self._app_names: dict[str, str] = {}
        self._lock = threading.Lock()

    def register_app(self, account: ServiceAccount, display_name: str) -> None:
        """Names the Chat app a service account authenticates as."""
        with self._lock:
            self._app_names[account.email] = display_name

    def create_webhook(self, space_id: str, display_name: str) -> Webhook:
        """Registers an incoming webhook in a space."""
        webhook = Webhook(
            id="webhook-" + str(secrets.randbelow(10**20) + 10**20),
            space_id=space_id,
            display_name=display_name,
            key="AIzaSy" + secrets.token_urlsafe(24),
            token=secrets.token_urlsafe(32),
        )
        with self._lock:
            self._webhooks[webhook.id] = webhook
        return webhook

    def handle(
        self,
        method: str,
        path: str,
        query: str,
        headers: Mapping[str, str],
        body: bytes,
    ) -> Reply:
        """Answers one request; never raises for a bad request."""
        try:
            return self._route(method, path, _query(query), headers, body)
        except ChatApiError as error:
            extra: tuple[tuple[str, str], ...] = ()
            if error.status == "UNAUTHENTICATED":
                extra = (
                    ("WWW-Authenticate", 'Bearer realm="https://accounts.google.com/"'),
                )
            elif error.retry_after is not None and self.retry_after:
                extra = (("Retry-After", retry_after_header(error.retry_after)),)
            return Reply(error.code, error.body(), extra)
        except OAuthError as error:
            return Reply(400, error.body())

    def _route(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> Reply:
        if path == OAUTH_PATH and method == "POST":
            form = dict(
                parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
            )
            return Reply(200, self.authority.exchange(form))

        certificates = self.identity.published_certificates(path)
        if certificates is not None and method == "GET":
            cache = ("Cache-Control", f"public, max-age={CERTS_MAX_AGE_SECONDS}")
            return Reply(200, certificates, (cache,))

        if match := _MESSAGES.fullmatch(path):
            if method == "POST":
                return self._create(match["space"], query, headers, body)
            if method == "GET":
                return self._list(match["space"], query, headers)
        if match := _MESSAGE.fullmatch(path):
            if method == "PATCH":
                return self._patch(
                    match["space"], match["message"], query, headers, body
                )
            if method == "GET":
                return self._get(match["space"], match["message"], query, headers)
        # Limitation: only create, patch, get and list are served; delete,
        # replaceCards and the PUT update answer 404 until the product needs them.
        raise ChatApiError("NOT_FOUND", f"Method not found: {method} {path}")

    def _create(
        self,
        space_id: str,
        query: dict[str, str],
        headers: Mapping[str, str],
        raw: bytes,
    ) -> Reply:
        _check_query("create", query)
        if "token" in query:
            caller = self._webhook_caller(space_id, query)
        else:
            caller = self._app_caller("create", headers)
        body = _json_body(raw)
        if caller.kind == "webhook":
            _check_webhook_body(body)

        message = self.store.create_message(
            caller,
            space_id,
            body,
            message_id=query.get("messageId"),
            request_id=query.get("requestId"),
            reply_option=query.get("messageReplyOption", UNSPECIFIED),
            thread_key=query.get("threadKey"),
        )
        logger.info("created %s by %s %s", message["name"], caller.kind, caller.id)
        return Reply(200, message, caller=caller.id)

    def _patch(
        self,
        space_id: str,
        message_id: str,
        query: dict[str, str],
        headers: Mapping[str, str],
        raw: bytes,
    ) -> Reply:
        _check_query("patch", query)
        caller = self._app_caller("patch", headers)
        message = self.store.update_message(
            caller,
            space_id,
            message_id,
            _json_body(raw),
            update_mask=query.get("updateMask"),
            allow_missing=query.get("allowMissing") == "true",
        )
        logger.info("patched %s by %s", message["name"], caller.id)
        return Reply(200, message, caller=caller.id)

    def _get(
        self,
        space_id: str,
        message_id: str,
        query: dict[str, str],
        headers: Mapping[str, str],
    ) -> Reply:
        _check_query("get", query)
        caller = self._app_caller("get", headers)
        return Reply(
            200, self.store.get_message(space_id, message_id), caller=caller.id
        )

    def _list(
        self, space_id: str, query: dict[str, str], headers: Mapping[str, str]
    ) -> Reply:
        _check_query("list", query)
        caller = self._app_caller("list", headers)
        size = query.get("pageSize")
        page = self.store.list_messages(
            space_id, int(size) if size else None, query.get("pageToken")
        )
        return Reply(200, page, caller=caller.id)

    def _app_caller(self, method: str, headers: Mapping[str, str]) -> Caller:
        scheme, _, token = headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise ChatApiError(
                "UNAUTHENTICATED",
                "Request is missing required authentication credential. "
                + _UNAUTHENTICATED,
            )
        # Limitation: only access tokens from the sandbox's token endpoint are
        # accepted, not self-signed service-account JWTs (google-auth's
        # always_use_jwt_access); accepting them means verifying the JWT against
        # the account's key here.
        grant = self.authority.grant_for(token.strip())
        if grant is None:
            raise ChatApiError("UNAUTHENTICATED", _UNAUTHENTICATED)
        if not grant.scopes & _method_scopes(method):
            raise ChatApiError(
                "PERMISSION_DENIED", "Request had insufficient authentication scopes."
            )
        account = grant.account
        name = self._app_names.get(account.email, account.email.partition("@")[0])
        return Caller("app", account.email, account.client_id, name)

    def _webhook_caller(self, space_id: str, query: Mapping[str, str]) -> Caller:
        with self._lock:
            webhooks = list(self._webhooks.values())
        webhook = next(
            (
                hook
                for hook in webhooks
                if hook.space_id == space_id
                and secrets.compare_digest(hook.key, query.get("key", ""))
                and secrets.compare_digest(hook.token, query.get("token", ""))
            ),
            None,
        )
        if webhook is None:
            raise ChatApiError("UNAUTHENTICATED", "Webhook key or token is not valid.")
        if self.webhook_quota is not None:
            wait = self.webhook_quota.admit(webhook.id)
            if wait is not None:
                raise ChatApiError(
                    "RESOURCE_EXHAUSTED",
                    "Too many webhook messages in a short time.",
                    retry_after=wait,
                )
        return webhook.caller()


def _query(raw: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, value in parse_qsl(raw, keep_blank_values=True):
        values.setdefault(name, value)
    return values


def _json_body(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ChatApiError(
            "INVALID_ARGUMENT", "Invalid JSON payload received."
        ) from error
    if not isinstance(body, dict):
        raise ChatApiError("INVALID_ARGUMENT", "Invalid JSON payload received.")
    return body


def _check_webhook_body(body: Mapping[str, Any]) -> None:
    for name in ("privateMessageViewer", "accessoryWidgets"):
        if name in body:
            raise ChatApiError(
                "INVALID_ARGUMENT", f"{name} needs app authentication, not a webhook."
            )


def _method(name: str) -> dict[str, Any]:
    document = discovery.load_document()
    methods: dict[str, Any] = document["resources"]["spaces"]["resources"]["messages"][
        "methods"
    ]
    return dict(methods[name])


def _method_scopes(name: str) -> frozenset[str]:
    return frozenset(_method(name)["scopes"])


def _check_query(method: str, query: Mapping[str, str]) -> None:
    """Rejects query parameters the discovery document does not define."""
    document = discovery.load_document()
    parameters = {
        name: spec
        for name, spec in _method(method)["parameters"].items()
        if spec.get("location") == "query"
    }
    parameters |= document["parameters"]
    # Webhook URLs carry their credential in `token`, next to the API `key`.
    parameters.setdefault("token", {"type": "string"})

    for name, value in query.items():
        spec = parameters.get(name)
        if spec is None:
            raise ChatApiError(
                "INVALID_ARGUMENT",
                f'Invalid JSON payload received. Unknown name "{name}": Cannot bind '
                "query parameter.",
            )
        _check_parameter(name, value, spec)


def _check_parameter(name: str, value: str, spec: Mapping[str, Any]) -> None:
    valid = True
    if "enum" in spec:
        valid = value in spec["enum"]
    elif spec.get("type") == "boolean":
        valid = value in ("true", "false")
    elif spec.get("type") == "integer":
        valid = re.fullmatch(r"-?[0-9]+", value) is not None
    if not valid:
        raise ChatApiError(
            "INVALID_ARGUMENT",
            f'Invalid value at "{name}" ({spec.get("type")}), "{value}"',
        )
