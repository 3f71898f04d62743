"""Where the bot acts: ``aws.regions``, else the home Region alone, else nowhere.

Every refusal here happens before any GuardDuty call: no Stubber response is
queued, so a call would fail the test.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from bot.interactions import build_bot
from notifier.aws import AwsClients
from notifier.config import parse
from sandbox.chat_server import ChatServer
from tests.bot import chat_events
from tests.bot.answers import private_text
from tests.bot.conftest import (
    NOW,
    Harness,
    boto_session,
    config_document,
    make_harness,
    sample,
)

ENVELOPES = ["chat", "addon"]
HOME = "us-east-1"
# The sample finding's ARN, moved to another Region of the same partition.
ELSEWHERE = sample("instance-network-connection")["arn"].replace(HOME, "ap-south-1")
NO_REGION = (
    "The bot has no Region to act in: its administrators set aws.regions, "
    "or aws.region."
)


def without_home(chat: ChatServer) -> Iterator[Harness]:
    """A bot whose configuration names no Region at all."""
    document = config_document(chat)
    del document["aws"]["region"]
    settings = parse(document, "test.toml")
    clients = AwsClients(settings.aws, session=boto_session())
    with Stubber(clients.client("guardduty", HOME)) as stub:
        bot = build_bot(settings, clients=clients, now=lambda: NOW)
        yield Harness(chat, bot, stub, clients)


@pytest.fixture
def platformless(monkeypatch: pytest.MonkeyPatch) -> None:
    """No platform Region either (as on Google Cloud)."""
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)


def archive(harness: Harness, envelope: str, arn: str) -> str:
    event = chat_events.click(envelope, {"action": "archive", "finding": arn})
    status, answer = harness.post(event)
    assert status == 200
    return private_text(answer, envelope)


def command(harness: Harness, envelope: str, command_id: int, text: str) -> Any:
    status, answer = harness.post(chat_events.app_command(envelope, command_id, text))
    assert status == 200
    return private_text(answer, envelope)


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_without_aws_regions_a_button_acts_in_the_home_region_only(harness, envelope):
    text = archive(harness, envelope, ELSEWHERE)

    assert (
        text == "This bot does not act on findings in ap-south-1; it acts in us-east-1."
    )
    harness.stub.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("command_id", "argument"),
    [(1, ELSEWHERE), (2, "region:ap-south-1"), (3, "region:ap-south-1")],
    ids=["gd-finding", "gd-findings", "gd-stats"],
)
def test_without_aws_regions_commands_search_the_home_region_only(
    harness, command_id, argument
):
    text = command(harness, "chat", command_id, argument)

    assert text == "This bot does not search ap-south-1; it searches us-east-1."


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_with_no_region_at_all_a_click_is_refused_in_words(
    chat, platformless, envelope, caplog
):
    caplog.set_level(logging.WARNING, logger="bot.interactions")
    for harness in without_home(chat):
        text = archive(harness, envelope, sample("instance-network-connection")["arn"])

        assert text == NO_REGION
        assert "neither aws.regions nor aws.region is set" in caplog.text
        harness.stub.assert_no_pending_responses()


def test_without_aws_region_the_platforms_region_is_home(chat, monkeypatch):
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    for harness in without_home(chat):
        text = archive(harness, "chat", sample("instance-network-connection")["arn"])

        assert (
            text
            == "This bot does not act on findings in us-east-1; it acts in eu-west-1."
        )


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws-cn:guardduty:us-east-1:444455556666:detector/abc/finding/abc123",
        "arn:aws:guardduty:cn-north-1:444455556666:detector/abc/finding/abc123",
        "arn:aws:guardduty:us-gov-west-1:444455556666:detector/abc/finding/abc123",
    ],
)
def test_an_arn_whose_partition_is_not_its_regions_is_refused(chat, arn):
    regions = {"regions": ["us-east-1", "cn-north-1", "us-gov-west-1"]}
    for harness in make_harness(chat, aws=regions):
        text = archive(harness, "chat", arn)

        assert text.startswith("This button does not name a GuardDuty finding")
        harness.stub.assert_no_pending_responses()
