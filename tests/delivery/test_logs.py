"""What delivery writes to the log: the ids on-call needs, never a secret."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from notifier.budget import Budget
from notifier.chat import ChatApp
from notifier.chat_auth import AppCredentials
from notifier.finding import Finding
from notifier.secrets import SecretRef, SecretStore
from notifier.settings import Settings
from notifier.transport import RequestFailed, Transport, shared_session
from notifier.webhook import ChatWebhook
from sandbox.chat_server import ChatServer, Fault
from tests.conftest import load_json
from tests.delivery.conftest import sample, updated

MakeTransport = Callable[..., Transport]
MakeBudget = Callable[..., Budget]


def test_no_key_token_or_webhook_credential_reaches_the_log(
    caplog: pytest.LogCaptureFixture,
    chat: ChatServer,
    space: str,
    settings: Settings,
    key_file: Path,
    webhook_file: Path,
    transport: MakeTransport,
    budget: MakeBudget,
) -> None:
    caplog.set_level(logging.DEBUG)
    document = sample()
    finding = Finding.from_document(document)
    secrets = SecretStore()
    app = ChatApp(settings, secrets, transport=transport())
    webhook = ChatWebhook(settings, secrets, transport=transport())

    app.post_finding(space, finding, budget())
    app.post_finding(space, updated(document, severity=8.0), budget())
    webhook.post_finding(finding, budget())
    chat.fail_next(2, Fault.DISCONNECT)
    with pytest.raises(RequestFailed) as failure:
        ChatWebhook(
            settings, secrets, transport=transport(max_attempts=2)
        ).post_finding(updated(document, count=50), budget())

    ref = SecretRef("file", str(key_file))
    bearer = AppCredentials(secrets, ref, shared_session()).headers(budget())
    token = bearer["authorization"].removeprefix("Bearer ")
    query = parse_qs(urlsplit(webhook_file.read_text(encoding="utf-8")).query)
    key_lines = load_json(key_file)["private_key"].splitlines()[1:-1]
    secret_values = [token, query["key"][0], query["token"][0], *key_lines]
    logged = caplog.text + str(failure.value) + repr(failure.value.__cause__)
    assert len(token) > 20
    assert [value for value in secret_values if value in logged] == []
    assert "Bearer" not in logged
    assert "?REDACTED" in caplog.text  # urllib3's debug lines, cut


def test_each_write_logs_finding_space_message_status_and_attempt(
    caplog: pytest.LogCaptureFixture,
    chat: ChatServer,
    space: str,
    settings: Settings,
    transport: MakeTransport,
    budget: MakeBudget,
) -> None:
    caplog.set_level(logging.INFO, logger="notifier")
    chat.fail_next(1, Fault.UNAVAILABLE)
    finding = Finding.from_document(sample())
    app = ChatApp(settings, SecretStore(), transport=transport())

    result = app.post_finding(space, finding, budget())

    lines = [r.getMessage() for r in caplog.records if r.name == "notifier.transport"]
    message = result.message.rsplit("/", 1)[1]  # type: ignore[union-attr]
    prefix = f"chat create finding={finding.id} space={space} message={message}"
    assert lines == [
        f"{prefix} status=503 attempt 1 of 5",
        f"{prefix} status=200 attempt 2 of 5",
    ]
    assert all(
        r.levelno == logging.INFO
        for r in caplog.records
        if r.name == "notifier.transport"
    )
