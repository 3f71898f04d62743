"""The local Chat's page over HTTP: one self-contained document and its JSON API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import google.auth.transport.requests
import pytest
import requests

from notifier.finding import Finding
from sandbox.chat_server import ChatServer
from sandbox.google_identity import TokenKind
from sandbox.google_oauth import ServiceAccount
from tests.sandbox.bot_double import BotDouble
from tests.sandbox.chat_loop import post_card, sample_finding

Session = google.auth.transport.requests.AuthorizedSession
PAGE = {"X-Sandbox-Page": "1"}


@pytest.fixture(scope="module")
def finding() -> Finding:
    return sample_finding()


@pytest.fixture(scope="module")
def bot(
    chat: ChatServer, account: ServiceAccount, finding: Finding
) -> Iterator[BotDouble]:
    with BotDouble(chat, [finding]) as double:
        chat.configure_app(double.url, double.app, account=account)
        yield double


def state(chat: ChatServer, user: str, since: int = -1) -> dict[str, Any]:
    response = requests.get(
        f"{chat.url}/ui/state", params={"since": str(since), "user": user}, timeout=5
    )
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def shown(chat: ChatServer, user: str, space: str) -> list[dict[str, Any]]:
    """The message views `user` sees in `space`, oldest first."""
    [found] = [s for s in state(chat, user)["spaces"] if s["name"] == space]
    return [view for thread in found["threads"] for view in thread["messages"]]


def test_the_page_is_one_document_that_loads_nothing_from_elsewhere(
    chat: ChatServer,
) -> None:
    response = requests.get(chat.url + "/", timeout=5)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "img-src data:" in policy
    assert "connect-src 'self'" in policy
    page = response.text
    nonce = re.search(r"script-src 'nonce-([^']+)'", policy)
    assert nonce is not None
    assert page.count(f'nonce="{nonce.group(1)}"') == 2
    assert not re.search(r"<(script|link|img|iframe)[^>]*\s(src|href)=", page)
    assert "@import" not in page
    assert "url(" not in page
    addresses = set(re.findall(r"https?://[^\s\"'`)]+", page))
    assert addresses == {"http://www.w3.org/2000/svg"}  # an XML namespace, not a load
    assert "innerHTML" not in page
    assert "insertAdjacentHTML" not in page
    assert "eval(" not in page


def test_a_second_load_gets_a_fresh_nonce(chat: ChatServer) -> None:
    first = requests.get(chat.url + "/", timeout=5).headers["Content-Security-Policy"]
    second = requests.get(chat.url + "/", timeout=5).headers["Content-Security-Policy"]

    assert first != second


def test_the_state_answers_with_the_version_alone_while_nothing_changes(
    chat: ChatServer,
    session: Session,
    space: str,
    finding: Finding,
    bot: BotDouble,
) -> None:
    analyst = chat.person().name
    before = state(chat, analyst)

    assert state(chat, analyst, before["version"]) == {"version": before["version"]}

    card = post_card(chat, session, space, finding)
    after = state(chat, analyst, before["version"])

    assert after["version"] > before["version"]
    assert after["user"] == analyst
    assert [p["displayName"] for p in after["people"]] == [
        "Alex Analyst",
        "Olu Oncall",
        "Ivy Intern",
    ]
    assert after["app"]["name"] == "GuardDuty"
    assert after["app"]["commands"]["/gd-finding"] == 1
    assert shown(chat, analyst, space) == [{"message": card, "private": False}]


def test_an_edit_through_the_api_is_a_new_version(
    chat: ChatServer, session: Session, space: str, finding: Finding
) -> None:
    card = post_card(chat, session, space, finding)
    before = state(chat, chat.person().name)["version"]

    edited = session.patch(
        f"{chat.url}/v1/{card['name']}",
        params={"updateMask": "text"},
        json={"text": "Count went up"},
    )

    assert edited.status_code == 200
    after = state(chat, chat.person().name, before)
    assert after["version"] > before
    [view] = shown(chat, chat.person().name, space)
    assert view["message"]["text"] == "Count went up"
    assert view["message"]["lastUpdateTime"] == edited.json()["lastUpdateTime"]


def test_a_private_message_is_shown_to_its_viewer_only(
    chat: ChatServer, session: Session, space: str, finding: Finding, bot: BotDouble
) -> None:
    card = post_card(chat, session, space, finding)
    intern = chat.person("Ivy Intern").name

    chat.click(space, card["name"], "Archive", user=intern)

    [_card, reply] = shown(chat, intern, space)
    assert reply["private"] is True
    assert reply["message"]["text"] == "You are not allowed to archive."
    assert [v["message"]["name"] for v in shown(chat, chat.person().name, space)] == [
        card["name"]
    ]


def test_a_slash_command_is_seen_by_the_person_who_typed_it_only(
    chat: ChatServer, space: str, bot: BotDouble
) -> None:
    oncall = chat.person("Olu Oncall").name
    response = requests.post(
        f"{chat.url}/ui/command",
        json={"user": oncall, "space": space, "text": "/gd-help"},
        headers=PAGE,
        timeout=10,
    )

    assert response.status_code == 200
    assert response.json()["ok"] is True
    typed, answer = shown(chat, oncall, space)
    assert (typed["private"], typed["message"]["text"]) == (True, "/gd-help")
    assert answer["private"] is False
    assert [v["message"]["name"] for v in shown(chat, chat.person().name, space)] == [
        answer["message"]["name"]
    ]


def click(chat: ChatServer, body: dict[str, Any], path: str = "/ui/click") -> Any:
    return requests.post(chat.url + path, json=body, headers=PAGE, timeout=10)


def test_a_click_names_the_button_by_its_path_in_the_message(
    chat: ChatServer, session: Session, space: str, finding: Finding, bot: BotDouble
) -> None:
    card = post_card(chat, session, space, finding)
    buttons = card["cardsV2"][0]["card"]["sections"][-1]["widgets"][0]["buttonList"]
    index = [b["text"] for b in buttons["buttons"]].index("Archive")
    sections = len(card["cardsV2"][0]["card"]["sections"])
    path = ["cardsV2", 0, "card", "sections", sections - 1, "widgets", 0]
    path += ["buttonList", "buttons", index, "onClick"]

    response = click(
        chat,
        {
            "user": chat.person().name,
            "message": card["name"],
            "path": path,
            "updated": card["createTime"],
        },
    )

    assert response.status_code == 200
    result = response.json()
    assert (result["ok"], result["effect"], result["error"]) == (
        True,
        "update message",
        None,
    )
    assert "Archived by Alex Analyst" in str(chat.messages(space)[0]["cardsV2"])


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"path": ["cardsV2", 0, "card", "header"]}, 409, "nothing clickable"),
        ({"updated": "2000-01-01T00:00:00Z"}, 409, "the card changed"),
        ({"user": "users/1"}, 400, "no such person"),
        ({"path": "cardsV2.0"}, 400, "path must be a list"),
        ({"message": "spaces/nope/messages/x"}, 409, "spaces/nope was not found"),
    ],
)
def test_a_click_the_page_cannot_mean_is_refused_with_a_reason(
    chat: ChatServer,
    session: Session,
    space: str,
    finding: Finding,
    bot: BotDouble,
    body: dict[str, Any],
    status: int,
    error: str,
) -> None:
    card = post_card(chat, session, space, finding)
    request = {
        "user": chat.person().name,
        "message": card["name"],
        "path": ["cardsV2", 0, "card", "sections", 0, "widgets", 0],
        "updated": card["createTime"],
    } | body

    response = click(chat, request)

    assert response.status_code == status
    assert response.json()["ok"] is False
    assert error in response.json()["error"]


def test_page_actions_need_the_page_header(chat: ChatServer, bot: BotDouble) -> None:
    response = requests.post(
        f"{chat.url}/ui/command", json={"user": "x", "text": "/gd-help"}, timeout=5
    )

    assert response.status_code == 403
    assert requests.get(f"{chat.url}/ui/nothing", timeout=5).status_code == 404


PAGE_REQUESTS = [
    ("GET", "/", None),
    ("GET", "/ui/state", None),
    ("POST", "/ui/command", {"user": "x", "text": "/gd-help"}),
]


def port_of(chat: ChatServer) -> int:
    return int(chat.url.rsplit(":", 1)[1])


@pytest.mark.parametrize(
    "host",
    ["rebound.example:{port}", "rebound.example", "127.0.0.1:1", "localhost.:{port}"],
)
@pytest.mark.parametrize(("method", "path", "body"), PAGE_REQUESTS)
def test_the_page_refuses_a_host_that_is_not_its_loopback_name(
    chat: ChatServer, host: str, method: str, path: str, body: Any
) -> None:
    headers = {**PAGE, "Host": host.format(port=port_of(chat))}

    response = requests.request(
        method, chat.url + path, json=body, headers=headers, timeout=5
    )

    assert response.status_code == 403
    assert response.json() == {"ok": False, "error": "open the page at 127.0.0.1"}


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "LOCALHOST"])
def test_the_page_answers_its_loopback_names(chat: ChatServer, name: str) -> None:
    headers = {"Host": f"{name}:{port_of(chat)}"}

    page = requests.get(chat.url + "/", headers=headers, timeout=5)
    shown = requests.get(chat.url + "/ui/state", headers=headers, timeout=5)

    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert shown.status_code == 200
    assert shown.json()["version"] == chat.version


def test_the_api_still_answers_any_host(chat: ChatServer) -> None:
    certs = chat.certs_url(TokenKind.PROJECT_NUMBER)

    response = requests.get(certs, headers={"Host": "www.googleapis.com"}, timeout=5)

    assert response.status_code == 200
    assert response.json() == chat.identity.chat_keys.certificates()


def test_a_dialog_is_part_of_its_persons_state_until_it_closes(
    chat: ChatServer, session: Session, space: str, finding: Finding, bot: BotDouble
) -> None:
    card = post_card(chat, session, space, finding)
    oncall = chat.person("Olu Oncall").name
    chat.click(space, card["name"], "Escalate", user=oncall)
    dialog = state(chat, oncall)["dialog"]
    assert dialog["card"]["header"]["title"] == "Escalate this finding"
    assert state(chat, chat.person().name)["dialog"] is None

    submitted = click(
        chat,
        {
            "user": oncall,
            "dialog": dialog["id"],
            "path": [
                "sections",
                0,
                "widgets",
                2,
                "buttonList",
                "buttons",
                0,
                "onClick",
            ],
            "inputs": {"reason": ["Keys leaked"], "urgency": ["today"]},
        },
        "/ui/dialog",
    )

    assert submitted.json()["ok"] is True
    assert state(chat, oncall)["dialog"] is None
    assert "Escalated by Olu Oncall" in str(chat.messages(space)[0]["cardsV2"])
    common = bot.events[-1]["common"]
    assert common["formInputs"]["urgency"] == {"stringInputs": {"value": ["today"]}}


def test_closing_a_dialog_from_the_page(
    chat: ChatServer, session: Session, space: str, finding: Finding, bot: BotDouble
) -> None:
    card = post_card(chat, session, space, finding)
    chat.click(space, card["name"], "Escalate")
    dialog = state(chat, chat.person().name)["dialog"]

    closed = click(
        chat, {"user": chat.person().name, "dialog": dialog["id"]}, "/ui/cancel"
    )
    again = click(
        chat, {"user": chat.person().name, "dialog": dialog["id"]}, "/ui/cancel"
    )

    assert closed.json()["notice"] == "Nothing was escalated."
    assert again.status_code == 409
    assert "no such dialog" in again.json()["error"]


def test_page_requests_are_not_recorded_as_api_calls(chat: ChatServer) -> None:
    chat.clear_requests()

    state(chat, chat.person().name)
    requests.get(chat.url + "/", timeout=5)

    assert chat.requests == []
