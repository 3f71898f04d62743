"""A local OAuth token endpoint for the service-account flow, and its accounts.

A Chat app authenticates as its service account: google-auth signs a JWT
assertion with the account's private key and trades it at the key file's
`token_uri` (grant type `urn:ietf:params:oauth:grant-type:jwt-bearer`) for an
access token, sent as `Authorization: Bearer` on each API call. `TokenAuthority`
creates service accounts with fresh keys, writes their key files pointing at the
sandbox, checks assertions as Google does and remembers the tokens it issued.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sandbox import web_tokens

logger = logging.getLogger(__name__)

JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
CHAT_BOT_SCOPE = "https://www.googleapis.com/auth/chat.bot"
# google-auth always addresses its assertion to Google's token URI, whatever
# `token_uri` the key file names; Google accepts the older v4 address too.
GOOGLE_TOKEN_AUDIENCES = frozenset(
    {
        "https://oauth2.googleapis.com/token",
        "https://www.googleapis.com/oauth2/v4/token",
    }
)
ACCESS_TOKEN_SECONDS = 3600
MAX_ASSERTION_SECONDS = 3600
CLOCK_SKEW_SECONDS = 300
SANDBOX_PROJECT = "guardduty-chatops-sandbox"


class OAuthError(Exception):
    """A refused token request, in OAuth's own error terms (RFC 6749 §5.2)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        """The JSON body Google's token endpoint answers with."""
        return {"error": self.error, "error_description": self.description}


@dataclass(frozen=True)
class ServiceAccount:
    """A service account with one RSA key, as in a downloaded JSON key file."""

    email: str
    client_id: str
    project_id: str
    key_id: str
    private_key: rsa.RSAPrivateKey

    def key_info(self, token_uri: str) -> dict[str, str]:
        """The key file's contents, with `token_uri` pointing at the sandbox."""
        pem = self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return {
            "type": "service_account",
            "project_id": self.project_id,
            "private_key_id": self.key_id,
            "private_key": pem.decode("ascii"),
            "client_email": self.email,
            "client_id": self.client_id,
            "token_uri": token_uri,
            "universe_domain": "googleapis.com",
        }

    def write_key_file(self, path: Path, token_uri: str) -> Path:
        """Writes the key file, readable only by its owner, and returns its path."""
        path.touch(mode=0o600, exist_ok=True)
        path.write_text(json.dumps(self.key_info(token_uri), indent=2), "utf-8")
        return path


@dataclass(frozen=True)
class AccessGrant:
    """What an access token stands for: an account, its scopes, its expiry."""

    account: ServiceAccount
    scopes: frozenset[str]
    expires_at: float


class TokenAuthority:
    """Issues access tokens to the sandbox's service accounts.

    Args:
        token_url: the URL of this endpoint, also accepted as assertion audience.
        clock: seconds since the epoch; tests pass their own.
    """

    def __init__(self, token_url: str, clock: Callable[[], float] = time.time) -> None:
        self.token_url = token_url
        self._clock = clock
        self._accounts: dict[str, ServiceAccount] = {}
        self._grants: dict[str, AccessGrant] = {}
        self._lock = threading.Lock()

    def create_service_account(
        self, name: str, project_id: str = SANDBOX_PROJECT
    ) -> ServiceAccount:
        """A new account `name@project.iam.gserviceaccount.com` with a new key."""
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        email = f"{name}@{project_id}.iam.gserviceaccount.com"
        digest = hashlib.sha256(email.encode("utf-8")).digest()
        account = ServiceAccount(
            email=email,
            client_id=str(10**20 + int.from_bytes(digest[:8], "big")),
            project_id=project_id,
            key_id=secrets.token_hex(20),
            private_key=private_key,
        )
        with self._lock:
            self._accounts[account.key_id] = account
        return account

    def exchange(self, form: Mapping[str, str]) -> dict[str, Any]:
        """Answers a token request (the form fields of the POST).

        Returns:
            The token response: `access_token`, `expires_in`, `token_type`.

        Raises:
            OAuthError: the grant type, assertion, signature, audience, times or
                scope are not acceptable.
        """
        if form.get("grant_type") != JWT_BEARER_GRANT:
            raise OAuthError("unsupported_grant_type", "Invalid grant_type.")
        assertion = form.get("assertion")
        if not assertion:
            raise OAuthError("invalid_request", "Missing required parameter: assertion")

        account, claims = self._verified(assertion)
        scopes = frozenset(str(claims.get("scope", "")).split())
        if not scopes:
            raise OAuthError(
                "invalid_scope", "Invalid OAuth scope or ID token audience provided."
            )
        access_token = "ya29.sandbox-" + secrets.token_urlsafe(32)
        grant = AccessGrant(account, scopes, self._clock() + ACCESS_TOKEN_SECONDS)
        with self._lock:
            self._grants[access_token] = grant
        logger.info(
            "issued an access token to %s for %d scopes", account.email, len(scopes)
        )
        return {
            "access_token": access_token,
            "expires_in": ACCESS_TOKEN_SECONDS - 1,
            "token_type": "Bearer",
        }

    def grant_for(self, access_token: str) -> AccessGrant | None:
        """The live grant behind an access token, or None if unknown or expired."""
        with self._lock:
            grant = self._grants.get(access_token)
        if grant is None or grant.expires_at <= self._clock():
            return None
        return grant

    def _verified(self, assertion: str) -> tuple[ServiceAccount, dict[str, Any]]:
        try:
            account = self._account_named_by(assertion)
            claims = web_tokens.decode(assertion, [account.private_key.public_key()])
        except web_tokens.TokenInvalid as error:
            raise OAuthError("invalid_grant", "Invalid JWT Signature.") from error

        if claims.get("iss") != account.email:
            raise OAuthError(
                "invalid_grant", "Invalid JWT: iss is not the key's account."
            )
        audiences = GOOGLE_TOKEN_AUDIENCES | {self.token_url}
        if claims.get("aud") not in audiences:
            raise OAuthError("invalid_grant", "Invalid JWT: wrong audience.")
        self._check_times(claims)
        return account, claims

    def _account_named_by(self, assertion: str) -> ServiceAccount:
        header = web_tokens.header_of(assertion)
        with self._lock:
            account = self._accounts.get(str(header.get("kid")))
            if account is None:
                issuer = web_tokens.claims_of(assertion).get("iss")
                matches = [a for a in self._accounts.values() if a.email == issuer]
                account = matches[0] if matches else None
        if account is None:
            raise OAuthError("invalid_grant", "Invalid grant: account not found")
        return account

    def _check_times(self, claims: Mapping[str, Any]) -> None:
        now = self._clock()
        issued, expires = claims.get("iat"), claims.get("exp")
        reasonable = (
            isinstance(issued, int)
            and isinstance(expires, int)
            and issued <= now + CLOCK_SKEW_SECONDS
            and expires > now - CLOCK_SKEW_SECONDS
            and 0 < expires - issued <= MAX_ASSERTION_SECONDS
        )
        if not reasonable:
            raise OAuthError(
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in "
                "a reasonable timeframe.",
            )
