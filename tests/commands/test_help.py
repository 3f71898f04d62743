"""``/gd-help``, the welcome in a space the app joins, and messages it can't answer."""

from __future__ import annotations

import copy
import json

import pytest

from tests.bot import chat_events
from tests.bot.chat_events import ALICE, MALLORY
from tests.commands.conftest import (
    FORM_IDS,
    FORMS,
    answer_message,
    command,
    private_card,
    private_text,
)

CAROL = {
    **ALICE,
    "name": "users/333",
    "displayName": "Carol",
    "email": "carol@example.com",
}


def as_user(event, user):
    changed = copy.deepcopy(event)
    changed.get("chat", changed)["user"] = user
    return changed


def permission_lines(card):
    (section,) = [s for s in card["sections"] if s.get("header") == "What you may do"]
    return [
        (w["decoratedText"]["topLabel"], w["decoratedText"]["text"])
        for w in section["widgets"]
    ]


@pytest.mark.parametrize("form", FORMS, ids=FORM_IDS)
def test_help_lists_the_commands_the_filters_and_what_alice_may_do(regions, form):
    answer = regions.ask(command(form, "help"))

    card = private_card(answer, form[0])
    words = json.dumps(card)
    for text in ("/gd-finding ID", "/gd-findings [filters]", "/gd-stats", "/gd-help"):
        assert text in words
    assert "severity&gt;=high" in words
    assert "also severity&gt;7, severity&lt;4, severity&lt;=high" in words
    assert "type:Recon*" in words
    assert {label for label, _ in permission_lines(card)} == {"You may"}
    regions.done()


def test_help_tells_carol_what_she_may_not_do(regions):
    event = as_user(command(("addon", "APP_COMMAND"), "help"), CAROL)

    answer = regions.ask(event)

    message = answer_message(answer, "addon")
    assert message["privateMessageViewer"] == {"name": "users/333"}
    allowed = permission_lines(message["cardsV2"][0]["card"])
    assert ("You may not", "archive findings") in allowed
    assert ("You may not", "suppress similar findings") in allowed
    assert ("You may", "acknowledge findings") in allowed
    assert (
        "You may",
        "open finding cards and use /gd-finding, /gd-findings, /gd-stats",
    ) in allowed
    regions.done()


def test_help_tells_someone_outside_the_domain_they_may_do_nothing(regions):
    event = as_user(command(("chat", "MESSAGE"), "help"), MALLORY)

    answer = regions.ask(event)

    card = answer_message(answer, "chat")["cardsV2"][0]["card"]
    assert {label for label, _ in permission_lines(card)} == {"You may not"}
    assert "Mallory" not in json.dumps(card)
    regions.done()


@pytest.mark.parametrize("envelope", ["chat", "addon"])
def test_joining_a_space_posts_a_welcome_for_everyone(regions, envelope):
    answer = regions.ask(chat_events.added(envelope))

    message = answer_message(answer, envelope)
    assert "privateMessageViewer" not in message
    card = message["cardsV2"][0]["card"]
    assert card["header"]["title"] == "GuardDuty chat-ops is here"
    words = json.dumps(card)
    assert "/gd-findings [filters]" in words
    assert "chat.space = spaces/AAAAalerts" in words
    assert "What you may do" not in words  # nobody's permissions in public
    regions.done()


def test_an_app_added_by_a_slash_command_answers_that_command(regions):
    event = chat_events.message("chat", "not-an-id!", command_id=1)
    event["type"] = "ADDED_TO_SPACE"

    answer = regions.ask(event)

    assert private_text(answer, "chat").startswith("That is not a finding id.")
    regions.done()


@pytest.mark.parametrize("envelope", ["chat", "addon"])
def test_a_question_the_app_does_not_know_gets_welcome_and_help_privately(
    regions, envelope
):
    answer = regions.ask(chat_events.message(envelope, "are we hacked?"))

    card = private_card(answer, envelope)
    first = card["sections"][0]["widgets"][0]["textParagraph"]["text"]
    assert first.startswith("Hello! I have no answer to that")
    assert "are we hacked" not in json.dumps(card)
    regions.done()
