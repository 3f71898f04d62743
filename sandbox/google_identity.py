"""A local stand-in for the Google side that signs the tokens Chat sends an app.

Google Chat calls an app's endpoint with `Authorization: Bearer <JWT>`, in one of
three forms, depending on how the app is configured:

- project-number audience: issued by `chat@system.gserviceaccount.com` itself,
  `aud` = the project number, verified with that account's x509 certificates;
- endpoint-URL audience: a Google ID token (`iss` https://accounts.google.com,
  `aud` = the endpoint URL, `email` = chat@system.gserviceaccount.com);
- Workspace add-on: a Google ID token for the project's
  `service-NNN@gcp-sa-gsuiteaddons.iam.gserviceaccount.com`.

`GoogleIdentity` holds two key sets, as Google does: the Chat system account's,
published at `CHAT_CERTS_PATH`, and Google's OAuth keys, published at
`GOOGLE_CERTS_PATH`, both as `{kid: PEM certificate}`, the form google-auth's
`verify_token` reads. It issues the three kinds of token, and deliberately flawed
ones for tests.
"""

from __future__ import annotations

import datetime
import enum
import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from sandbox import web_tokens

CHAT_ISSUER = "chat@system.gserviceaccount.com"
GOOGLE_ISSUER = "https://accounts.google.com"
CHAT_CERTS_PATH = "/service_accounts/v1/metadata/x509/" + CHAT_ISSUER
GOOGLE_CERTS_PATH = "/oauth2/v1/certs"
TOKEN_LIFETIME_SECONDS = 3600

Clock = Callable[[], float]


class TokenKind(enum.Enum):
    """The three bearer tokens Google Chat sends to an app."""

    PROJECT_NUMBER = "project-number"
    ENDPOINT_URL = "endpoint-url"
    ADDON = "addon"


class Flaw(enum.Enum):
    """Ways to spoil a token so that a correct verifier refuses it."""

    EXPIRED = "expired"
    NOT_YET_VALID = "not-yet-valid"
    WRONG_AUDIENCE = "wrong-audience"
    WRONG_ISSUER = "wrong-issuer"
    WRONG_EMAIL = "wrong-email"
    UNVERIFIED_EMAIL = "unverified-email"
    FOREIGN_KEY = "foreign-key"
    UNKNOWN_KEY_ID = "unknown-key-id"
    UNSIGNED = "unsigned"
    TAMPERED = "tampered"


_EMAIL_FLAWS = frozenset({Flaw.WRONG_EMAIL, Flaw.UNVERIFIED_EMAIL})


@dataclass(frozen=True)
class ChatApp:
    """What Google knows about the app it calls: its project and endpoint."""

    project_number: str
    endpoint_url: str

    @property
    def addon_service_account(self) -> str:
        """The per-project account that signs add-on events."""
        return (
            f"service-{self.project_number}@gcp-sa-gsuiteaddons.iam.gserviceaccount.com"
        )


@dataclass(frozen=True)
class SigningKey:
    """One RSA key of a signer, with its key ID and self-signed certificate."""

    kid: str
    private_key: rsa.RSAPrivateKey
    certificate_pem: str


class KeySet:
    """The published keys of one Google signer; the newest one signs."""

    def __init__(self, subject: str) -> None:
        self._subject = subject
        self._keys = [new_signing_key(subject)]

    @property
    def current(self) -> SigningKey:
        """The key that signs new tokens."""
        return self._keys[0]

    def rotate(self) -> SigningKey:
        """Starts signing with a new key; the old ones stay published."""
        self._keys.insert(0, new_signing_key(self._subject))
        return self.current

    def retire(self, kid: str) -> None:
        """Stops publishing an older key, so its tokens no longer verify."""
        if kid == self.current.kid:
            raise ValueError("the current key cannot be retired; rotate first")
        self._keys = [key for key in self._keys if key.kid != kid]

    def certificates(self) -> dict[str, str]:
        """The `{kid: PEM certificate}` document Google serves for this signer."""
        return {key.kid: key.certificate_pem for key in self._keys}

    def sign(self, claims: Mapping[str, Any]) -> str:
        """Signs claims with the current key, naming it in the `kid` header."""
        return web_tokens.encode(claims, self.current.private_key, kid=self.current.kid)


class GoogleIdentity:
    """Google's token-signing side for Chat, held in memory.

    Args:
        clock: seconds since the epoch; tests pass their own to move time.
        lifetime: seconds a token is valid.
    """

    def __init__(
        self, *, clock: Clock = time.time, lifetime: int = TOKEN_LIFETIME_SECONDS
    ) -> None:
        self.chat_keys = KeySet(CHAT_ISSUER)
        self.google_keys = KeySet("accounts.google.com")
        self._clock = clock
        self._lifetime = lifetime

    def published_certificates(self, path: str) -> dict[str, str] | None:
        """The certificate document served at a Google URL path, if any."""
        if path == CHAT_CERTS_PATH:
            return self.chat_keys.certificates()
        if path == GOOGLE_CERTS_PATH:
            return self.google_keys.certificates()
        return None

    def token(self, kind: TokenKind, app: ChatApp, *, flaw: Flaw | None = None) -> str:
        """A bearer token as Google Chat would send it to the app.

        Args:
            kind: which of the three token forms.
            app: the app the token is for.
            flaw: spoil the token this way, for tests of the verifier.

        Raises:
            ValueError: an email flaw asked of a project-number token, which has
                no email claim.
        """
        if flaw in _EMAIL_FLAWS and kind is TokenKind.PROJECT_NUMBER:
            raise ValueError(f"{flaw} does not apply to project-number tokens")

        claims = self.claims(kind, app)
        keys = self.chat_keys if kind is TokenKind.PROJECT_NUMBER else self.google_keys
        if flaw is None:
            return keys.sign(claims)
        return self._spoiled(claims, keys, flaw)

    def claims(self, kind: TokenKind, app: ChatApp) -> dict[str, Any]:
        """The claims of a sound token of this kind, issued now."""
        now = int(self._clock())
        times = {"iat": now, "exp": now + self._lifetime}
        if kind is TokenKind.PROJECT_NUMBER:
            return {"iss": CHAT_ISSUER, "aud": app.project_number, **times}

        email = app.addon_service_account if kind is TokenKind.ADDON else CHAT_ISSUER
        return {
            "iss": GOOGLE_ISSUER,
            "aud": app.endpoint_url,
            "azp": _account_id(email),
            "sub": _account_id(email),
            "email": email,
            "email_verified": True,
            **times,
        }

    def _spoiled(self, claims: dict[str, Any], keys: KeySet, flaw: Flaw) -> str:
        signing_flaws = {
            Flaw.FOREIGN_KEY: lambda: _sign_with_stranger(claims, keys.current.kid),
            Flaw.UNKNOWN_KEY_ID: lambda: _sign_with_stranger(claims, "0" * 40),
            Flaw.UNSIGNED: lambda: web_tokens.encode_unsigned(claims),
            Flaw.TAMPERED: lambda: _tampered(claims, keys),
        }
        if flaw in signing_flaws:
            return signing_flaws[flaw]()
        return keys.sign(_with_claim_flaw(claims, flaw, self._lifetime))


def _with_claim_flaw(
    claims: dict[str, Any], flaw: Flaw, lifetime: int
) -> dict[str, Any]:
    now = claims["iat"]
    changes: dict[Flaw, dict[str, Any]] = {
        Flaw.EXPIRED: {"iat": now - 2 * lifetime, "exp": now - lifetime},
        Flaw.NOT_YET_VALID: {"iat": now + lifetime, "exp": now + 2 * lifetime},
        Flaw.WRONG_AUDIENCE: {"aud": _other_audience(claims["aud"])},
        Flaw.WRONG_ISSUER: {"iss": "https://issuer.invalid"},
        Flaw.WRONG_EMAIL: {"email": "someone-else@developer.gserviceaccount.com"},
        Flaw.UNVERIFIED_EMAIL: {"email_verified": False},
    }
    return claims | changes[flaw]


def _other_audience(audience: str) -> str:
    if audience.isdigit():
        return str(int(audience) + 1)
    return "https://audience.invalid/chat"


def _sign_with_stranger(claims: Mapping[str, Any], kid: str) -> str:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return web_tokens.encode(claims, stranger, kid=kid)


def _tampered(claims: dict[str, Any], keys: KeySet) -> str:
    # Sign one set of claims, then swap in another: only the signature tells.
    header, _, signature = keys.sign(claims | {"aud": "signed-audience"}).split(".")
    return f"{header}.{web_tokens.segment(claims)}.{signature}"


def _account_id(email: str) -> str:
    # Google gives each account a 21-digit numeric ID; derive a stable one.
    digest = hashlib.sha256(email.encode("utf-8")).digest()
    return str(10**20 + int.from_bytes(digest[:8], "big") % (9 * 10**20))


def new_signing_key(subject: str) -> SigningKey:
    """A fresh RSA-2048 key with a self-signed certificate naming `subject`."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_der = private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    kid = hashlib.sha256(public_der).hexdigest()[:40]
    return SigningKey(kid, private_key, _certificate(private_key, subject))


def _certificate(private_key: rsa.RSAPrivateKey, subject: str) -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=14))
        .sign(private_key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
