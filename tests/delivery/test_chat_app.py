"""Posting as the Chat app: one card per finding, edited in place, never twice."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from notifier import chat_keys
from notifier.budget import Budget
from notifier.cards import finding_message, shown_version
from notifier.chat import ChatApp, Outcome
from notifier.errors import DeliveryError
from notifier.finding import Finding
from notifier.handling import Action, Handling, history_from_message
from notifier.secrets import SecretStore
from notifier.settings import Settings
from notifier.transport import Call, RequestFailed, Transport
from sandbox.chat_schema import validate_message
from sandbox.chat_server import ChatServer
from sandbox.google_oauth import ServiceAccount
from tests.delivery.conftest import findings, sample, updated
from tests.sandbox.chat_sessions import app_session

MakeTransport = Callable[..., Transport]
MakeBudget = Callable[..., Budget]


def seen(message: dict[str, Any]) -> str:
    """The card's "Seen" line (count, first and last seen)."""
    for section in message["cardsV2"][0]["card"]["sections"]:
        for widget in section["widgets"]:
            decorated = widget.get("decoratedText", {})
            if decorated.get("topLabel") == "Seen":
                return str(decorated["text"])
    raise AssertionError("the card has no Seen line")


def writes(chat: ChatServer) -> list[tuple[str, int]]:
    """(method, status) of every Chat API call, token requests left out."""
    return [(r.method, r.status) for r in chat.requests if r.path.startswith("/v1/")]


def test_the_same_finding_twice_then_updated_is_one_card_edited_in_place(
    chat: ChatServer,
    space: str,
    settings: Settings,
    transport: MakeTransport,
    budget: MakeBudget,
) -> None:
    document = sample()
    finding = Finding.from_document(document)
    app = ChatApp(settings, SecretStore(), transport=transport())

    first = app.post_finding(space, finding, budget())
    again = app.post_finding(space, finding, budget())
    later = app.post_finding(space, updated(document, count=4), budget())

    assert [first.outcome, again.outcome, later.outcome] == [
        Outcome.CREATED,
        Outcome.UNCHANGED,
        Outcome.UPDATED,
    ]
    messages = chat.messages(space)
    assert len(messages) == 1
    card = messages[0]
    assert card["name"] == first.message == later.message
    assert card["name"] == f"{space}/messages/{chat_keys.message_id(finding)}"
    assert seen(card).startswith("4 times")
    assert "lastUpdateTime" in card
    assert [m for m, _ in writes(chat)].count("PATCH") == 1
    assert card["thread"]["threadKey"] == chat_keys.thread_key(finding)


def test_who_did_what_on_the_card_survives_a_guardduty_update(
    chat: ChatServer,
    space: str,
    settings: Settings,
    account: ServiceAccount,
    transport: MakeTransport,
    budget: MakeBudget,
) -> None:
    document = sample()
    finding = Finding.from_document(document)
    app = ChatApp(settings, SecretStore(), transport=transport())
    app.post_finding(space, finding, budget())

    # The bot edits the card after a click: the history rides on its buttons.
    history = (
        Handling(Action.ACKNOWLEDGE, "Ada", datetime(2026, 11, 2, 11, 0, tzinfo=UTC)),
        Handling(Action.ARCHIVE, "Grace", datetime(2026, 11, 2, 11, 5, tzinfo=UTC)),
    )
    clicked = finding_message(finding, settings.cards, history=history)
    name = chat.messages(space)[0]["name"]
    with app_session(chat, account) as session:
        answer = session.patch(
            f"{chat.url}/v1/{name}",
            params={"updateMask": "cards_v2"},
            json={"cardsV2": clicked["cardsV2"]},
            timeout=5,
        )
        assert answer.status_code == 200

    result = app.post_finding(space, updated(document, count=9), budget())

    assert result.outcome is Outcome.UPDATED
    card = chat.messages(space)[0]
    assert history_from_message(card) == history
    assert seen(card).startswith("9 times")
    status = card["cardsV2"][0]["card"]["sections"][0]["widgets"][1]
    assert status["decoratedText"]["text"].startswith("<b>Archived by Grace")


def test_a_lambda_retry_of_the_same_event_posts_no_second_card(
    chat: ChatServer,
    space: str,
    settings: Settings,
    transport: MakeTransport,
    budget: MakeBudget,
) -> None:
    finding = Finding.from_document(sample())

    # Each invocation builds its own app and secret store, as a cold start would.
    results = [
        ChatApp(settings, SecretStore(), transport=transport()).post_finding(
            space, finding, budget()
        )
        for _ in range(3)
    ]

    assert [r.outcome for r in results] == [
        Outcome.CREATED,
        Outcome.UNCHANGED,
        Outcome.UNCHANGED,
    ]
    assert len(chat.messages(space)) == 1
    assert [m for m, _ in writes(chat)].count("PATCH") == 0


def test_a_late_older_update_does_not_roll_the_card_back(
    chat: ChatServer,
    space: str,
    settings: Settings,
    transport: MakeTransport,
    budget: MakeBudget,
) -> None:
    document = sample()
    app = ChatApp(settings, SecretStore(), transport=transport())
    newer = updated(document, count=7, at="2026-11-04T08:00:00.000Z")
    older = updated(document, count=5, at="2026-11-03T08:00:00.000Z")

    app.post_finding(space, newer, budget())
    result = app.post_finding(space, older, budget())

    assert result.outcome is Outcome.UNCHANGED
    assert seen(chat.messages(space)[0]).startswith("7 times")


def test_a_rise_in_severity_is_announced_once_in_the_cards_thread(
    chat: ChatServer,
    space: str,
    settings: Settings,
    transport: MakeTransport,
    budget: MakeBudget,
) -> None:
    document = sample()  # Medium 5.3
    app = ChatApp(settings, SecretStore(), transport=transport())
    app.post_finding(space, Finding.from_document(document), budget())
    raised = updated(document, severity=8.0)

    result = app.post_finding(space, raised, budget())
    repeat = app.post_finding(space, raised, budget())

    assert result.outcome is Outcome.UPDATED
    assert result.reply is not None
    assert repeat.outcome is Outcome.UNCHANGED
    [thread] = chat.store.threads(space.removeprefix("spaces/"))
    card, reply = thread["messages"]
    assert reply["name"] == result.reply
    assert reply["text"] == "Severity rose from Medium 5.3 to High 8.0"
    assert reply["threadReply"] is True
    validate_message({"text": reply["text"], "thread": reply["thread"]})
    assert shown_version(card) is not None
    assert shown_version(card).severity == 8.0  # type: ignore[union-attr]


@pytest.mark.parametrize("severity", [5.3, 2.0], ids=["unchanged", "fallen"])
def test_no_reply_when_severity_did_not_rise(
    chat: ChatServer,
    space: str,
    settings: Settings,
    transport: MakeTransport,
    budget: MakeBudget,
    severity: float,
) -> None:
    document = sample()
    app = ChatApp(settings, SecretStore(), transport=transport())
    app.post_finding(space, Finding.from_document(document), budget())

    result = app.post_finding(space, updated(document, severity=severity), budget())

    assert result.outcome is Outcome.UPDATED
    assert result.reply is None
    assert len(chat.messages(space)) == 1


class FailingPatch(Transport):
    """Drops the first PATCH, as a timeout after the reply was posted would."""

    failed = False

    def send(self, call: Call, budget: Budget, authorizer: Any = None) -> Any:
        if call.method == "PATCH" and not self.failed:
            self.failed = True
            raise RequestFailed("lost", retryable=True)
        return super().send(call, budget, authorizer)


def test_a_retry_after_a_failed_edit_does_not_reply_twice(
    chat: ChatServer,
    space: str,
    settings: Settings,
    clock: Any,
    budget: MakeBudget,
) -> None:
    document = sample()
    app = ChatApp(settings, SecretStore(), transport=FailingPatch(sleep=clock.sleep))
    app.post_finding(space, Finding.from_document(document), budget())
    raised = updated(document, severity=8.0)

    with pytest.raises(DeliveryError) as failure:
        app.post_finding(space, raised, budget())
    retried = app.post_finding(space, raised, budget())

    assert failure.value.retryable
    assert retried.outcome is Outcome.UPDATED
    messages = chat.messages(space)
    assert len(messages) == 2  # the card and one reply
    shown = shown_version(messages[0])
    assert shown is not None
    assert shown.version == raised.version


def test_a_digest_is_posted_once_even_when_its_batch_is_retried(
    chat: ChatServer,
    space: str,
    settings: Settings,
    transport: MakeTransport,
    budget: MakeBudget,
) -> None:
    batch = findings(12)
    app = ChatApp(settings, SecretStore(), transport=transport())

    first = app.post_digest(space, batch, budget())
    retried = app.post_digest(space, list(reversed(batch)), budget())
    other = app.post_digest(space, batch[:3], budget())

    assert first.outcome is Outcome.CREATED
    assert retried.outcome is Outcome.UNCHANGED
    assert retried.message == first.message
    assert other.outcome is Outcome.CREATED
    titles = [m["cardsV2"][0]["card"]["header"]["title"] for m in chat.messages(space)]
    assert titles == ["GuardDuty: 12 findings", "GuardDuty: 3 findings"]


def test_post_message_threads_and_keeps_its_client_id(
    chat: ChatServer,
    space: str,
    settings: Settings,
    transport: MakeTransport,
    budget: MakeBudget,
) -> None:
    app = ChatApp(settings, SecretStore(), transport=transport())
    message = {"text": "Escalated: see the card"}

    first = app.post_message(
        space,
        message,
        thread_key="escalations",
        message_id="client-esc-1",
        budget=budget(),
    )
    again = app.post_message(
        space,
        message,
        thread_key="escalations",
        message_id="client-esc-1",
        budget=budget(),
    )
    reply = app.post_message(space, message, thread_key="escalations", budget=budget())

    assert (first.outcome, again.outcome) == (Outcome.CREATED, Outcome.UNCHANGED)
    assert first.message == f"{space}/messages/client-esc-1"
    assert reply.outcome is Outcome.CREATED
    [thread] = chat.store.threads(space.removeprefix("spaces/"))
    assert len(thread["messages"]) == 2


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("space", "not a Chat space name"),
        ("credentials", "chat.credentials is not set"),
    ],
)
def test_a_post_that_cannot_be_addressed_fails_without_retry(
    space: str,
    settings: Settings,
    transport: MakeTransport,
    budget: MakeBudget,
    change: str,
    expected: str,
) -> None:
    if change == "credentials":
        chat = dataclasses.replace(settings.chat, credentials=None)
        settings = dataclasses.replace(settings, chat=chat)
    else:
        space = "spaces/../../etc"
    app = ChatApp(settings, SecretStore(), transport=transport())

    with pytest.raises(DeliveryError, match=expected) as failure:
        app.post_finding(space, Finding.from_document(sample()), budget())

    assert not failure.value.retryable


def test_a_space_the_app_cannot_reach_is_refused_not_retried(
    chat: ChatServer,
    settings: Settings,
    transport: MakeTransport,
    budget: MakeBudget,
) -> None:
    app = ChatApp(settings, SecretStore(), transport=transport())

    with pytest.raises(RequestFailed) as failure:
        app.post_finding(
            "spaces/AAAAmissing", Finding.from_document(sample()), budget()
        )

    assert failure.value.status == 404
    assert not failure.value.retryable
    assert failure.value.attempts == 1
