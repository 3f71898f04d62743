"""Secret references (``env:NAME``, ``file:PATH``, ``secretsmanager:ID``, ``ssm:NAME``).

The configuration names where a secret lives, never the secret. Values are fetched on
first use and kept for the life of the process (a warm Lambda container), so a cold
start pays for each secret once and a configuration that never sends e-mail never
reads the SMTP password.
"""

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args

from notifier.errors import SecretError

if TYPE_CHECKING:
    from notifier.aws import ClientSource

log = logging.getLogger(__name__)

Scheme = Literal["env", "file", "secretsmanager", "ssm"]
SCHEMES: tuple[str, ...] = get_args(Scheme)


@dataclass(frozen=True)
class SecretRef:
    """Where a secret lives. Its text form names the secret and is safe to log."""

    scheme: Scheme
    name: str

    def __str__(self) -> str:
        return f"{self.scheme}:{self.name}"

    @classmethod
    def parse(cls, text: str) -> "SecretRef":
        """Reads ``scheme:name``; raises ValueError for anything else."""
        scheme, sep, name = text.partition(":")
        if not sep or scheme not in SCHEMES or not name.strip():
            raise ValueError(
                "expected a secret reference (env:NAME, file:PATH, "
                "secretsmanager:ARN-or-name, ssm:NAME); secret values never go in "
                "the file"
            )
        return cls(scheme, name.strip())  # type: ignore[arg-type]


class SecretStore:
    """Resolves secret references once each, thread-safely."""

    def __init__(self, clients: "ClientSource | None" = None) -> None:
        self._clients = clients
        self._values: dict[SecretRef, str] = {}
        self._lock = threading.Lock()

    def get(self, ref: SecretRef) -> str:
        """The secret's value.

        Raises:
            SecretError: the secret is absent or unreadable (the message names the
                reference, never a value).
        """
        with self._lock:
            if ref not in self._values:
                self._values[ref] = self._fetch(ref)
                log.info("resolved secret %s", ref)
            return self._values[ref]

    def forget(self, ref: SecretRef) -> None:
        """Drops a cached value, e.g. after the service rejected it as rotated."""
        with self._lock:
            self._values.pop(ref, None)

    def _fetch(self, ref: SecretRef) -> str:
        if ref.scheme == "env":
            value = os.environ.get(ref.name)
            if value is None:
                raise SecretError(f"secret {ref}: the environment variable is not set")
            return value
        if ref.scheme == "file":
            try:
                return Path(ref.name).expanduser().read_text(encoding="utf-8").strip()
            except OSError as error:
                raise SecretError(f"secret {ref}: {error.strerror}") from error
        return self._fetch_from_aws(ref)

    def _fetch_from_aws(self, ref: SecretRef) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        if self._clients is None:
            raise SecretError(f"secret {ref}: no AWS settings to fetch it with")
        try:
            if ref.scheme == "secretsmanager":
                region = _arn_region(ref.name)
                client = self._clients.client("secretsmanager", region)
                answer = client.get_secret_value(SecretId=ref.name)
                value = answer.get("SecretString")
            else:
                client = self._clients.client("ssm", _arn_region(ref.name))
                answer = client.get_parameter(Name=ref.name, WithDecryption=True)
                value = answer["Parameter"]["Value"]
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "error")
            raise SecretError(f"secret {ref}: {code}") from error
        except BotoCoreError as error:
            raise SecretError(f"secret {ref}: {type(error).__name__}") from error
        if not isinstance(value, str):
            raise SecretError(f"secret {ref}: not a text secret")
        return value


def _arn_region(name: str) -> str | None:
    parts = name.split(":")
    return parts[3] if name.startswith("arn:") and len(parts) > 4 and parts[3] else None
