"""Escalate and Suppress similar: a dialog first, GuardDuty and the card on submit.

Escalations really post to the local Chat (through the Chat poster seam) and
really publish to SNS (moto), so what the on-call team receives is checked too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from moto import mock_aws

from bot.dialogs import CANCEL, CONFIRM, REASON_INPUT, STEP
from bot.suppression import suppression_for
from notifier.cards import action_parameters
from notifier.handling import Action, Handling, decode_history
from sandbox.chat_server import ChatServer, Fault
from tests.bot import chat_events
from tests.bot.answers import (
    button_parameters,
    dialog_card,
    dialog_status,
    updated_message,
)
from tests.bot.conftest import (
    ADMIN_DETECTOR,
    NOW,
    Harness,
    SpacePoster,
    archived,
    boto_session,
    make_harness,
    sample,
)
from tests.bot.test_actions import ALICE_SIGNATURE, card_for, finding_of
from tests.sandbox.chat_sessions import app_session

ENVELOPES = ["chat", "addon"]
FINDING = "instance-network-connection"
MENTIONS = ["users/123456789", "users/987654321"]
REASON = "Miner on a production host <users/all>, <https://evil.example|click>"


def suppression_name(finding: dict[str, Any]) -> str:
    suppression = suppression_for(finding_of(finding))
    assert suppression is not None
    return suppression.name


def footer_parameters(card: dict[str, Any], button: str) -> dict[str, str]:
    action = card["fixedFooter"][button]["onClick"]["action"]
    return {item["key"]: item["value"] for item in action["parameters"]}


@pytest.fixture
def oncall(chat: ChatServer) -> Iterator[tuple[Harness, str, str]]:
    """A bot whose escalations go to a Chat space and an SNS topic (read by SQS)."""
    account = chat.create_service_account("guardduty-chatops", app_name="GuardDuty")
    space = chat.create_space("On call")
    with mock_aws(), app_session(chat, account) as session:
        sns = boto_session().client("sns", region_name="us-east-1")
        sqs = boto_session().client("sqs", region_name="us-east-1")
        topic = sns.create_topic(Name="guardduty-escalations")["TopicArn"]
        queue = sqs.create_queue(QueueName="pager")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(
            QueueUrl=queue, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        escalation = {"space": space, "mentions": MENTIONS, "topic_arn": topic}
        poster = SpacePoster(chat, session)
        for harness in make_harness(
            chat, poster=poster, bot={"escalation": escalation}
        ):
            yield harness, space, queue


def pages(queue: str) -> list[dict[str, Any]]:
    sqs = boto_session().client("sqs", region_name="us-east-1")
    received = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)
    return [json.loads(item["Body"]) for item in received.get("Messages", [])]


def open_dialog(harness: Harness, envelope: str, action: Action, **kw: Any) -> Any:
    parameters = action_parameters(action, finding_of(sample(kw.pop("name", FINDING))))
    status, answer = harness.post(
        chat_events.click(envelope, parameters, dialog="REQUEST_DIALOG", **kw)
    )
    assert status == 200
    return answer


def submit(
    harness: Harness, envelope: str, parameters: dict[str, str], **form: str
) -> Any:
    event = chat_events.click(
        envelope, parameters, dialog="SUBMIT_DIALOG", form=form or None
    )
    status, answer = harness.post(event)
    assert status == 200
    return answer


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_escalate_asks_for_a_reason_without_calling_guardduty(oncall, envelope):
    harness, _, _ = oncall

    card = dialog_card(open_dialog(harness, envelope, Action.ESCALATE), envelope)

    inputs = [
        w["textInput"] for w in card["sections"][0]["widgets"] if "textInput" in w
    ]
    assert [item["name"] for item in inputs] == [REASON_INPUT]
    assert "the escalation space and the paging topic" in str(card)
    confirm = footer_parameters(card, "primaryButton")
    assert confirm[STEP] == CONFIRM
    assert confirm["action"] == "escalate"
    assert confirm["finding"] == sample(FINDING)["arn"]
    assert footer_parameters(card, "secondaryButton")[STEP] == CANCEL
    harness.stub.assert_no_pending_responses()


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_an_escalation_reaches_guardduty_the_space_and_the_topic(
    oncall, chat, envelope
):
    harness, space, queue = oncall
    finding = sample(FINDING)
    card = dialog_card(open_dialog(harness, envelope, Action.ESCALATE), envelope)
    harness.detector()
    harness.expect(
        "update_findings_feedback",
        {},
        FindingIds=[finding["id"]],
        Feedback="USEFUL",
        Comments=f"Escalated in Google Chat by {ALICE_SIGNATURE}: {REASON}",
    )
    harness.expect_finding(finding)

    answer = submit(
        harness, envelope, footer_parameters(card, "primaryButton"), reason=REASON
    )

    entry = Handling(Action.ESCALATE, "Alice Admin", NOW, REASON)
    assert updated_message(answer, envelope) == card_for(finding, entry)
    (posted,) = chat.messages(space)
    assert (
        posted["text"]
        == "<users/123456789> <users/987654321> A GuardDuty finding was escalated."
    )
    assert "Escalated by Alice Admin" in json.dumps(posted["cardsV2"])
    assert "&lt;users/all&gt;" in json.dumps(posted["cardsV2"])
    (page,) = pages(queue)
    assert (
        page["Subject"] == "GuardDuty escalation: High CryptoCurrency:EC2/BitcoinTool.B"
    )
    assert f"Reason: {REASON}" in page["Message"]
    assert "Escalated by: Alice Admin (alice@example.com)" in page["Message"]
    assert page["MessageAttributes"]["event"]["Value"] == "escalation"
    harness.stub.assert_no_pending_responses()


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_a_dialog_carries_the_history_the_card_shows_when_it_opens(oncall, envelope):
    harness, _, _ = oncall
    bob = Handling(Action.ACKNOWLEDGE, "Bob", NOW)
    shown = card_for(sample(FINDING), bob)

    answer = open_dialog(harness, envelope, Action.ESCALATE, card=shown)

    confirm = footer_parameters(dialog_card(answer, envelope), "primaryButton")
    assert decode_history(confirm["history"]) == (bob,)


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_an_archive_made_while_the_dialog_was_open_stays_on_the_card(oncall, envelope):
    harness, _, _ = oncall
    finding = sample(FINDING)
    card = dialog_card(open_dialog(harness, envelope, Action.ESCALATE), envelope)
    bob = Handling(Action.ARCHIVE, "Bob", NOW - timedelta(minutes=1))
    harness.detector()
    harness.expect(
        "update_findings_feedback",
        {},
        FindingIds=[finding["id"]],
        Feedback="USEFUL",
        Comments=f"Escalated in Google Chat by {ALICE_SIGNATURE}: {REASON}",
    )
    harness.expect_finding(archived(finding))
    # Bob archived while Alice typed: the card Chat sends with her submission
    # shows him, the dialog's parameters do not.
    event = chat_events.click(
        envelope,
        footer_parameters(card, "primaryButton"),
        dialog="SUBMIT_DIALOG",
        form={REASON_INPUT: REASON},
        card=card_for(finding, bob),
    )

    status, answer = harness.post(event)

    assert status == 200
    alice = Handling(Action.ESCALATE, "Alice Admin", NOW, REASON)
    assert updated_message(answer, envelope) == card_for(archived(finding), bob, alice)


def escalate(
    harness: Harness, envelope: str, shown: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Alice escalates from ``shown`` (a card as Chat holds it) and submits
    ``REASON``; the card the answer draws."""
    finding = sample(FINDING)
    parameters = action_parameters(Action.ESCALATE, finding_of(finding))
    if shown is not None:
        [parameters] = [
            p for p in button_parameters(shown) if p["action"] == "escalate"
        ]
    event = chat_events.click(envelope, parameters, dialog="REQUEST_DIALOG", card=shown)
    status, answer = harness.post(event)
    assert status == 200
    confirm = footer_parameters(dialog_card(answer, envelope), "primaryButton")
    expect_escalation(harness, finding)
    event = chat_events.click(
        envelope,
        confirm,
        dialog="SUBMIT_DIALOG",
        form={REASON_INPUT: REASON},
        card=shown,
    )
    status, answer = harness.post(event)
    assert status == 200
    return updated_message(answer, envelope)


def expect_escalation(harness: Harness, finding: dict[str, Any]) -> None:
    harness.expect(
        "update_findings_feedback",
        {},
        FindingIds=[finding["id"]],
        Feedback="USEFUL",
        Comments=f"Escalated in Google Chat by {ALICE_SIGNATURE}: {REASON}",
    )
    harness.expect_finding(finding)


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_escalating_again_in_the_same_words_reaches_on_call_again(
    oncall, chat, envelope
):
    harness, space, queue = oncall
    harness.detector()
    first = escalate(harness, envelope)

    # Later, from the card that shows the first escalation, the same words again.
    second = escalate(harness, envelope, shown=first)

    posted = chat.messages(space)
    assert len(posted) == 2
    assert posted[0]["name"] != posted[1]["name"]
    assert len(pages(queue)) == 2
    assert str(second).count("Escalated by Alice Admin") == 1  # the same line
    harness.stub.assert_no_pending_responses()


def test_a_new_dialog_on_a_card_that_missed_the_first_escalation_posts_again(
    oncall, chat
):
    harness, space, queue = oncall
    harness.detector()
    escalate(harness, "chat")

    # The first answer never reached the card: the second dialog opens from a
    # card just like the first one's.
    escalate(harness, "chat")

    assert len(chat.messages(space)) == 2
    assert len(pages(queue)) == 2


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_submitting_one_escalation_dialog_twice_posts_once(oncall, chat, envelope):
    harness, space, _ = oncall
    finding = sample(FINDING)
    card = dialog_card(open_dialog(harness, envelope, Action.ESCALATE), envelope)
    confirm = footer_parameters(card, "primaryButton")
    harness.detector()
    shown = None
    for _ in range(2):
        expect_escalation(harness, finding)
        event = chat_events.click(
            envelope,
            confirm,
            dialog="SUBMIT_DIALOG",
            form={REASON_INPUT: REASON},
            card=shown,
        )
        status, answer = harness.post(event)
        assert status == 200
        shown = updated_message(answer, envelope)

    assert len(chat.messages(space)) == 1
    entry = Handling(Action.ESCALATE, "Alice Admin", NOW, REASON)
    assert shown == card_for(finding, entry)
    harness.stub.assert_no_pending_responses()


def reason_field(card: dict[str, Any]) -> dict[str, Any]:
    [field] = [
        widget["textInput"]
        for widget in card["sections"][0]["widgets"]
        if "textInput" in widget
    ]
    return dict(field)


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_an_escalation_chat_cannot_take_is_shown_again_and_its_retry_posts_once(
    oncall, chat, envelope
):
    harness, space, queue = oncall
    finding = sample(FINDING)
    card = dialog_card(open_dialog(harness, envelope, Action.ESCALATE), envelope)
    confirm = footer_parameters(card, "primaryButton")
    harness.detector()
    expect_escalation(harness, finding)
    chat.fail_next(1, Fault.UNAVAILABLE)

    again = dialog_card(submit(harness, envelope, confirm, reason=REASON), envelope)

    assert footer_parameters(again, "primaryButton") == confirm
    assert (
        "could not reach the escalation space. Escalate again to retry."
        in json.dumps(again)
    )
    assert reason_field(again)["value"] == REASON
    assert chat.messages(space) == []
    assert len(pages(queue)) == 1  # the page still went out

    expect_escalation(harness, finding)
    retried = submit(harness, envelope, confirm, reason=REASON)

    entry = Handling(Action.ESCALATE, "Alice Admin", NOW, REASON)
    assert updated_message(retried, envelope) == card_for(finding, entry)
    assert len(chat.messages(space)) == 1
    harness.stub.assert_no_pending_responses()


def test_a_retry_after_the_topic_failed_does_not_post_to_the_space_again(oncall, chat):
    harness, space, queue = oncall
    finding = sample(FINDING)
    sns = boto_session().client("sns", region_name="us-east-1")
    [topic] = [t["TopicArn"] for t in sns.list_topics()["Topics"]]
    card = dialog_card(open_dialog(harness, "chat", Action.ESCALATE), "chat")
    confirm = footer_parameters(card, "primaryButton")
    harness.detector()
    expect_escalation(harness, finding)
    sns.delete_topic(TopicArn=topic)

    again = dialog_card(submit(harness, "chat", confirm, reason=REASON), "chat")

    assert "could not reach the paging topic" in json.dumps(again)
    assert len(chat.messages(space)) == 1
    assert sns.create_topic(Name="guardduty-escalations")["TopicArn"] == topic
    sqs = boto_session().client("sqs", region_name="us-east-1")
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    expect_escalation(harness, finding)

    submit(harness, "chat", footer_parameters(again, "primaryButton"), reason=REASON)

    assert len(chat.messages(space)) == 1
    assert len(pages(queue)) == 1
    harness.stub.assert_no_pending_responses()


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_an_escalation_needs_a_reason(oncall, envelope):
    harness, _, _ = oncall
    parameters = action_parameters(Action.ESCALATE, finding_of(sample(FINDING)))

    confirm = {**parameters, STEP: CONFIRM}
    answer = submit(harness, envelope, confirm, reason="   ")

    again = dialog_card(answer, envelope)  # the dialog stays, saying what it needs
    assert footer_parameters(again, "primaryButton") == confirm
    assert "Say why you escalate: the on-call team reads it first." in json.dumps(again)
    harness.stub.assert_no_pending_responses()


@pytest.mark.parametrize("envelope", ENVELOPES)
@pytest.mark.parametrize("how", ["cancel button", "close icon"])
def test_cancelling_a_dialog_closes_it_and_changes_nothing(harness, envelope, how):
    parameters = action_parameters(Action.SUPPRESS, finding_of(sample(FINDING)))
    if how == "cancel button":
        event = chat_events.click(
            envelope, {**parameters, STEP: CANCEL}, dialog="SUBMIT_DIALOG"
        )
    else:
        event = chat_events.click(envelope, parameters, dialog="CANCEL_DIALOG")

    status, answer = harness.post(event)

    assert status == 200
    assert dialog_status(answer, envelope) == (
        ("OK", None) if envelope == "chat" else (None, None)
    )
    harness.stub.assert_no_pending_responses()


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_a_refused_person_gets_the_refusal_in_place_of_the_dialog(harness, envelope):
    answer = open_dialog(harness, envelope, Action.SUPPRESS, user=chat_events.MALLORY)

    status, text = dialog_status(answer, envelope)
    assert status in ("PERMISSION_DENIED", None)
    assert text is not None
    assert text.startswith("You may not suppress findings.")
    harness.stub.assert_no_pending_responses()


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_suppress_names_what_it_will_archive_before_creating_anything(
    harness, envelope
):
    finding = sample(FINDING)
    harness.detector()
    harness.expect_finding(finding)

    card = dialog_card(open_dialog(harness, envelope, Action.SUPPRESS), envelope)

    shown = json.dumps(card)
    assert "CryptoCurrency:EC2/BitcoinTool.B" in shown
    assert "i-0b5e7c1d2a3f40918" in shown
    assert "444455556666" in shown
    assert suppression_name(finding) in shown
    assert footer_parameters(card, "primaryButton")[STEP] == CONFIRM
    harness.stub.assert_no_pending_responses()


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_suppress_creates_one_archive_filter_even_when_submitted_twice(
    harness, envelope
):
    finding = sample(FINDING)
    name = suppression_name(finding)
    criteria = {
        "Criterion": {
            "type": {"Equals": ["CryptoCurrency:EC2/BitcoinTool.B"]},
            "accountId": {"Equals": ["444455556666"]},
            "resource.instanceDetails.instanceId": {"Equals": ["i-0b5e7c1d2a3f40918"]},
        }
    }
    filter_call = {
        "DetectorId": ADMIN_DETECTOR,
        "Name": name,
        "Description": (
            "Archives CryptoCurrency:EC2/BitcoinTool.B findings in account "
            "444455556666 for instance i-0b5e7c1d2a3f40918. Created from Google Chat."
        ),
        "Action": "ARCHIVE",
        "FindingCriteria": criteria,
        "ClientToken": name,
    }
    harness.detector()
    harness.expect_finding(finding)
    harness.stub.add_response("create_filter", {"Name": name}, filter_call)
    harness.expect_finding(finding)
    harness.stub.add_client_error(
        "create_filter",
        service_error_code="BadRequestException",
        service_message="The request is rejected because the filter already exists.",
        http_status_code=400,
        expected_params=filter_call,
    )
    parameters = action_parameters(Action.SUPPRESS, finding_of(finding))

    answers = [
        submit(harness, envelope, {**parameters, STEP: CONFIRM}) for _ in range(2)
    ]

    entry = Handling(Action.SUPPRESS, "Alice Admin", NOW, name)
    for answer in answers:
        message = updated_message(answer, envelope)
        assert message == card_for(finding, entry)
        assert (
            f"Suppressed by Alice Admin at 2026-12-01 10:00 UTC (filter {name})"
            in str(message)
        )
    harness.stub.assert_no_pending_responses()


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_a_finding_without_a_resource_is_not_suppressed(chat, envelope):
    finding = sample("attacksequence-s3-compromised-data")
    regions = {"regions": ["us-east-1", "eu-west-1"]}
    for harness in make_harness(chat, region="eu-west-1", aws=regions):
        harness.detector()
        harness.expect_finding(finding)

        answer = open_dialog(
            harness,
            envelope,
            Action.SUPPRESS,
            name="attacksequence-s3-compromised-data",
        )

        status, text = dialog_status(answer, envelope)
        assert status in ("FAILED_PRECONDITION", None)
        assert text is not None
        assert text.startswith("Nothing in this finding names a single resource")
        harness.stub.assert_no_pending_responses()
