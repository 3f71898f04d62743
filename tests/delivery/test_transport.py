"""Retries, timeouts and pacing of Chat writes, against the local Chat server."""

from __future__ import annotations

import email.utils
import logging
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from notifier import config
from notifier.budget import Budget
from notifier.chat import ChatApp, Outcome
from notifier.errors import DeliveryError
from notifier.finding import Finding
from notifier.pacing import WritePacer
from notifier.secrets import SecretStore
from notifier.settings import Settings
from notifier.transport import (
    Call,
    RequestFailed,
    RetryPolicy,
    Transport,
    retry_after,
    shared_session,
)
from sandbox.chat_server import ChatServer, Fault
from sandbox.google_identity import GoogleIdentity
from tests.delivery.conftest import FakeClock, findings, sample, updated

MakeTransport = Callable[..., Transport]
MakeBudget = Callable[..., Budget]


def statuses(chat: ChatServer) -> list[int]:
    return [r.status for r in chat.requests if r.path.startswith("/v1/")]


def test_three_429s_with_retry_after_then_success_delivers_once(
    chat: ChatServer,
    space: str,
    settings: Settings,
    clock: FakeClock,
    transport: MakeTransport,
    budget: MakeBudget,
) -> None:
    chat.fail_next(3, Fault.RATE_LIMITED, retry_after=2.0)
    app = ChatApp(settings, SecretStore(), transport=transport())

    result = app.post_finding(space, Finding.from_document(sample()), budget(60))

    assert result.outcome is Outcome.CREATED
    assert result.attempts == 4
    assert clock.sleeps == [2.0, 2.0, 2.0]
    assert statuses(chat) == [429, 429, 429, 200]
    assert len(chat.messages(space)) == 1


def test_failures_until_the_budget_runs_out_fail_retryable_without_oversleeping(
    chat: ChatServer,
    space: str,
    settings: Settings,
    clock: FakeClock,
    transport: MakeTransport,
    budget: MakeBudget,
) -> None:
    for _ in range(20):
        chat.fail_next(1, Fault.UNAVAILABLE)
        chat.fail_next(1, Fault.DISCONNECT)
    app = ChatApp(settings, SecretStore(), transport=transport(max_attempts=40))
    start = clock.now

    with pytest.raises(RequestFailed) as failure:
        app.post_finding(space, Finding.from_document(sample()), budget(6.0))

    assert failure.value.retryable
    assert failure.value.attempts > 3
    assert clock.now - start <= 6.0
    assert len(clock.sleeps) == failure.value.attempts - 1
    assert set(statuses(chat)) == {503, 0}
    assert chat.messages(space) == []


def test_a_retry_after_past_the_deadline_fails_at_once(
    chat: ChatServer,
    space: str,
    settings: Settings,
    clock: FakeClock,
    transport: MakeTransport,
    budget: MakeBudget,
) -> None:
    chat.fail_next(1, Fault.RATE_LIMITED, retry_after=30.0)
    app = ChatApp(settings, SecretStore(), transport=transport())

    with pytest.raises(RequestFailed) as failure:
        app.post_finding(space, Finding.from_document(sample()), budget(10.0))

    assert failure.value.retryable
    assert failure.value.status == 429
    assert clock.sleeps == []


def test_attempts_run_out_with_a_retryable_error_and_jittered_backoff(
    chat: ChatServer,
    space: str,
    settings: Settings,
    clock: FakeClock,
    transport: MakeTransport,
    budget: MakeBudget,
) -> None:
    chat.fail_next(4, Fault.UNAVAILABLE)
    app = ChatApp(settings, SecretStore(), transport=transport(max_attempts=4))

    with pytest.raises(RequestFailed) as failure:
        app.post_finding(space, Finding.from_document(sample()), budget(300))

    assert (failure.value.retryable, failure.value.status) == (True, 503)
    assert failure.value.attempts == 4
    ceilings = [0.5, 1.0, 2.0]  # full jitter: uniform below base * 2^(n-1)
    assert len(clock.sleeps) == 3
    assert all(0 <= s <= c for s, c in zip(clock.sleeps, ceilings, strict=True))
    assert len(set(clock.sleeps)) == 3


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("3", 3.0),
        ("0", 0.0),
        ("1.5", 1.5),
        (email.utils.formatdate(1_000_005.0, usegmt=True), 5.0),
        (email.utils.formatdate(999_000.0, usegmt=True), 0.0),
        ("soon", None),
        ("-1", None),
        ("nan", None),
        (None, None),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(
    header: str | None, expected: float | None
) -> None:
    assert retry_after(header, lambda: 1_000_000.0) == expected


def test_every_transport_shares_the_process_session() -> None:
    assert Transport().session is shared_session()
    assert Transport().session is Transport(RetryPolicy(max_attempts=2)).session


@pytest.fixture
def strict_chat(identity: GoogleIdentity, clock: FakeClock) -> Iterator[ChatServer]:
    """A Chat whose space takes 10 writes a minute."""
    with ChatServer(
        identity=identity,
        monotonic=clock.monotonic,
        writes_per_minute=10,
        retry_after=True,
    ) as server:
        yield server


@pytest.mark.parametrize(
    ("writes_per_minute", "refused"), [(8, False), (30, True)], ids=["paced", "unpaced"]
)
def test_writes_are_paced_under_the_spaces_quota(
    strict_chat: ChatServer,
    tmp_path: Path,
    clock: FakeClock,
    transport: MakeTransport,
    budget: MakeBudget,
    writes_per_minute: int,
    refused: bool,
) -> None:
    account = strict_chat.create_service_account()
    key = strict_chat.write_service_account_key(tmp_path / "key.json", account)
    space = strict_chat.create_space("Alerts")
    settings = config.parse(
        {"chat": {"api_url": strict_chat.url, "credentials": f"file:{key}"}}
    )
    app = ChatApp(
        settings,
        SecretStore(),
        transport=transport(writes_per_minute=writes_per_minute, max_attempts=10),
    )
    start = clock.now

    results = [app.post_finding(space, f, budget(600)) for f in findings(20)]

    assert [r.outcome for r in results] == [Outcome.CREATED] * 20
    assert len(strict_chat.messages(space)) == 20
    assert (429 in statuses(strict_chat)) is refused
    if not refused:
        assert clock.now - start >= 120.0  # 20 writes at 8 a minute: two waits


def test_the_pacer_fails_retryable_rather_than_wait_past_the_deadline(
    clock: FakeClock,
) -> None:
    pacer = WritePacer(2, clock=clock.monotonic)
    deadline = Budget.of(30.0, clock.monotonic)
    pacer.admit("spaces/A", deadline, clock.sleep)
    pacer.admit("spaces/A", deadline, clock.sleep)
    pacer.admit("spaces/B", deadline, clock.sleep)  # another space: own window

    with pytest.raises(DeliveryError) as failure:
        pacer.admit("spaces/A", deadline, clock.sleep)

    assert failure.value.retryable
    assert clock.sleeps == []
    assert pacer.used("spaces/A") == 2


def test_the_pacer_waits_for_the_oldest_write_to_leave_the_window(
    clock: FakeClock,
) -> None:
    pacer = WritePacer(2, clock=clock.monotonic)
    deadline = Budget.of(300.0, clock.monotonic)
    pacer.admit("spaces/A", deadline, clock.sleep)
    clock.now += 20.0
    pacer.admit("spaces/A", deadline, clock.sleep)

    waited = pacer.admit("spaces/A", deadline, clock.sleep)

    assert waited == pytest.approx(40.0)
    assert clock.sleeps == [pytest.approx(40.0)]


def test_one_pooled_connection_serves_the_token_and_every_call(
    caplog: pytest.LogCaptureFixture,
    chat: ChatServer,
    space: str,
    settings: Settings,
    transport: MakeTransport,
    budget: MakeBudget,
) -> None:
    caplog.set_level(logging.DEBUG, logger="urllib3")
    document = sample()
    app = ChatApp(settings, SecretStore(), transport=transport())

    app.post_finding(space, Finding.from_document(document), budget())
    app.post_finding(space, updated(document), budget())

    lines = [r.getMessage() for r in caplog.records if r.name.startswith("urllib3")]
    sent = [line for line in lines if '"' in line]
    assert len(sent) == 5  # token, create, create (409), read, update
    assert sum(line.startswith("Starting new HTTP") for line in lines) == 1


def test_a_token_the_server_no_longer_takes_is_refreshed_once(
    identity: GoogleIdentity,
    clock: FakeClock,
    tmp_path: Path,
    transport: MakeTransport,
    budget: MakeBudget,
) -> None:
    skew = [0.0]
    with ChatServer(
        identity=identity,
        monotonic=clock.monotonic,
        clock=lambda: time.time() + skew[0],
    ) as server:
        account = server.create_service_account()
        key = server.write_service_account_key(tmp_path / "key.json", account)
        space = server.create_space("Alerts")
        settings = config.parse(
            {"chat": {"api_url": server.url, "credentials": f"file:{key}"}}
        )
        app = ChatApp(settings, SecretStore(), transport=transport())
        first, second = findings(2)
        app.post_finding(space, first, budget())
        skew[0] = 3650.0  # the server's hour has passed; google-auth's has not

        result = app.post_finding(space, second, budget())

        assert result.outcome is Outcome.CREATED
        calls = [(r.method, r.path, r.status) for r in server.requests]
        assert calls[-3:] == [
            ("POST", f"/v1/{space}/messages", 401),
            ("POST", "/token", 200),
            ("POST", f"/v1/{space}/messages", 200),
        ]


def test_a_server_that_never_answers_times_out_and_is_retried(
    caplog: pytest.LogCaptureFixture, clock: FakeClock, budget: MakeBudget
) -> None:
    caplog.set_level(logging.INFO, logger="notifier.transport")
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        transport = Transport(
            RetryPolicy(max_attempts=2, timeout_seconds=0.2), sleep=clock.sleep
        )
        call = Call("GET", f"http://127.0.0.1:{port}/v1/x", "read", "spaces/A")

        with pytest.raises(RequestFailed) as failure:
            transport.send(call, budget(30))

    assert (failure.value.retryable, failure.value.attempts) == (True, 2)
    statuses = [r.getMessage().split("status=")[1].split()[0] for r in caplog.records]
    assert statuses == ["timeout", "timeout"]
    assert len(clock.sleeps) == 1
