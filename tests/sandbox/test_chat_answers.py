"""Reading an app's answer, in both envelopes, and finding what was clicked."""

from __future__ import annotations

from typing import Any

import pytest

from notifier.cards import finding_message
from notifier.settings import CardSettings
from sandbox.card_clicks import click_targets, find_target, input_values, target_at
from sandbox.chat_answers import Effect, Unsupported, read_answer
from sandbox.chat_events import EventFormat
from sandbox.chat_schema import MessageInvalid
from tests.sandbox.chat_loop import sample_finding

CARD = {"header": {"title": "Escalate"}, "sections": [{"widgets": [{"divider": {}}]}]}
CARDS = [{"cardId": "finding", "card": CARD}]
VIEWER = {"name": "users/108000000000000000003"}


def addon(data: dict[str, Any]) -> dict[str, Any]:
    return {"hostAppDataAction": {"chatDataAction": data}}


@pytest.mark.parametrize(
    ("event_format", "answer", "effect"),
    [
        ("classic", {}, Effect.NOTHING),
        ("classic", {"text": "hello"}, Effect.NEW_MESSAGE),
        (
            "classic",
            {"actionResponse": {"type": "NEW_MESSAGE"}, "cardsV2": CARDS},
            Effect.NEW_MESSAGE,
        ),
        (
            "classic",
            {"actionResponse": {"type": "UPDATE_MESSAGE"}, "cardsV2": CARDS},
            Effect.UPDATE_MESSAGE,
        ),
        (
            "classic",
            {
                "actionResponse": {
                    "type": "DIALOG",
                    "dialogAction": {"dialog": {"body": CARD}},
                }
            },
            Effect.DIALOG,
        ),
        (
            "classic",
            {
                "actionResponse": {
                    "type": "DIALOG",
                    "dialogAction": {"actionStatus": {"statusCode": "OK"}},
                }
            },
            Effect.CLOSE_DIALOG,
        ),
        (
            "addon",
            addon({"createMessageAction": {"message": {"text": "hi"}}}),
            Effect.NEW_MESSAGE,
        ),
        (
            "addon",
            addon({"updateMessageAction": {"message": {"cardsV2": CARDS}}}),
            Effect.UPDATE_MESSAGE,
        ),
        ("addon", {"action": {"navigations": [{"pushCard": CARD}]}}, Effect.DIALOG),
        (
            "addon",
            {
                "action": {
                    "navigations": [{"endNavigation": {"action": "CLOSE_DIALOG"}}]
                }
            },
            Effect.CLOSE_DIALOG,
        ),
        ("addon", {"action": {"notification": {"text": "Done"}}}, Effect.NOTHING),
    ],
)
def test_answers_in_either_envelope_are_read_as_one_effect(
    event_format: EventFormat, answer: dict[str, Any], effect: Effect
) -> None:
    assert read_answer(answer, event_format).effect is effect


def test_a_private_answer_keeps_its_viewer_and_drops_the_thread() -> None:
    answer = {"privateMessageViewer": VIEWER, "text": "No", "thread": {"name": "x"}}

    read = read_answer(answer, "classic")

    assert read.private
    assert read.message == {"privateMessageViewer": VIEWER, "text": "No"}


def test_closing_a_dialog_carries_the_message_for_the_person() -> None:
    status = {"statusCode": "INVALID_ARGUMENT", "userFacingMessage": "Say why"}
    answer = {
        "actionResponse": {"type": "DIALOG", "dialogAction": {"actionStatus": status}}
    }

    read = read_answer(answer, "classic")

    assert (read.notice, read.status) == ("Say why", "INVALID_ARGUMENT")


def test_an_addon_notification_goes_with_the_closing_dialog() -> None:
    end = {"endNavigation": {"action": "CLOSE_DIALOG"}}
    answer = {"action": {"navigations": [end], "notification": {"text": "Escalated"}}}

    assert read_answer(answer, "addon").notice == "Escalated"


@pytest.mark.parametrize(
    ("event_format", "answer", "problem"),
    [
        ("addon", {"text": "classic answer to an add-on event"}, "addon envelope"),
        ("classic", addon({"createMessageAction": {"message": {}}}), "chat envelope"),
        ("classic", {"cardsV2": [{"card": {"header": {"subtitle": "x"}}}]}, "title"),
        ("classic", {"actionResponse": {"type": "DIALOG"}}, "dialogAction"),
        ("classic", {"actionResponse": {"type": "UPDATE_MESSAGE"}}, "text or cardsV2"),
        (
            "classic",
            {
                "actionResponse": {"type": "UPDATE_MESSAGE"},
                "text": "x",
                "privateMessageViewer": VIEWER,
            },
            "cannot make a message private",
        ),
        ("addon", {"action": {"navigations": []}}, "at least 1"),
    ],
)
def test_answers_chat_would_reject_are_refused(
    event_format: EventFormat, answer: dict[str, Any], problem: str
) -> None:
    with pytest.raises(MessageInvalid) as refused:
        read_answer(answer, event_format)

    assert problem in str(refused.value)


def test_answers_the_sandbox_cannot_carry_out_say_so() -> None:
    answer = addon({"updateInlinePreviewAction": {"cardsV2": CARDS}})

    with pytest.raises(Unsupported, match="updateInlinePreviewAction"):
        read_answer(answer, "addon")


def test_every_action_on_a_finding_card_can_be_found_by_words_or_parameters() -> None:
    finding = sample_finding()
    message = finding_message(finding, CardSettings())

    by_words = find_target(message, "Archive")
    by_parameters = find_target(message, {"action": "archive"})

    assert by_words == by_parameters
    assert by_words.parameters() == {"action": "archive", "finding": finding.arn}
    assert target_at(message, list(by_words.path)) == by_words
    assert by_words.path[:3] == ("cardsV2", 0, "card")
    assert by_words.path[-1] == "onClick"


def test_overflow_menu_items_are_click_targets_of_their_own() -> None:
    message = finding_message(sample_finding(), CardSettings())

    refresh = find_target(message, "Refresh")

    assert "overflowMenu" in refresh.path
    assert refresh.parameters()["action"] == "refresh"
    more = find_target(message, "More")
    assert more.action is None
    assert "overflowMenu" in more.on_click


def test_a_link_button_is_a_target_without_an_action() -> None:
    message = finding_message(sample_finding(), CardSettings())

    link = find_target(message, "Open in console")

    assert link.action is None
    assert "openLink" in link.on_click


def test_a_name_that_matches_nothing_lists_what_the_card_has() -> None:
    message = finding_message(sample_finding(), CardSettings())

    with pytest.raises(LookupError, match="'Archive'"):
        find_target(message, "Delete")
    with pytest.raises(LookupError, match="nothing clickable"):
        target_at(message, ["cardsV2", 0, "card", "header"])


def test_inputs_start_from_the_values_the_card_sets() -> None:
    card = {
        "header": {"title": "Why"},
        "sections": [
            {
                "widgets": [
                    {"textInput": {"name": "reason", "value": "prefilled"}},
                    {
                        "selectionInput": {
                            "name": "urgency",
                            "type": "CHECK_BOX",
                            "items": [
                                {"text": "Now", "value": "now", "selected": True},
                                {"text": "Later", "value": "later"},
                            ],
                        }
                    },
                    {
                        "buttonList": {
                            "buttons": [
                                {
                                    "text": "Send",
                                    "onClick": {"action": {"function": "f"}},
                                }
                            ]
                        }
                    },
                ]
            }
        ],
        "fixedFooter": {
            "primaryButton": {"text": "OK", "onClick": {"action": {"function": "g"}}}
        },
    }

    assert input_values(card) == {"reason": ["prefilled"], "urgency": ["now"]}
    assert [t.text for t in click_targets(card)] == ["Send", "OK"]
    assert click_targets(card)[1].path == ("fixedFooter", "primaryButton", "onClick")
