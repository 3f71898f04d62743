"""Posting through an incoming webhook: the link-only card, retried, never lost."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from notifier import chat_keys
from notifier.budget import Budget
from notifier.errors import DeliveryError
from notifier.finding import Finding
from notifier.secrets import SecretRef, SecretStore
from notifier.settings import Settings
from notifier.transport import RequestFailed, Transport
from notifier.webhook import ChatWebhook
from sandbox.chat_schema import validate_message
from sandbox.chat_server import ChatServer
from tests.delivery.conftest import FakeClock, findings, sample, updated

MakeTransport = Callable[..., Transport]
MakeBudget = Callable[..., Budget]


def on_clicks(message: Any) -> list[dict[str, Any]]:
    """Every onClick in a message."""
    found = []
    stack = [message]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "onClick" in node:
                found.append(node["onClick"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def test_the_webhook_posts_the_link_only_card_in_the_findings_thread(
    chat: ChatServer,
    space: str,
    settings: Settings,
    transport: MakeTransport,
    budget: MakeBudget,
) -> None:
    finding = Finding.from_document(sample())

    result = ChatWebhook(settings, SecretStore(), transport=transport()).post_finding(
        finding, budget()
    )

    [message] = chat.messages(space)
    assert result.message == message["name"]
    assert message["sender"]["displayName"] == "GuardDuty webhook"
    assert message["thread"]["threadKey"] == chat_keys.thread_key(finding)
    clicks = on_clicks(message["cardsV2"])
    assert clicks
    assert all(list(click) == ["openLink"] for click in clicks)
    validate_message({k: message[k] for k in ("fallbackText", "cardsV2")})


def test_a_webhook_update_is_a_new_message_in_the_same_thread(
    chat: ChatServer,
    space: str,
    settings: Settings,
    transport: MakeTransport,
    budget: MakeBudget,
) -> None:
    document = sample()
    webhook = ChatWebhook(settings, SecretStore(), transport=transport())

    webhook.post_finding(Finding.from_document(document), budget())
    webhook.post_finding(updated(document, severity=8.0), budget())

    [thread] = chat.store.threads(space.removeprefix("spaces/"))
    first, second = thread["messages"]
    assert second["threadReply"] is True
    assert "High 8.0" in second["fallbackText"]
    assert "Medium 5.3" in first["fallbackText"]


def test_a_retried_webhook_post_carries_the_same_request_id(
    chat: ChatServer,
    space: str,
    settings: Settings,
    transport: MakeTransport,
    budget: MakeBudget,
) -> None:
    finding = Finding.from_document(sample())
    webhook = ChatWebhook(settings, SecretStore(), transport=transport())

    first = webhook.post_finding(finding, budget())
    second = webhook.post_finding(finding, budget())

    ids = [r.query.get("requestId") for r in chat.requests if r.method == "POST"]
    assert ids == [chat_keys.request_id(finding)] * 2
    # The sandbox honours requestId for webhooks; Google's documents do not say.
    assert first.message == second.message
    assert len(chat.messages(space)) == 1


def test_the_webhook_digest_has_no_buttons_that_call_back(
    chat: ChatServer,
    space: str,
    settings: Settings,
    transport: MakeTransport,
    budget: MakeBudget,
) -> None:
    webhook = ChatWebhook(settings, SecretStore(), transport=transport())

    webhook.post_digest(findings(12), budget())

    [message] = chat.messages(space)
    assert message["cardsV2"][0]["card"]["header"]["title"] == "GuardDuty: 12 findings"
    assert all("action" not in click for click in on_clicks(message))


def test_a_webhook_answering_429_on_bursts_is_retried_until_delivered(
    chat: ChatServer,
    space: str,
    settings: Settings,
    clock: FakeClock,
    transport: MakeTransport,
    budget: MakeBudget,
) -> None:
    chat.limit_webhook_bursts(2, window_seconds=10.0)
    webhook = ChatWebhook(settings, SecretStore(), transport=transport())
    batch = findings(5)

    results = [webhook.post_finding(finding, budget(120)) for finding in batch]

    assert len(chat.messages(space)) == 5
    assert [r.status for r in results] == [200] * 5
    refused = [r for r in chat.requests if r.status == 429]
    assert len(refused) >= 2
    assert clock.sleeps  # Retry-After waits, on the fake clock


def test_a_webhook_burst_past_the_budget_fails_retryable_never_silently(
    chat: ChatServer,
    space: str,
    settings: Settings,
    transport: MakeTransport,
    budget: MakeBudget,
) -> None:
    chat.limit_webhook_bursts(1, window_seconds=60.0)
    webhook = ChatWebhook(settings, SecretStore(), transport=transport())
    first, second = findings(2)
    webhook.post_finding(first, budget(20))

    with pytest.raises(RequestFailed) as failure:
        webhook.post_finding(second, budget(20))

    assert failure.value.retryable
    assert failure.value.status == 429
    assert len(chat.messages(space)) == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://203.0.113.9/v1/spaces/AAAA/messages?key=k&token=t",
        "https://chat.example.com/v1/spaces/AAAA/members?key=k&token=t",
        "https://chat.example.com/v1/spaces/AAAA/messages",
        "not a url at all, secret-value",
    ],
)
def test_a_webhook_url_that_is_not_one_is_refused_without_quoting_it(
    settings: Settings, tmp_path: Path, budget: MakeBudget, url: str
) -> None:
    path = tmp_path / "bad-webhook"
    path.write_text(url, encoding="utf-8")
    chat = dataclasses.replace(settings.chat, webhook_url=SecretRef("file", str(path)))
    webhook = ChatWebhook(dataclasses.replace(settings, chat=chat), SecretStore())

    with pytest.raises(DeliveryError) as failure:
        webhook.post_finding(Finding.from_document(sample()), budget())

    assert not failure.value.retryable
    assert "token=" not in str(failure.value)
    assert "secret-value" not in str(failure.value)


def test_a_revoked_webhook_is_refused_and_read_afresh_next_time(
    chat: ChatServer,
    settings: Settings,
    webhook_file: Path,
    transport: MakeTransport,
    budget: MakeBudget,
) -> None:
    good = webhook_file.read_text(encoding="utf-8")
    webhook_file.write_text(good.replace("token=", "token=x"), encoding="utf-8")
    secrets = SecretStore()
    webhook = ChatWebhook(settings, secrets, transport=transport())

    with pytest.raises(RequestFailed) as failure:
        webhook.post_finding(Finding.from_document(sample()), budget())
    webhook_file.write_text(good, encoding="utf-8")
    result = webhook.post_finding(Finding.from_document(sample()), budget())

    assert (failure.value.status, failure.value.retryable) == (401, False)
    assert result.status == 200
    assert len(chat.messages(chat.store.spaces()[0]["name"])) == 1
