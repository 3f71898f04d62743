"""Proof that a request comes from Google Chat: its bearer token, checked first.

google-auth verifies the signature, ``exp``, ``iat`` and ``aud``; this module adds
the checks it leaves to callers (``iss``, ``email``/``email_verified`` on Google ID
tokens, and a bound on a token's lifetime) and keeps the signer's certificates for
as long as Google's ``Cache-Control: max-age`` allows, so a verification costs no
HTTP call.
"""

import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import google.auth.jwt
import requests

from bot.errors import Unauthenticated, VerifierUnavailable
from bot.settings import GOOGLE_ISSUERS, TokenKind, VerifySettings

logger = logging.getLogger(__name__)

FETCH_TIMEOUT = 3.0
DEFAULT_MAX_AGE = 300.0
# A token naming a key we do not hold refetches, but no more often than this.
REFETCH_INTERVAL = 30.0
_BEARER = re.compile(
    r"^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$", re.I
)
_MAX_AGE = re.compile(r"(?:^|[,\s])max-age=(\d+)")
_MAX_TOKEN_CHARS = 8192
# Google signs Chat's tokens for one hour. google-auth checks only that a token
# has not expired, so one minted to last for years (with a leaked or test key
# left trusted) would be replayable until then. Two hours, from its iat and from
# now, leaves an hour of slack for clocks and for Google changing its lifetime.
MAX_LIFETIME_SECONDS = 2 * 3600
# google-auth messages that name no token content and are safe to log.
_SAFE_REASONS = (
    "Token expired",
    "Token used too early",
    "Token has wrong audience",
    "Could not verify token signature",
    "Certificate for key id",
    "Unsupported signature algorithm",
)


class CertificateCache:
    """The ``{kid: PEM}`` document at ``url``, kept until its max-age passes.

    Args:
        url: the certificates document (Google's, or a loopback one in tests).
        session: the HTTP session to fetch with.
        clock: monotonic seconds.
    """

    def __init__(
        self,
        url: str,
        session: requests.Session,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = url
        self._session = session
        self._clock = clock
        self._certificates: dict[str, str] = {}
        self._expires = 0.0
        self._fetched = float("-inf")
        self._lock = threading.Lock()

    def certificates(self, *, kid: str | None = None) -> Mapping[str, str]:
        """The current certificates; fetched when stale, or when ``kid`` is not
        among them (Google rotated its keys) and the last fetch is not too recent.

        Raises:
            VerifierUnavailable: the document could not be fetched or read.
        """
        with self._lock:
            now = self._clock()
            missing = kid is not None and kid not in self._certificates
            if now >= self._expires or (
                missing and now - self._fetched >= REFETCH_INTERVAL
            ):
                self._fetch(now)
            return dict(self._certificates)

    def _fetch(self, now: float) -> None:
        try:
            response = self._session.get(self._url, timeout=FETCH_TIMEOUT)
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as error:
            logger.warning(
                "cannot fetch signing certificates: %s", type(error).__name__
            )
            raise VerifierUnavailable("signing certificates unavailable") from error
        # Limitation: only {kid: PEM certificate} documents are read (Google's v1
        # certs URLs); a JWK set (the oauth2/v3 URL) would need google-auth's JWK
        # path.
        if not isinstance(document, Mapping) or not all(
            isinstance(value, str) for value in document.values()
        ):
            logger.warning("the signing certificates document is not {kid: PEM}")
            raise VerifierUnavailable("signing certificates unreadable")
        self._certificates = {str(kid): pem for kid, pem in document.items()}
        self._fetched = now
        self._expires = now + _max_age(response.headers.get("Cache-Control"))
        logger.info("fetched %d signing certificates", len(self._certificates))


def _max_age(header: str | None) -> float:
    if header and ("no-store" in header or "no-cache" in header):
        return 0.0
    match = _MAX_AGE.search(header or "")
    return float(match.group(1)) if match else DEFAULT_MAX_AGE


class Verifier:
    """Checks the ``Authorization`` header of every request against settings."""

    def __init__(
        self,
        settings: VerifySettings,
        *,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self._certificates = CertificateCache(
            settings.certs_url, session or requests.Session(), clock=clock
        )
        self._wall_clock = wall_clock

    def verify(self, authorization: str | None) -> Mapping[str, Any]:
        """The token's claims when it is one Google Chat sent this app.

        Raises:
            Unauthenticated: missing, malformed, forged, expired, valid for
                longer than ``MAX_LIFETIME_SECONDS``, or meant for another
                audience or signer.
            VerifierUnavailable: the signing certificates could not be fetched.
        """
        token = _bearer(authorization)
        certificates = self._certificates.certificates(kid=_key_id(token))
        try:
            claims = google.auth.jwt.decode(  # type: ignore[no-untyped-call]
                token,
                certs=certificates,
                audience=self.settings.audience,
                clock_skew_in_seconds=self.settings.clock_skew_seconds,
            )
        # Whatever an untrusted token makes the decoder raise, it is refused.
        except Exception as error:
            raise _refused(_reason(error)) from error
        if not isinstance(claims, Mapping):
            raise _refused("claims are not an object")
        self._check_lifetime(claims)
        self._check_signer(claims)
        return claims

    def _check_lifetime(self, claims: Mapping[str, Any]) -> None:
        issued, expires = _seconds(claims.get("iat")), _seconds(claims.get("exp"))
        if issued is None or expires is None:
            raise _refused("no issue or expiry time")
        latest = min(issued, self._wall_clock()) + MAX_LIFETIME_SECONDS
        if expires > latest + self.settings.clock_skew_seconds:
            raise _refused("token valid for too long")

    def _check_signer(self, claims: Mapping[str, Any]) -> None:
        expected = self.settings.issuer
        if self.settings.kind is TokenKind.PROJECT_NUMBER:
            if claims.get("iss") != expected:
                raise _refused("wrong issuer")
            return
        if claims.get("iss") not in GOOGLE_ISSUERS:
            raise _refused("wrong issuer")
        if claims.get("email") != expected:
            raise _refused("wrong signer email")
        if claims.get("email_verified") is not True:
            raise _refused("signer email not verified")


def _seconds(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _bearer(authorization: str | None) -> str:
    if not authorization:
        raise _refused("no bearer token")
    if len(authorization) > _MAX_TOKEN_CHARS:
        raise _refused("oversized token")
    match = _BEARER.match(authorization.strip())
    if not match:
        raise _refused("not a bearer JWT")
    return match.group(1)


def _key_id(token: str) -> str | None:
    try:
        header = google.auth.jwt.decode_header(token)  # type: ignore[no-untyped-call]
    except Exception as error:
        raise _refused("malformed token") from error
    kid = header.get("kid") if isinstance(header, Mapping) else None
    return kid if isinstance(kid, str) else None


def _reason(error: Exception) -> str:
    text = str(error)
    for reason in _SAFE_REASONS:
        if text.startswith(reason):
            return reason
    return f"invalid token ({type(error).__name__})"


def _refused(reason: str) -> Unauthenticated:
    logger.warning("request refused: %s", reason)
    return Unauthenticated(reason)
