"""Both event formats read into the same view; the help router answers in each."""

from __future__ import annotations

import json

import pytest

from bot.errors import BadEvent
from bot.events import DialogEvent, EventKind, parse_event
from bot.responses import NewMessage
from sandbox.chat_schema import validate_interaction_response
from tests.bot import chat_events
from tests.bot.answers import new_message, private_text
from tests.bot.chat_events import ALICE, body

ENVELOPES = ["chat", "addon"]
PARAMETERS = {"action": "escalate", "finding": "arn", "history": "[]"}


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_a_dialog_submission_reads_the_same_in_both_formats(envelope):
    event = parse_event(
        body(
            chat_events.click(
                envelope,
                PARAMETERS,
                dialog="SUBMIT_DIALOG",
                form={"reason": "looks real"},
            )
        )
    )

    assert event.envelope == envelope
    assert event.kind is EventKind.CARD_CLICKED
    assert event.user.name == ALICE["name"]
    assert event.user.display_name == "Alice Admin"
    assert event.user.email == "alice@example.com"
    assert event.user.is_human
    assert event.space == "spaces/AAAAalerts"
    assert event.space_type == "SPACE"
    assert dict(event.parameters) == PARAMETERS
    assert event.form_text("reason") == "looks real"
    assert event.dialog is DialogEvent.SUBMIT_DIALOG
    assert event.message_name == "spaces/AAAAalerts/messages/client-gd-0123"
    assert event.message is not None
    assert event.message["sender"]["type"] == "BOT"


def test_classic_parameters_fall_back_to_the_action_list():
    document = chat_events.click("chat", PARAMETERS)
    del document["common"]["parameters"]

    assert dict(parse_event(body(document)).parameters) == PARAMETERS


@pytest.mark.parametrize("envelope", ENVELOPES)
@pytest.mark.parametrize(
    "build",
    [
        lambda envelope: chat_events.message(envelope, "abc123", command_id=2),
        lambda envelope: chat_events.app_command(envelope, 2, " abc123 "),
    ],
    ids=["slash-in-message", "app-command"],
)
def test_a_command_id_and_its_argument_read_the_same_in_both_formats(envelope, build):
    event = parse_event(body(build(envelope)))

    assert event.command_id == 2
    assert event.argument_text == "abc123"


@pytest.mark.parametrize("envelope", ENVELOPES)
@pytest.mark.parametrize(
    ("build", "kind"),
    [
        (chat_events.added, EventKind.ADDED_TO_SPACE),
        (chat_events.removed, EventKind.REMOVED_FROM_SPACE),
        (chat_events.message, EventKind.MESSAGE),
    ],
)
def test_each_kind_is_recognised_in_both_formats(envelope, build, kind):
    assert parse_event(body(build(envelope))).kind is kind


def test_a_display_name_is_cleaned_but_kept_as_the_persons_text():
    user = {**ALICE, "displayName": "Ali\u202ece\n<b>"}

    event = parse_event(body(chat_events.click("chat", PARAMETERS, user=user)))

    assert event.user.display_name == "Alice <b>"


@pytest.mark.parametrize(
    "document",
    [
        {"type": "CARD_CLICKED", "user": {"name": "not-a-user"}},
        {"type": "CARD_CLICKED", "user": ALICE, "common": {"parameters": {"a": 1}}},
        {
            "type": "CARD_CLICKED",
            "user": ALICE,
            "common": {"parameters": {"a": "x" * 20_000}},
        },
        {
            "type": "CARD_CLICKED",
            "user": ALICE,
            "action": {"parameters": {"key": "a"}},
        },
        {"type": "APP_HOME", "user": ALICE},
        {"chat": {"user": ALICE}, "commonEventObject": {"hostApp": "CHAT"}},
    ],
)
def test_malformed_events_are_refused(document):
    with pytest.raises(BadEvent):
        parse_event(json.dumps(document).encode())


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_a_message_gets_the_help_card_privately(harness, envelope):
    status, answer = harness.post(chat_events.message(envelope))

    message = new_message(answer, envelope)
    assert status == 200
    assert message["privateMessageViewer"] == {"name": ALICE["name"]}
    assert "/gd-findings" in json.dumps(message["cardsV2"])
    harness.stub.assert_no_pending_responses()


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_joining_a_space_posts_a_welcome_for_everyone(harness, envelope):
    status, answer = harness.post(chat_events.added(envelope))

    assert status == 200
    message = new_message(answer, envelope)
    assert "privateMessageViewer" not in message
    assert (
        message["cardsV2"][0]["card"]["header"]["title"] == "GuardDuty chat-ops is here"
    )


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_leaving_a_space_is_answered_with_no_content(harness, envelope):
    status, answer = harness.post(chat_events.removed(envelope))

    assert (status, answer) == (204, b"")


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_a_registered_command_handler_answers_its_command(harness, envelope):
    seen = []

    def stats(event):
        seen.append(event.argument_text)
        return NewMessage({"text": "42 findings"}, private=True)

    harness.bot.commands.register("stats", stats)

    status, answer = harness.post(chat_events.app_command(envelope, 3, "7d"))

    assert status == 200
    assert new_message(answer, envelope)["text"] == "42 findings"
    assert seen == ["7d"]


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_an_answer_that_cannot_be_written_is_the_fixed_failure_notice(
    harness, envelope
):
    harness.bot.commands.register(
        "stats", lambda event: NewMessage({"text": {"not", "JSON"}})
    )

    status, answer = harness.post(chat_events.app_command(envelope, 3))

    assert status == 200
    assert private_text(answer, envelope) == (
        "The bot failed to answer. Nothing was changed."
    )


@pytest.mark.parametrize("name", ["users/1\ud800", "users/1 2", "users/\u0661"])
def test_a_user_whose_name_chat_would_not_write_is_refused(name):
    event = chat_events.message("chat")
    event["user"] = {**ALICE, "name": name}

    with pytest.raises(BadEvent):
        parse_event(json.dumps(event).encode())


def test_an_email_with_invalid_unicode_is_no_email():
    event = chat_events.message("chat")
    event["user"] = {**ALICE, "email": "alice@example.com\ud800"}

    assert parse_event(json.dumps(event).encode()).user.email is None


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_an_unknown_button_is_told_privately(harness, envelope):
    status, answer = harness.post(chat_events.click(envelope, {"action": "explode"}))

    assert status == 200
    validate_interaction_response(answer, envelope=envelope)
    message = new_message(answer, envelope)
    assert message["text"] == "This button does nothing any more."
    assert message["privateMessageViewer"] == {"name": ALICE["name"]}


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_a_button_a_command_drew_reaches_that_commands_handler(harness, envelope):
    seen = []

    def findings(event):
        seen.append(dict(event.parameters))
        return NewMessage({"text": "page 2"}, private=True)

    harness.bot.commands.register("findings", findings)
    parameters = {"command": "findings", "page": "2"}

    status, answer = harness.post(chat_events.click(envelope, parameters))

    assert status == 200
    assert new_message(answer, envelope)["text"] == "page 2"
    assert seen == [parameters]
