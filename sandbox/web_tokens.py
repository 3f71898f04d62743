"""RS256 JSON Web Tokens, signed and checked with `cryptography` alone.

The sandbox signs the tokens the product verifies with google-auth, and checks the
assertions google-auth signs for the service-account flow. Doing both here, with
no JWT library, keeps the two sides independent: a token passes only if it is a
real RS256 JWT, not because both ends share one library's quirks.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa


class TokenInvalid(ValueError):
    """A token that is malformed or whose signature does not verify."""


def encode(
    claims: Mapping[str, Any], key: rsa.RSAPrivateKey, *, kid: str | None = None
) -> str:
    """Signs claims as a compact RS256 JWT, with `kid` in the header if given."""
    header: dict[str, str] = {"alg": "RS256", "typ": "JWT"}
    if kid is not None:
        header["kid"] = kid
    signing_input = f"{segment(header)}.{segment(claims)}"
    signature = key.sign(
        signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256()
    )
    return f"{signing_input}.{b64encode(signature)}"


def encode_unsigned(claims: Mapping[str, Any]) -> str:
    """An `alg: none` token, which every verifier must refuse."""
    return f"{segment({'alg': 'none', 'typ': 'JWT'})}.{segment(claims)}."


def header_of(token: str) -> dict[str, Any]:
    """The token's header, unverified."""
    return _json(_parts(token)[0])


def claims_of(token: str) -> dict[str, Any]:
    """The token's claims, unverified."""
    return _json(_parts(token)[1])


def decode(token: str, public_keys: Iterable[rsa.RSAPublicKey]) -> dict[str, Any]:
    """Verifies an RS256 signature against any of the keys and returns the claims.

    Only the signature is checked; the caller checks issuer, audience and times.

    Raises:
        TokenInvalid: the token is malformed, not RS256, or signed by none of them.
    """
    header, payload, signature = _parts(token)
    if _json(header).get("alg") != "RS256":
        raise TokenInvalid("token is not signed with RS256")

    signing_input = f"{header}.{payload}".encode("ascii")
    raw = b64decode(signature)
    for key in public_keys:
        try:
            key.verify(raw, signing_input, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            continue
        return _json(payload)
    raise TokenInvalid("token signature does not verify")


def b64encode(raw: bytes) -> str:
    """URL-safe base64 without padding, as JWTs and JWKs write it."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64decode(text: str) -> bytes:
    """Reverses `b64encode`."""
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise TokenInvalid("token segment is not base64url") from error


def segment(value: Mapping[str, Any]) -> str:
    """One JWT segment: compact JSON in URL-safe base64."""
    return b64encode(json.dumps(value, separators=(",", ":")).encode("utf-8"))


def _parts(token: str) -> tuple[str, str, str]:
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenInvalid("token does not have three segments")
    return parts[0], parts[1], parts[2]


def _json(segment: str) -> dict[str, Any]:
    try:
        value = json.loads(b64decode(segment))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise TokenInvalid("token segment is not JSON") from error
    if not isinstance(value, dict):
        raise TokenInvalid("token segment is not a JSON object")
    return value
