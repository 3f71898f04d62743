"""The Chat app's bearer token, from its service-account key.

The key is a secret (``chat.credentials``). google-auth signs an assertion with it
and trades it at the key's ``token_uri`` for an access token with scope
``chat.bot``; the token is kept for the life of the process and refreshed when it
nears expiry, through the pooled session and within the delivery's budget.
"""

import hashlib
import json
import logging
import threading
from typing import Any

import google.auth.exceptions
import google.auth.transport.requests
import requests
from google.oauth2 import service_account

from notifier.budget import Budget
from notifier.errors import DeliveryError, SecretError
from notifier.secrets import SecretRef, SecretStore

log = logging.getLogger(__name__)

CHAT_BOT_SCOPE = "https://www.googleapis.com/auth/chat.bot"

# Limitation: google-auth retries a failing token endpoint itself (3 attempts,
# about 1 s and 2 s apart, with time.sleep); those waits are outside the budget,
# though each request's timeout is capped by it. Bounding them needs google-auth
# to accept a retry policy, or a token request written here.


class _BudgetedRequest(google.auth.transport.requests.Request):
    """google-auth's request adapter on our session, with the budget's timeouts."""

    def __init__(self, session: requests.Session, budget: Budget, cap: float) -> None:
        super().__init__(session)
        self._budget = budget
        self._cap = cap

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: Any = None,
        headers: Any = None,
        timeout: Any = None,
        **kwargs: Any,
    ) -> Any:
        limit = self._budget.timeout(self._cap)
        if limit <= 0:
            failure = google.auth.exceptions.TransportError  # untyped in google-auth
            raise failure("the deadline has passed")  # type: ignore[no-untyped-call]
        return super().__call__(  # type: ignore[no-untyped-call]
            url, method, body, headers, timeout=limit, **kwargs
        )

    def __del__(self) -> None:
        # google-auth's Request closes its session when collected; this session is
        # the process's pool, borrowed, and must outlive the request.
        return


class _Token:
    """One key's credentials and the lock that serialises their refresh."""

    def __init__(self, credentials: service_account.Credentials) -> None:
        self.credentials = credentials
        self.lock = threading.Lock()


_tokens: dict[tuple[str, str], _Token] = {}
_tokens_lock = threading.Lock()


class AppCredentials:
    """Authorization headers for calls as the Chat app.

    Args:
        secrets: resolves the key's secret reference.
        ref: where the service-account key (JSON) lives.
        session: the HTTP session token requests go through.
        timeout_seconds: the cap on a token request's timeout.
    """

    def __init__(
        self,
        secrets: SecretStore,
        ref: SecretRef,
        session: requests.Session,
        timeout_seconds: float = 10.0,
    ) -> None:
        self._secrets = secrets
        self._ref = ref
        self._session = session
        self._timeout = timeout_seconds

    def headers(self, budget: Budget, *, refresh: bool = False) -> dict[str, str]:
        """``Authorization: Bearer ...`` with a token valid for now.

        Raises:
            DeliveryError: the key is unreadable or the token endpoint refused it
                (retryable unless the key itself is malformed).
        """
        token = self._token()
        headers: dict[str, str] = {}
        with token.lock:
            if refresh or not token.credentials.valid:
                self._refresh(token.credentials, budget)
            token.credentials.apply(headers)  # type: ignore[no-untyped-call]
        return headers

    def _token(self) -> _Token:
        try:
            secret = self._secrets.get(self._ref)
        except SecretError as error:
            raise DeliveryError(str(error), retryable=True) from error
        fingerprint = hashlib.sha256(secret.encode("utf-8")).hexdigest()
        key = (str(self._ref), fingerprint)
        with _tokens_lock:
            if key not in _tokens:
                _tokens[key] = _Token(self._credentials(secret))
            return _tokens[key]

    def _credentials(self, secret: str) -> service_account.Credentials:
        try:
            info = json.loads(secret)
            if not isinstance(info, dict):
                raise ValueError("not a JSON object")
            from_info = service_account.Credentials.from_service_account_info
            credentials: service_account.Credentials = from_info(
                info, scopes=[CHAT_BOT_SCOPE]
            )  # type: ignore[no-untyped-call]
        except ValueError:
            # Not chained: the parser's message may quote the secret.
            raise DeliveryError(
                f"chat.credentials ({self._ref}) is not a service-account key file",
                retryable=False,
            ) from None
        return credentials

    def _refresh(
        self, credentials: service_account.Credentials, budget: Budget
    ) -> None:
        request = _BudgetedRequest(self._session, budget, self._timeout)
        try:
            credentials.refresh(request)  # type: ignore[no-untyped-call]
        except google.auth.exceptions.TransportError as error:
            raise DeliveryError(
                f"Chat token request for {self._ref} failed to connect",
                retryable=True,
            ) from error
        except google.auth.exceptions.RefreshError as error:
            # A rotated key shows as a refusal: read the secret afresh next time.
            self._secrets.forget(self._ref)
            log.warning("token endpoint refused the key %s", self._ref)
            raise DeliveryError(
                f"the token endpoint refused the Chat app key {self._ref}",
                retryable=bool(error.retryable),
            ) from error
