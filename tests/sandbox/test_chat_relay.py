"""The local Chat talking to an app on loopback: signed events out, answers applied."""

from __future__ import annotations

import http.server
from collections.abc import Iterator
from typing import Any

import google.auth.transport.requests
import pytest

from notifier.finding import Finding
from notifier.handling import history_from_message
from sandbox.chat_answers import Effect
from sandbox.chat_events import EventFormat
from sandbox.chat_relay import RelayError
from sandbox.chat_schema import validate_event
from sandbox.chat_server import ChatServer
from sandbox.google_identity import ChatApp, TokenKind
from sandbox.google_oauth import ServiceAccount
from sandbox.loopback import LoopbackServer
from tests.sandbox.bot_double import BotDouble
from tests.sandbox.chat_loop import post_card, sample_finding
from tests.sandbox.chat_sessions import app_session

Session = google.auth.transport.requests.AuthorizedSession
FORMATS = ["classic", "addon"]


@pytest.fixture(scope="module")
def finding() -> Finding:
    return sample_finding()


@pytest.fixture(scope="module")
def bot(chat: ChatServer, finding: Finding) -> Iterator[BotDouble]:
    with BotDouble(chat, [finding]) as double:
        yield double


def connect(
    chat: ChatServer,
    bot: BotDouble,
    account: ServiceAccount,
    event_format: EventFormat = "classic",
    kind: TokenKind = TokenKind.ENDPOINT_URL,
    **settings: Any,
) -> None:
    bot.kind = kind
    chat.configure_app(
        bot.url, bot.app, kind, event_format=event_format, account=account, **settings
    )


def card_text(message: dict[str, Any] | Any) -> str:
    return str(message["cardsV2"])


@pytest.mark.parametrize("event_format", FORMATS)
def test_archive_updates_the_card_in_place(
    chat: ChatServer,
    bot: BotDouble,
    account: ServiceAccount,
    session: Session,
    space: str,
    finding: Finding,
    event_format: EventFormat,
) -> None:
    connect(chat, bot, account, event_format)
    card = post_card(chat, session, space, finding)

    done = chat.click(space, card["name"], "Archive", user="Alex Analyst")

    assert done.ok, done.error
    assert done.kind == "CARD_CLICKED"
    assert done.effect is Effect.UPDATE_MESSAGE
    [stored] = chat.messages(space)
    assert stored["name"] == card["name"]
    assert "Archived by Alex Analyst at " in card_text(stored)
    assert "lastUpdateTime" in stored
    assert [h.actor for h in history_from_message(stored)] == ["Alex Analyst"]
    assert done.message == stored
    event = bot.events[-1]
    validate_event(event)
    if event_format == "classic":
        assert event["common"]["parameters"]["action"] == "archive"
        assert event["message"]["name"] == card["name"]
        assert event["message"]["sender"]["type"] == "BOT"
    else:
        assert event["commonEventObject"]["parameters"]["action"] == "archive"
        payload = event["chat"]["buttonClickedPayload"]
        assert payload["message"]["cardsV2"] == card["cardsV2"]
        token = event["authorizationEventObject"]["systemIdToken"]
        assert token == bot.tokens[-1]
        assert done.event["authorizationEventObject"]["systemIdToken"] == "REDACTED"


@pytest.mark.parametrize("kind", list(TokenKind))
def test_every_kind_of_token_verifies_at_the_app(
    chat: ChatServer,
    bot: BotDouble,
    account: ServiceAccount,
    session: Session,
    space: str,
    finding: Finding,
    kind: TokenKind,
) -> None:
    event_format: EventFormat = "addon" if kind is TokenKind.ADDON else "classic"
    connect(chat, bot, account, event_format, kind)
    card = post_card(chat, session, space, finding)

    done = chat.click(space, card["name"], {"action": "acknowledge"})

    assert done.ok, done.error
    assert "Acknowledged by Alex Analyst" in card_text(chat.messages(space)[0])


def test_a_token_for_another_audience_is_refused_by_the_app(
    chat: ChatServer,
    bot: BotDouble,
    account: ServiceAccount,
    session: Session,
    space: str,
    finding: Finding,
) -> None:
    connect(chat, bot, account)
    chat.configure_app(
        bot.url, ChatApp("1", "https://elsewhere.invalid/"), account=account
    )
    card = post_card(chat, session, space, finding)

    done = chat.click(space, card["name"], "Archive")

    assert not done.ok
    assert done.status == 401
    assert done.error == "GuardDuty did not respond (HTTP 401)"
    assert chat.messages(space)[0]["cardsV2"] == card["cardsV2"]


@pytest.mark.parametrize("event_format", FORMATS)
def test_a_refused_person_gets_a_private_message_in_the_thread(
    chat: ChatServer,
    bot: BotDouble,
    account: ServiceAccount,
    session: Session,
    space: str,
    finding: Finding,
    event_format: EventFormat,
) -> None:
    connect(chat, bot, account, event_format)
    card = post_card(chat, session, space, finding)

    done = chat.click(space, card["name"], "Archive", user="ivy.intern@example.com")

    assert done.ok, done.error
    assert done.effect is Effect.NEW_MESSAGE
    card_now, reply = chat.messages(space)
    assert card_now["cardsV2"] == card["cardsV2"]
    assert reply["privateMessageViewer"] == {"name": chat.person("Ivy Intern").name}
    assert reply["text"] == "You are not allowed to archive."
    assert reply["thread"]["name"] == card["thread"]["name"]
    assert reply["threadReply"] is True
    assert reply["sender"]["name"] == card["sender"]["name"]


@pytest.mark.parametrize("event_format", FORMATS)
def test_escalation_opens_a_dialog_whose_submit_updates_the_card(
    chat: ChatServer,
    bot: BotDouble,
    account: ServiceAccount,
    session: Session,
    space: str,
    finding: Finding,
    event_format: EventFormat,
) -> None:
    connect(chat, bot, account, event_format)
    card = post_card(chat, session, space, finding)

    opened = chat.click(space, card["name"], "Escalate", user="Olu Oncall")

    assert opened.effect is Effect.DIALOG
    assert chat.dialog("Olu Oncall") == opened.dialog
    assert chat.dialog("Alex Analyst") is None
    request = bot.events[-1]
    where = (
        request
        if event_format == "classic"
        else request["chat"]["buttonClickedPayload"]
    )
    assert where["dialogEventType"] == "REQUEST_DIALOG"

    submitted = chat.submit_dialog(
        "Escalate", inputs={"reason": "Data leaving the bucket"}, user="Olu Oncall"
    )

    assert submitted.ok, submitted.error
    assert submitted.kind == "SUBMIT_DIALOG"
    assert submitted.effect is Effect.UPDATE_MESSAGE
    assert chat.dialog("Olu Oncall") is None
    assert "Escalated by Olu Oncall at " in card_text(chat.messages(space)[0])
    assert ": Data leaving the bucket" in card_text(chat.messages(space)[0])
    event = bot.events[-1]
    common = event["common" if event_format == "classic" else "commonEventObject"]
    assert common["formInputs"] == {
        "reason": {"stringInputs": {"value": ["Data leaving the bucket"]}},
        "urgency": {"stringInputs": {"value": ["now"]}},
    }


@pytest.mark.parametrize("event_format", FORMATS)
def test_closing_a_dialog_sends_cancel_and_shows_the_apps_words(
    chat: ChatServer,
    bot: BotDouble,
    account: ServiceAccount,
    session: Session,
    space: str,
    finding: Finding,
    event_format: EventFormat,
) -> None:
    connect(chat, bot, account, event_format)
    card = post_card(chat, session, space, finding)
    chat.click(space, card["name"], "Escalate")

    closed = chat.cancel_dialog()

    assert closed.ok, closed.error
    assert closed.kind == "CANCEL_DIALOG"
    assert closed.effect is Effect.CLOSE_DIALOG
    assert closed.notice == "Nothing was escalated."
    assert chat.dialog() is None
    assert chat.messages(space)[0]["cardsV2"] == card["cardsV2"]
    with pytest.raises(RelayError, match="no such dialog"):
        chat.submit_dialog()


def test_a_new_message_answer_lands_in_the_clicked_messages_thread(
    chat: ChatServer,
    bot: BotDouble,
    account: ServiceAccount,
    session: Session,
    space: str,
    finding: Finding,
) -> None:
    connect(chat, bot, account)
    card = post_card(chat, session, space, finding)

    done = chat.click(space, card["name"], "Refresh")

    assert done.effect is Effect.NEW_MESSAGE
    [thread] = chat.store.threads(space.removeprefix("spaces/"))
    assert [m["name"] for m in thread["messages"]] == [
        card["name"],
        done.message["name"] if done.message else None,
    ]
    assert thread["messages"][1]["text"] == f"Refreshed {finding.type}."


@pytest.mark.parametrize(
    ("event_format", "command_event"),
    [("classic", "MESSAGE"), ("classic", "APP_COMMAND"), ("addon", "MESSAGE")],
)
def test_slash_commands_reach_the_app_in_the_configured_form(
    chat: ChatServer,
    bot: BotDouble,
    account: ServiceAccount,
    space: str,
    finding: Finding,
    event_format: EventFormat,
    command_event: str,
) -> None:
    connect(chat, bot, account, event_format, command_event=command_event)

    done = chat.command(space, f"/gd-finding {finding.id}", user="Olu Oncall")

    assert done.ok, done.error
    assert done.kind == "SLASH_COMMAND"
    typed, answer = chat.messages(space)
    assert typed["text"] == f"/gd-finding {finding.id}"
    assert typed["sender"]["type"] == "HUMAN"
    assert typed["sender"]["displayName"] == "Olu Oncall"
    assert chat.relay.private_viewer(typed["name"]) == chat.person("Olu Oncall").name
    assert answer["thread"]["name"] == typed["thread"]["name"]
    assert answer["cardsV2"][0]["card"]["header"]["title"].endswith(finding.title)
    event = bot.events[-1]
    if event_format == "addon":
        metadata = event["chat"]["appCommandPayload"]["appCommandMetadata"]
        assert metadata == {"appCommandId": 1, "appCommandType": "SLASH_COMMAND"}
    elif command_event == "APP_COMMAND":
        assert event["type"] == "APP_COMMAND"
        assert event["appCommandMetadata"]["appCommandId"] == 1
    else:
        assert event["type"] == "MESSAGE"
        assert event["message"]["slashCommand"] == {"commandId": "1"}
        assert event["message"]["argumentText"] == f" {finding.id}"


def test_the_command_map_is_configuration(
    chat: ChatServer, bot: BotDouble, account: ServiceAccount, space: str
) -> None:
    connect(chat, bot, account, commands={"/guardduty-help": 4})

    done = chat.command(space, "/guardduty-help")

    assert done.ok, done.error
    assert bot.events[-1]["message"]["slashCommand"] == {"commandId": "4"}
    with pytest.raises(RelayError, match="/gd-help is not a command"):
        chat.command(space, "/gd-help")


def test_adding_the_app_to_a_space_posts_its_greeting(
    chat: ChatServer, bot: BotDouble, account: ServiceAccount, space: str
) -> None:
    connect(chat, bot, account, "addon", TokenKind.ADDON)

    done = chat.add_app_to_space(space, user="Olu Oncall")

    assert done.ok, done.error
    assert done.kind == "ADDED_TO_SPACE"
    [greeting] = chat.messages(space)
    assert greeting["text"] == "Thanks for adding me! Try `/gd-help`."
    assert "addedToSpacePayload" in bot.events[-1]["chat"]


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (
            {
                "actionResponse": {"type": "UPDATE_MESSAGE"},
                "cardsV2": [{"card": {"header": {"subtitle": "no title"}}}],
            },
            "GuardDuty answered with something Chat rejects",
        ),
        (
            {"hostAppDataAction": {"chatDataAction": {}}},
            "expected the chat envelope",
        ),
        (
            {"actionResponse": {"type": "UPDATE_WIDGET", "updatedWidget": {}}},
            "not supported by the sandbox",
        ),
    ],
)
def test_an_answer_chat_would_reject_is_shown_and_not_applied(
    chat: ChatServer,
    bot: BotDouble,
    account: ServiceAccount,
    session: Session,
    space: str,
    finding: Finding,
    answer: dict[str, Any],
    reason: str,
) -> None:
    connect(chat, bot, account)
    card = post_card(chat, session, space, finding)
    bot.answer_next(200, answer)

    done = chat.click(space, card["name"], "Archive")

    assert not done.ok
    assert done.status == 200
    assert done.answer == answer
    assert done.error is not None
    assert reason in done.error
    assert chat.interactions[-1] == done
    assert chat.messages(space) == [card]


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (500, {"error": "boom"}, "GuardDuty did not respond (HTTP 500)"),
        (200, ["not", "an", "object"], "GuardDuty answered with no JSON object"),
    ],
)
def test_an_app_that_fails_is_a_visible_error(
    chat: ChatServer,
    bot: BotDouble,
    account: ServiceAccount,
    session: Session,
    space: str,
    finding: Finding,
    status: int,
    body: Any,
    error: str,
) -> None:
    connect(chat, bot, account)
    card = post_card(chat, session, space, finding)
    bot.answer_next(status, body)

    done = chat.click(space, card["name"], "Archive")

    assert (done.ok, done.status, done.error) == (False, status, error)
    assert chat.messages(space) == [card]


def test_an_app_slower_than_the_limit_did_not_respond(
    chat: ChatServer,
    bot: BotDouble,
    account: ServiceAccount,
    session: Session,
    space: str,
    finding: Finding,
) -> None:
    connect(chat, bot, account, timeout=0.3)
    card = post_card(chat, session, space, finding)
    bot.delay_next(1.0)

    done = chat.click(space, card["name"], "Archive")

    assert (done.ok, done.status) == (False, None)
    assert done.error == "GuardDuty did not respond within 0.3 s"
    assert chat.messages(space) == [card]


def test_an_app_that_is_not_there_could_not_be_reached(
    chat: ChatServer, account: ServiceAccount, session: Session, space: str
) -> None:
    with LoopbackServer(_Silent) as gone:
        url = gone.url + "/"
    chat.configure_app(url, ChatApp("1", url), account=account)
    card = post_card(chat, session, space, sample_finding())

    done = chat.click(space, card["name"], "Archive")

    assert done.error == "GuardDuty could not be reached"


def test_an_update_answering_a_message_of_another_app_is_refused(
    chat: ChatServer,
    bot: BotDouble,
    account: ServiceAccount,
    space: str,
    finding: Finding,
) -> None:
    connect(chat, bot, account)
    other = chat.create_service_account("other-app", app_name="Other")
    with app_session(chat, other) as session:
        card = post_card(chat, session, space, finding)

    done = chat.click(space, card["name"], "Archive")

    assert not done.ok
    assert done.error is not None
    assert "UPDATE_MESSAGE only answers a click on the app's own message" in done.error
    assert chat.messages(space) == [card]


def test_answers_to_clicks_do_not_count_against_the_write_quota(
    finding: Finding,
) -> None:
    with ChatServer(writes_per_minute=1) as chat, BotDouble(chat, [finding]) as bot:
        account = chat.create_service_account()
        space = chat.create_space("Quiet")
        with app_session(chat, account) as session:
            card = post_card(chat, session, space, finding)
            over = session.post(f"{chat.url}/v1/{space}/messages", json={"text": "x"})
        connect(chat, bot, account)
        clicks = [
            chat.click(space, card["name"], name) for name in ("Acknowledge", "Refresh")
        ]

    assert over.status_code == 429
    assert [click.ok for click in clicks] == [True, True]


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("Open in console", "opens a link; Chat sends the app nothing"),
        ("More", "opens a menu"),
        ("Delete", "0 click targets match 'Delete'"),
    ],
)
def test_what_cannot_be_sent_raises(
    chat: ChatServer,
    bot: BotDouble,
    account: ServiceAccount,
    session: Session,
    space: str,
    finding: Finding,
    target: str,
    reason: str,
) -> None:
    connect(chat, bot, account)
    card = post_card(chat, session, space, finding)
    sent = len(bot.events)

    with pytest.raises(RelayError, match=reason):
        chat.click(space, card["name"], target)

    assert len(bot.events) == sent


def test_a_click_on_a_card_that_changed_since_it_was_seen_is_refused(
    chat: ChatServer,
    bot: BotDouble,
    account: ServiceAccount,
    session: Session,
    space: str,
    finding: Finding,
) -> None:
    connect(chat, bot, account)
    card = post_card(chat, session, space, finding)
    chat.click(space, card["name"], "Acknowledge")

    with pytest.raises(RelayError, match="the card changed"):
        chat.relay.click(
            chat.person(), card["name"], "Archive", seen_update=card["createTime"]
        )


def test_nothing_is_sent_before_an_app_is_configured() -> None:
    with ChatServer() as fresh:
        room = fresh.create_space("Alerts")
        with pytest.raises(RelayError, match="no Chat app is configured"):
            fresh.command(room, "/gd-help")


class _Silent(http.server.BaseHTTPRequestHandler):
    """A handler for a server that is closed before anyone calls it."""
