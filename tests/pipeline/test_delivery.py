"""Delivery: fallback in route order, passive channels, digests, time in reserve."""

import logging
from typing import Any

import pytest

from notifier import config
from notifier.aws import AwsClients
from notifier.budget import Budget
from notifier.channels import Channels, ChatSender, open_channels
from notifier.chat import ChatApp
from notifier.delivery import deliver
from notifier.errors import DeliveryError
from notifier.finding import Finding
from notifier.outcome import Result, Status, tally
from notifier.secrets import SecretStore
from notifier.settings import Settings
from sandbox.chat_server import ChatServer
from tests.pipeline.conftest import (
    Mailbox,
    closed_port,
    configuration,
    finding,
    published,
    records_table,
    topic_with_queue,
)


def channels_for(
    document: dict[str, Any], chat: ChatSender | None = None
) -> tuple[Settings, Channels]:
    settings = config.parse(document, "test")
    clients = AwsClients(settings.aws)
    channels = open_channels(
        settings, SecretStore(clients), clients, chat_factory=lambda *_: (chat, None)
    )
    return settings, channels


def results(outcome: Any) -> list[tuple[str, Result, bool]]:
    return [(c.channel, c.result, c.passive) for c in outcome.channels]


class RecordingChat:
    """Records the time each call was given; fails or raises as told."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.budgets: list[float] = []

    def post_finding(self, space: str, finding: Finding, budget: Budget) -> object:
        self.budgets.append(budget.remaining())
        if self.error:
            raise self.error
        return space

    def post_digest(
        self, space: str, findings: list[Finding], budget: Budget
    ) -> object:
        raise AssertionError("no digest expected")


def test_chat_unreachable_falls_back_to_email_and_sns_still_hears(
    aws: None, plain_server: tuple[Mailbox, int], chat_down: ChatApp
) -> None:
    mailbox, port = plain_server
    topic, queue = topic_with_queue()
    route = {"name": "all", "channels": ["chat", "email:security"], "passive": ["sns"]}
    settings, channels = channels_for(
        configuration(smtp_port=port, topic=topic, routes=[route]), chat_down
    )

    [outcome] = deliver([finding()], Budget.of(20), settings, channels)

    assert outcome.status is Status.DONE
    assert results(outcome) == [
        ("chat:spaces/AAAA", Result.FAILED, False),
        ("email:security", Result.SENT, False),
        ("sns", Result.SENT, True),
    ]
    assert outcome.fell_back
    assert outcome.accepted_by == "email:security"
    assert outcome.channels[0].retryable
    assert len(mailbox.messages) == 1
    assert [
        note["MessageAttributes"]["severity"]["Value"] for note in published(queue)
    ] == ["8"]


def test_with_chat_and_email_down_sns_takes_the_finding(
    aws: None, chat_down: ChatApp
) -> None:
    topic, queue = topic_with_queue()
    route = {"name": "all", "channels": ["chat", "email:security", "sns"]}
    settings, channels = channels_for(
        configuration(smtp_port=closed_port(), topic=topic, routes=[route]), chat_down
    )

    [outcome] = deliver([finding()], Budget.of(20), settings, channels)

    assert [c.result for c in outcome.channels] == [
        Result.FAILED,
        Result.FAILED,
        Result.SENT,
    ]
    assert outcome.status is Status.DONE
    assert len(published(queue)) == 1


def test_everything_unreachable_reports_the_finding_failed(
    chat_down: ChatApp, caplog: pytest.LogCaptureFixture
) -> None:
    topic = "arn:aws:sns:us-east-1:111122223333:guardduty-alerts"
    document = configuration(
        smtp_port=closed_port(),
        topic=topic,
        aws={"endpoint_url": f"http://127.0.0.1:{closed_port()}"},
    )
    settings, channels = channels_for(document, chat_down)
    lost = finding(7)

    with caplog.at_level(logging.INFO, logger="notifier.delivery"):
        [outcome] = deliver([lost], Budget.of(20), settings, channels)

    assert outcome.status is Status.FAILED
    assert outcome.finding_id == lost.id
    assert [c.channel for c in outcome.channels] == [
        "chat:spaces/AAAA",
        "email:security",
        "email:leadership",
        "sns",
    ]
    assert all(c.result is Result.FAILED and c.retryable for c in outcome.channels)
    [line] = [r for r in caplog.records if lost.id in r.getMessage()]
    assert line.levelno == logging.INFO
    assert "failed" in line.getMessage()
    assert line.__dict__["channels"][-1] == {
        "channel": "sns",
        "result": "failed",
        "passive": False,
    }
    assert tally([outcome])["Failed"] == 1


def test_a_burst_for_one_space_is_one_digest_plus_critical_cards(
    chat_server: ChatServer, chat: ChatApp
) -> None:
    space = chat_server.create_space("burst")
    scores = [9.5 if n % 20 == 0 else 2.0 + (n % 7) for n in range(60)]
    burst = [finding(n, severity=score) for n, score in enumerate(scores)]
    settings, channels = channels_for(configuration(space=space), chat)
    chat_server.clear_requests()

    outcomes = deliver(burst, Budget.of(30), settings, channels)

    writes = [
        r
        for r in chat_server.requests
        if r.method in ("POST", "PATCH") and space in r.path
    ]
    assert len(writes) == 4  # one digest and the three Critical findings
    assert len(chat_server.messages(space)) == 4
    assert all(o.status is Status.DONE for o in outcomes)
    by_result = {o.finding_id: o.channels[0].result for o in outcomes}
    critical = {f.id for f in burst if f.severity == 9.5}
    assert {i for i, r in by_result.items() if r is Result.SENT} == critical
    assert sum(r is Result.DIGESTED for r in by_result.values()) == 57


def test_a_batch_at_the_threshold_gets_one_card_each(
    chat_server: ChatServer, chat: ChatApp
) -> None:
    space = chat_server.create_space("quiet")
    settings, channels = channels_for(
        configuration(space=space, digest={"threshold": 3}), chat
    )

    outcomes = deliver(
        [finding(n) for n in range(3)], Budget.of(20), settings, channels
    )

    assert len(chat_server.messages(space)) == 3
    assert [o.channels[0].result for o in outcomes] == [Result.SENT] * 3


def test_the_first_channel_leaves_time_in_reserve_for_the_fallbacks(
    plain_server: tuple[Mailbox, int],
) -> None:
    mailbox, port = plain_server
    chat = RecordingChat(DeliveryError("chat: timed out", retryable=True))
    document = configuration(smtp_port=port, delivery={"reserve_seconds": 10.0})
    settings, channels = channels_for(document, chat)

    [outcome] = deliver([finding()], Budget.of(30), settings, channels)

    assert 19.0 < chat.budgets[0] <= 20.0
    assert outcome.accepted_by == "email:security"
    assert len(mailbox.messages) == 1


def test_passive_channels_are_sent_even_when_the_first_channel_takes_it(
    plain_server: tuple[Mailbox, int],
) -> None:
    mailbox, port = plain_server
    route = {"name": "high", "channels": ["chat"], "passive": ["email:leadership"]}
    settings, channels = channels_for(
        configuration(smtp_port=port, routes=[route]), RecordingChat()
    )

    [outcome] = deliver([finding()], Budget.of(20), settings, channels)

    assert results(outcome) == [
        ("chat:spaces/AAAA", Result.SENT, False),
        ("email:leadership", Result.SENT, True),
    ]
    assert not outcome.fell_back
    assert [m[1] for m in mailbox.messages] == [["ciso@example.com"]]


def test_a_route_of_passive_channels_alone_is_done_once_one_takes_it(
    plain_server: tuple[Mailbox, int],
) -> None:
    mailbox, port = plain_server
    route = {"name": "fyi", "passive": ["email:security"]}
    settings, channels = channels_for(configuration(smtp_port=port, routes=[route]))

    [outcome] = deliver([finding()], Budget.of(20), settings, channels)

    assert outcome.status is Status.DONE
    assert results(outcome) == [("email:security", Result.SENT, True)]
    assert len(mailbox.messages) == 1


def test_a_finding_no_route_matches_is_unrouted_and_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    route = {"name": "samples", "sample": True, "channels": ["chat"]}
    chat = RecordingChat()
    settings, channels = channels_for(configuration(routes=[route]), chat)

    with caplog.at_level(logging.INFO, logger="notifier"):
        [outcome] = deliver([finding()], Budget.of(5), settings, channels)

    assert outcome.status is Status.UNROUTED
    assert outcome.channels == ()
    assert chat.budgets == []
    [line] = [r.getMessage() for r in caplog.records if finding().id in r.getMessage()]
    assert "unrouted" in line
    assert "none matches" in line


def test_two_versions_of_a_finding_in_one_batch_deliver_the_latest_once() -> None:
    chat = RecordingChat()
    settings, channels = channels_for(configuration(), chat)
    older = finding(1, updatedAt="2026-12-04T09:00:00Z")
    newer = finding(1, updatedAt="2026-12-04T10:00:00Z", service={"count": 9})

    outcomes = deliver([newer, older], Budget.of(5), settings, channels)

    assert len(chat.budgets) == 1
    assert outcomes[0] == outcomes[1]
    assert outcomes[0].version == newer.version


def test_a_sender_that_breaks_does_not_cost_the_fallback(
    plain_server: tuple[Mailbox, int],
) -> None:
    mailbox, port = plain_server
    settings, channels = channels_for(
        configuration(smtp_port=port), RecordingChat(RuntimeError("bug"))
    )

    [outcome] = deliver([finding()], Budget.of(10), settings, channels)

    assert outcome.channels[0].error == "unexpected RuntimeError"
    assert outcome.accepted_by == "email:security"
    assert len(mailbox.messages) == 1


def test_without_a_chat_client_the_chat_channel_fails_and_falls_back(
    plain_server: tuple[Mailbox, int],
) -> None:
    _, port = plain_server
    settings, channels = channels_for(configuration(smtp_port=port), None)

    [outcome] = deliver([finding()], Budget.of(10), settings, channels)

    assert outcome.channels[0].error == "no Chat app client configured"
    assert outcome.status is Status.DONE


def test_records_make_email_once_per_finding_version(
    aws: None, plain_server: tuple[Mailbox, int]
) -> None:
    mailbox, port = plain_server
    route = {"name": "mail", "channels": ["email:security"]}
    document = configuration(
        smtp_port=port, routes=[route], delivery={"records_table": records_table()}
    )
    settings, channels = channels_for(document)

    first = deliver([finding()], Budget.of(10), settings, channels)
    again = deliver([finding()], Budget.of(10), settings, channels)
    updated = deliver(
        [finding(service={"count": 4})], Budget.of(10), settings, channels
    )

    assert first[0].channels[0].result is Result.SENT
    assert again[0].channels[0].result is Result.ALREADY_SENT
    assert updated[0].channels[0].result is Result.SENT
    assert len(mailbox.messages) == 2


def test_a_failed_send_releases_its_record_so_the_retry_sends(
    aws: None, plain_server: tuple[Mailbox, int]
) -> None:
    mailbox, port = plain_server
    route = {"name": "mail", "channels": ["email:security"]}
    table = records_table()
    down = configuration(
        smtp_port=closed_port(), routes=[route], delivery={"records_table": table}
    )
    up = configuration(
        smtp_port=port, routes=[route], delivery={"records_table": table}
    )

    [failed] = deliver([finding()], Budget.of(10), *channels_for(down))
    [retried] = deliver([finding()], Budget.of(10), *channels_for(up))

    assert failed.status is Status.FAILED
    assert retried.channels[0].result is Result.SENT
    assert len(mailbox.messages) == 1
