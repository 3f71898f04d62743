"""A local Chat per test, the product's settings pointing at it, and a fake clock.

The Chat server is the sandbox's (real HTTP on 127.0.0.1, the real google-auth
service-account flow against its token endpoint). Time that delivery code waits is
fake: sleeps advance a clock that the budget, the pacer and the server's write
quota all read, so a minute of pacing takes no real time.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from notifier import config
from notifier.budget import Budget
from notifier.finding import Finding
from notifier.pacing import WritePacer
from notifier.settings import Settings
from notifier.transport import RetryPolicy, Transport
from sandbox.chat_server import ChatServer
from sandbox.google_identity import GoogleIdentity
from sandbox.google_oauth import ServiceAccount
from tests.conftest import SAMPLES, load_json


@dataclass
class FakeClock:
    """Monotonic seconds that move only when delivery code sleeps."""

    now: float = 10_000.0
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture(scope="module")
def identity() -> GoogleIdentity:
    """Google's signing keys, made once: making them is the slow part of a server."""
    return GoogleIdentity()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def chat(identity: GoogleIdentity, clock: FakeClock) -> Iterator[ChatServer]:
    with ChatServer(
        identity=identity, monotonic=clock.monotonic, retry_after=True
    ) as server:
        yield server


@pytest.fixture
def space(chat: ChatServer) -> str:
    return chat.create_space("GuardDuty alerts")


@pytest.fixture
def account(chat: ChatServer) -> ServiceAccount:
    return chat.create_service_account("guardduty-chatops", app_name="GuardDuty")


@pytest.fixture
def key_file(chat: ChatServer, account: ServiceAccount, tmp_path: Path) -> Path:
    return chat.write_service_account_key(tmp_path / "chat-sa.json", account)


@pytest.fixture
def webhook_file(chat: ChatServer, space: str, tmp_path: Path) -> Path:
    path = tmp_path / "webhook-url"
    path.write_text(chat.create_webhook(space), encoding="utf-8")
    path.chmod(0o600)
    return path


@pytest.fixture
def settings(
    chat: ChatServer, space: str, key_file: Path, webhook_file: Path
) -> Settings:
    """The product's configuration, as a TOML file would give it."""
    return config.parse(
        {
            "chat": {
                "api_url": chat.url,
                "credentials": f"file:{key_file}",
                "webhook_url": f"file:{webhook_file}",
                "space": space,
            },
            "digest": {"top": 5},
        }
    )


@pytest.fixture
def transport(clock: FakeClock) -> Callable[..., Transport]:
    """Makes a transport whose waits and pacing run on the fake clock."""

    def make(*, writes_per_minute: int = 50, max_attempts: int = 5) -> Transport:
        return Transport(
            RetryPolicy(max_attempts=max_attempts, timeout_seconds=5.0),
            pacer=WritePacer(writes_per_minute, clock=clock.monotonic),
            sleep=clock.sleep,
            jitter=random.Random(3),
        )

    return make


@pytest.fixture
def budget(clock: FakeClock) -> Callable[..., Budget]:
    """Makes a budget on the fake clock."""

    def make(seconds: float = 120.0) -> Budget:
        return Budget.of(seconds, clock.monotonic)

    return make


def sample(name: str = "accesskey-api-call.json") -> dict[str, Any]:
    """A fresh copy of one of the project's sample findings."""
    document: dict[str, Any] = copy.deepcopy(load_json(SAMPLES / name))
    return document


def updated(
    document: dict[str, Any],
    *,
    count: int | None = None,
    severity: float | None = None,
    at: str | None = None,
) -> Finding:
    """The finding as GuardDuty publishes it after an update."""
    document = copy.deepcopy(document)
    service = document["service"]
    service["count"] = count if count is not None else service["count"] + 1
    if severity is not None:
        document["severity"] = severity
    stamp = at or "2026-11-03T08:00:00.000Z"
    document["updatedAt"] = stamp
    service["eventLastSeen"] = stamp
    return Finding.from_document(document)


def findings(count: int) -> list[Finding]:
    """``count`` distinct findings (each its own card)."""
    made = []
    for n in range(count):
        document = sample()
        document["id"] = f"{n + 1:032x}"
        document["arn"] = document["arn"].rsplit("/", 1)[0] + f"/{n + 1:032x}"
        made.append(Finding.from_document(document))
    return made
