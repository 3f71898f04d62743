"""Tokens from the local Google identity, checked by google-auth as a Chat app would."""

from __future__ import annotations

import http.server
import json
from collections.abc import Iterator
from typing import Any

import google.auth.exceptions
import google.auth.jwt
import google.auth.transport.requests
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from google.oauth2 import id_token

from sandbox import web_tokens
from sandbox.google_identity import (
    CHAT_CERTS_PATH,
    CHAT_ISSUER,
    GOOGLE_CERTS_PATH,
    ChatApp,
    Flaw,
    GoogleIdentity,
    TokenKind,
)
from sandbox.loopback import LoopbackServer

APP = ChatApp(project_number="123456789012", endpoint_url="https://bot.test/chat")
REFUSED = (ValueError, google.auth.exceptions.GoogleAuthError)


@pytest.fixture(scope="module")
def identity() -> GoogleIdentity:
    return GoogleIdentity()


@pytest.fixture(scope="module")
def certs_url(identity: GoogleIdentity) -> Iterator[str]:
    class Certificates(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            document = identity.published_certificates(self.path)
            body = json.dumps(document).encode()
            self.send_response(404 if document is None else 200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with LoopbackServer(Certificates) as server:
        yield server.url


def verify_as_chat_app(
    token: str, kind: TokenKind, app: ChatApp, base_url: str
) -> dict[str, Any]:
    """The checks Google documents for each token form, done with google-auth."""
    request = google.auth.transport.requests.Request()
    if kind is TokenKind.PROJECT_NUMBER:
        claims = id_token.verify_token(
            token,
            request,
            audience=app.project_number,
            certs_url=base_url + CHAT_CERTS_PATH,
        )
        if claims["iss"] != CHAT_ISSUER:
            raise ValueError("wrong issuer")
        return dict(claims)

    claims = id_token.verify_token(
        token,
        request,
        audience=app.endpoint_url,
        certs_url=base_url + GOOGLE_CERTS_PATH,
    )
    expected = app.addon_service_account if kind is TokenKind.ADDON else CHAT_ISSUER
    if claims["iss"] not in ("accounts.google.com", "https://accounts.google.com"):
        raise ValueError("wrong issuer")
    if claims.get("email") != expected or claims.get("email_verified") is not True:
        raise ValueError("wrong or unverified email")
    return dict(claims)


@pytest.mark.parametrize("kind", list(TokenKind))
def test_sound_tokens_verify_with_google_auth(
    identity: GoogleIdentity, certs_url: str, kind: TokenKind
) -> None:
    token = identity.token(kind, APP)

    claims = verify_as_chat_app(token, kind, APP, certs_url)

    assert claims["exp"] - claims["iat"] == 3600
    assert claims == identity.claims(kind, APP) | {
        "iat": claims["iat"],
        "exp": claims["exp"],
    }


def test_the_three_forms_carry_googles_claims(identity: GoogleIdentity) -> None:
    project = identity.claims(TokenKind.PROJECT_NUMBER, APP)
    endpoint = identity.claims(TokenKind.ENDPOINT_URL, APP)
    addon = identity.claims(TokenKind.ADDON, APP)

    assert (project["iss"], project["aud"]) == (CHAT_ISSUER, "123456789012")
    assert "email" not in project
    assert (endpoint["iss"], endpoint["aud"]) == (
        "https://accounts.google.com",
        "https://bot.test/chat",
    )
    assert endpoint["email"] == "chat@system.gserviceaccount.com"
    assert addon["email"] == (
        "service-123456789012@gcp-sa-gsuiteaddons.iam.gserviceaccount.com"
    )
    assert addon["email_verified"] is True
    assert len(addon["sub"]) == 21


def test_token_names_its_key_in_the_published_certificates(
    identity: GoogleIdentity,
) -> None:
    token = identity.token(TokenKind.PROJECT_NUMBER, APP)
    header = web_tokens.header_of(token)

    assert header == {
        "alg": "RS256",
        "typ": "JWT",
        "kid": identity.chat_keys.current.kid,
    }
    certificates = identity.published_certificates(CHAT_CERTS_PATH)
    assert certificates is not None
    assert certificates[header["kid"]].startswith("-----BEGIN CERTIFICATE-----")
    claims = google.auth.jwt.decode(token, certs=certificates, audience="123456789012")
    assert claims["iss"] == CHAT_ISSUER


def test_chat_and_google_sign_with_different_keys(
    identity: GoogleIdentity, certs_url: str
) -> None:
    token = identity.token(TokenKind.PROJECT_NUMBER, APP)
    request = google.auth.transport.requests.Request()

    with pytest.raises(REFUSED, match="Certificate for key id"):
        id_token.verify_token(
            token,
            request,
            audience=APP.project_number,
            certs_url=certs_url + GOOGLE_CERTS_PATH,
        )


FLAWS = [
    (kind, flaw)
    for kind in TokenKind
    for flaw in Flaw
    if not (
        kind is TokenKind.PROJECT_NUMBER
        and flaw in {Flaw.WRONG_EMAIL, Flaw.UNVERIFIED_EMAIL}
    )
]


WHY_REFUSED = {
    Flaw.EXPIRED: "Token expired",
    Flaw.NOT_YET_VALID: "Token used too early",
    Flaw.WRONG_AUDIENCE: "wrong audience",
    Flaw.WRONG_ISSUER: "wrong issuer",
    Flaw.WRONG_EMAIL: "wrong or unverified email",
    Flaw.UNVERIFIED_EMAIL: "wrong or unverified email",
    Flaw.FOREIGN_KEY: "Could not verify token signature",
    Flaw.UNKNOWN_KEY_ID: "Certificate for key id 0+ not found",
    Flaw.UNSIGNED: "Unsupported signature algorithm none",
    Flaw.TAMPERED: "Could not verify token signature",
}


@pytest.mark.parametrize(("kind", "flaw"), FLAWS, ids=lambda v: getattr(v, "value", v))
def test_flawed_tokens_are_refused_for_their_flaw(
    identity: GoogleIdentity, certs_url: str, kind: TokenKind, flaw: Flaw
) -> None:
    token = identity.token(kind, APP, flaw=flaw)

    with pytest.raises(REFUSED, match=WHY_REFUSED[flaw]):
        verify_as_chat_app(token, kind, APP, certs_url)


def test_project_number_tokens_have_no_email_to_spoil(identity: GoogleIdentity) -> None:
    with pytest.raises(ValueError, match="project-number"):
        identity.token(TokenKind.PROJECT_NUMBER, APP, flaw=Flaw.WRONG_EMAIL)


def test_tokens_from_a_rotated_key_verify_until_it_is_retired(certs_url: str) -> None:
    identity = GoogleIdentity()
    old_token = identity.token(TokenKind.ENDPOINT_URL, APP)
    old_kid = identity.google_keys.current.kid

    identity.google_keys.rotate()

    assert identity.google_keys.current.kid != old_kid
    assert set(identity.google_keys.certificates()) == {
        old_kid,
        identity.google_keys.current.kid,
    }
    certificates = identity.google_keys.certificates()
    google.auth.jwt.decode(old_token, certs=certificates, audience=APP.endpoint_url)

    identity.google_keys.retire(old_kid)
    with pytest.raises(REFUSED, match="Certificate for key id"):
        google.auth.jwt.decode(
            old_token,
            certs=identity.google_keys.certificates(),
            audience=APP.endpoint_url,
        )


def test_time_comes_from_the_clock_given() -> None:
    identity = GoogleIdentity(clock=lambda: 1_700_000_000.7, lifetime=300)

    claims = identity.claims(TokenKind.ADDON, APP)

    assert (claims["iat"], claims["exp"]) == (1_700_000_000, 1_700_000_300)


def test_web_tokens_verify_only_the_right_key(identity: GoogleIdentity) -> None:
    key = identity.chat_keys.current.private_key
    token = web_tokens.encode({"a": 1}, key, kid="k")
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    assert web_tokens.decode(token, [stranger.public_key(), key.public_key()]) == {
        "a": 1
    }
    with pytest.raises(web_tokens.TokenInvalid, match="does not verify"):
        web_tokens.decode(token, [stranger.public_key()])
    with pytest.raises(web_tokens.TokenInvalid, match="RS256"):
        web_tokens.decode(web_tokens.encode_unsigned({"a": 1}), [key.public_key()])
    with pytest.raises(web_tokens.TokenInvalid, match="three segments"):
        web_tokens.decode("abc", [key.public_key()])
