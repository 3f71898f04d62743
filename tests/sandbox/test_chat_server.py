"""The local Chat API, driven the way the product drives Google's: google-auth."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import google.auth.exceptions
import google.auth.transport.requests
import pytest
import requests
from google.oauth2 import id_token, service_account

from sandbox import web_tokens
from sandbox.chat_server import REDACTED, ChatServer, Fault
from sandbox.google_identity import ChatApp, TokenKind
from sandbox.google_oauth import JWT_BEARER_GRANT, ServiceAccount
from tests.sandbox.chat_sessions import app_session

Session = google.auth.transport.requests.AuthorizedSession
FALLBACK = {"messageReplyOption": "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"}


def finding_card(title: str = "Recon:EC2/PortProbeUnprotectedPort") -> dict[str, Any]:
    return {
        "cardId": "finding",
        "card": {
            "header": {"title": title, "subtitle": "HIGH 8.0"},
            "sections": [{"widgets": [{"decoratedText": {"text": "i-0abc1234"}}]}],
        },
    }


def create(
    session: Session, chat: ChatServer, space: str, body: dict[str, Any], **params: str
) -> requests.Response:
    return session.post(f"{chat.url}/v1/{space}/messages", json=body, params=params)


def patch(
    session: Session, chat: ChatServer, name: str, body: dict[str, Any], **params: str
) -> requests.Response:
    return session.patch(f"{chat.url}/v1/{name}", json=body, params=params)


def error_of(response: requests.Response) -> tuple[int, str]:
    error = response.json()["error"]
    assert error["code"] == response.status_code
    return response.status_code, error["status"]


def test_an_app_creates_and_reads_a_message_through_google_auth(
    chat: ChatServer, session: Session, account: ServiceAccount, space: str
) -> None:
    chat.clear_requests()

    created = create(
        session, chat, space, {"text": "Finding", "cardsV2": [finding_card()]}
    )

    assert created.status_code == 200
    message = created.json()
    assert message["name"].startswith(f"{space}/messages/")
    assert message["sender"] == {
        "name": f"users/{account.client_id}",
        "displayName": "GuardDuty",
        "type": "BOT",
    }
    assert message["cardsV2"] == [finding_card()]
    assert message["thread"]["name"].startswith(f"{space}/threads/")
    assert message["createTime"].endswith("Z")
    assert session.get(f"{chat.url}/v1/{message['name']}").json() == message
    paths = [(r.method, r.path, r.status) for r in chat.requests]
    assert ("POST", f"/v1/{space}/messages", 200) in paths
    assert all(
        r.caller == account.email for r in chat.requests if r.path.startswith("/v1/")
    )


def test_upsert_with_allow_missing_creates_once_then_edits(
    chat: ChatServer, session: Session, space: str
) -> None:
    name = f"{space}/messages/client-gd-0123456789abcdef"
    upsert = {"allowMissing": "true", "updateMask": "cardsV2"}

    first = patch(session, chat, name, {"cardsV2": [finding_card("count 1")]}, **upsert)
    second = patch(
        session, chat, name, {"cardsV2": [finding_card("count 2")]}, **upsert
    )

    assert first.status_code == second.status_code == 200
    assert first.json()["clientAssignedMessageId"] == "client-gd-0123456789abcdef"
    assert "lastUpdateTime" not in first.json()
    assert second.json()["name"] == name
    assert second.json()["lastUpdateTime"] >= first.json()["createTime"]
    stored = chat.messages(space)
    assert [m["cardsV2"][0]["card"]["header"]["title"] for m in stored] == ["count 2"]


def test_an_upsert_that_creates_starts_its_own_thread(
    chat: ChatServer, session: Session, space: str
) -> None:
    # The patch method has no messageReplyOption, so, as a create without one,
    # the new message starts a thread and the body's thread key is ignored.
    first = create(
        session, chat, space, {"text": "a", "thread": {"threadKey": "k"}}, **FALLBACK
    )
    body = {"text": "b", "thread": {"threadKey": "k"}}

    upserted = patch(
        session, chat, f"{space}/messages/client-b", body, allowMissing="true"
    ).json()

    assert upserted["thread"]["name"] != first.json()["thread"]["name"]
    assert "threadKey" not in upserted["thread"]


def test_allow_missing_needs_a_client_assigned_id(
    chat: ChatServer, session: Session, space: str
) -> None:
    response = patch(
        session, chat, f"{space}/messages/abc.def", {"text": "x"}, allowMissing="true"
    )

    assert error_of(response) == (400, "INVALID_ARGUMENT")
    assert chat.messages(space) == []


def test_patch_needs_an_update_mask_and_clears_masked_fields_left_out(
    chat: ChatServer, session: Session, space: str
) -> None:
    body = {"text": "Finding", "cardsV2": [finding_card()]}
    name = create(session, chat, space, body, messageId="client-a").json()["name"]

    unmasked = patch(session, chat, name, {"text": "edited"})
    edited = patch(session, chat, name, {"text": "edited"}, updateMask="text,cards_v2")

    assert error_of(unmasked) == (400, "INVALID_ARGUMENT")
    assert "updateMask is required" in unmasked.json()["error"]["message"]
    assert edited.json()["text"] == "edited"
    assert "cardsV2" not in edited.json()


def test_patch_rejects_a_mask_path_chat_does_not_update(
    chat: ChatServer, session: Session, space: str
) -> None:
    name = create(session, chat, space, {"text": "x"}).json()["name"]

    response = patch(session, chat, name, {"text": "y"}, updateMask="text,thread")

    assert error_of(response) == (400, "INVALID_ARGUMENT")
    assert chat.messages(space)[0]["text"] == "x"


def test_thread_keys_group_replies_when_asked_to(
    chat: ChatServer, session: Session, space: str
) -> None:
    def post(key: str, **params: str) -> dict[str, Any]:
        body = {"text": key, "thread": {"threadKey": key}}
        response = create(session, chat, space, body, **params)
        assert response.status_code == 200, response.text
        return dict(response.json())

    first = post("recon-i-0abc", **FALLBACK)
    reply = post("recon-i-0abc", **FALLBACK)
    other = post("trojan-i-0def", **FALLBACK)
    ignored = post("recon-i-0abc")

    assert (
        reply["thread"]
        == first["thread"]
        == {
            "name": first["thread"]["name"],
            "threadKey": "recon-i-0abc",
        }
    )
    assert reply["threadReply"] is True
    assert "threadReply" not in first
    assert other["thread"]["name"] != first["thread"]["name"]
    # Without a reply option Chat starts a new thread and ignores the key.
    assert ignored["thread"]["name"] not in {
        first["thread"]["name"],
        other["thread"]["name"],
    }


def test_replies_by_thread_name_and_reply_or_fail(
    chat: ChatServer, session: Session, space: str
) -> None:
    thread = create(session, chat, space, {"text": "a"}).json()["thread"]["name"]
    reply_or_fail = {"messageReplyOption": "REPLY_MESSAGE_OR_FAIL"}

    reply = create(
        session, chat, space, {"text": "b", "thread": {"name": thread}}, **reply_or_fail
    )
    missing = create(
        session,
        chat,
        space,
        {"text": "c", "thread": {"name": f"{space}/threads/nope"}},
        **reply_or_fail,
    )

    assert reply.json()["thread"]["name"] == thread
    assert error_of(missing) == (404, "NOT_FOUND")
    assert [
        len(t["messages"]) for t in chat.store.threads(space.removeprefix("spaces/"))
    ] == [2]


def test_creating_an_existing_message_id_is_a_conflict(
    chat: ChatServer, session: Session, space: str
) -> None:
    create(session, chat, space, {"text": "first"}, messageId="client-gd-1")

    again = create(session, chat, space, {"text": "second"}, messageId="client-gd-1")

    assert error_of(again) == (409, "ALREADY_EXISTS")
    assert [m["text"] for m in chat.messages(space)] == ["first"]


@pytest.mark.parametrize(
    ("message_id", "status"),
    [
        ("client-" + "a" * 56, 200),
        ("client-gd-0a1b-2c", 200),
        ("client-" + "a" * 57, 400),
        ("gd-0a1b", 400),
        ("client-GD", 400),
        ("client-gd_1", 400),
        ("client-", 400),
    ],
)
def test_client_assigned_ids_follow_googles_rules(
    chat: ChatServer, session: Session, space: str, message_id: str, status: int
) -> None:
    response = create(session, chat, space, {"text": "x"}, messageId=message_id)

    assert response.status_code == status
    if status == 200:
        assert response.json()["name"] == f"{space}/messages/{message_id}"


def test_a_repeated_request_id_returns_the_first_message_unchanged(
    chat: ChatServer, session: Session, space: str
) -> None:
    first = create(session, chat, space, {"text": "one"}, requestId="req-1")
    repeat = create(session, chat, space, {"text": "two"}, requestId="req-1")

    assert repeat.status_code == 200
    assert repeat.json() == first.json()
    assert [m["text"] for m in chat.messages(space)] == ["one"]


def test_a_request_id_belongs_to_its_caller(
    chat: ChatServer, session: Session, space: str
) -> None:
    create(session, chat, space, {"text": "one"}, requestId="req-2")
    other = chat.create_service_account("replayer", app_name="Replayer")

    with app_session(chat, other) as replayer:
        response = create(replayer, chat, space, {"text": "one"}, requestId="req-2")

    assert error_of(response) == (400, "INVALID_ARGUMENT")
    assert len(chat.messages(space)) == 1


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (
            {"cardsV2": [{"card": {"header": {"subtitle": "no title"}}}]},
            "$.cardsV2[0].card.header.title: required field is missing",
        ),
        ({"text": "x", "cards_v2": []}, "$.cards_v2: unknown field"),
        ({"text": "é" * 16_000}, "bytes as compact UTF-8 JSON; the limit is 32000"),
        ({}, "Message cannot be empty."),
    ],
)
def test_invalid_bodies_are_refused_with_the_reason(
    chat: ChatServer, session: Session, space: str, body: dict[str, Any], detail: str
) -> None:
    response = create(session, chat, space, body)

    assert error_of(response) == (400, "INVALID_ARGUMENT")
    assert detail in response.json()["error"]["message"]
    assert chat.messages(space) == []


def test_an_invalid_card_in_a_patch_leaves_the_message_as_it_was(
    chat: ChatServer, session: Session, space: str
) -> None:
    name = create(session, chat, space, {"cardsV2": [finding_card()]}).json()["name"]
    broken = finding_card()
    broken["card"]["sections"][0]["widgets"] = [{"divider": {}, "textParagraph": {}}]

    response = patch(session, chat, name, {"cardsV2": [broken]}, updateMask="cardsV2")

    assert error_of(response) == (400, "INVALID_ARGUMENT")
    assert "exactly one of" in response.json()["error"]["message"]
    assert chat.messages(space)[0]["cardsV2"] == [finding_card()]


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"messageReplyOption": "REPLY"}, 'Invalid value at "messageReplyOption"'),
        (
            {"messageReplyOptions": FALLBACK["messageReplyOption"]},
            'Unknown name "messageReplyOptions"',
        ),
    ],
)
def test_query_parameters_are_checked_against_the_discovery_document(
    chat: ChatServer, session: Session, space: str, params: dict[str, str], detail: str
) -> None:
    response = create(session, chat, space, {"text": "x"}, **params)

    assert error_of(response) == (400, "INVALID_ARGUMENT")
    assert detail in response.json()["error"]["message"]


def test_unknown_space_and_message_are_not_found(
    chat: ChatServer, session: Session, space: str
) -> None:
    assert error_of(create(session, chat, "spaces/NOSUCH", {"text": "x"})) == (
        404,
        "NOT_FOUND",
    )
    missing = session.get(f"{chat.url}/v1/{space}/messages/client-none")
    assert error_of(missing) == (404, "NOT_FOUND")


def test_an_app_cannot_edit_another_apps_message(
    chat: ChatServer, session: Session, space: str
) -> None:
    name = create(session, chat, space, {"text": "mine"}).json()["name"]
    other = chat.create_service_account("other-app", app_name="Other")

    with app_session(chat, other) as intruder:
        response = patch(intruder, chat, name, {"text": "theirs"}, updateMask="text")

    assert error_of(response) == (403, "PERMISSION_DENIED")
    assert chat.messages(space)[0]["text"] == "mine"


def test_messages_list_in_pages(chat: ChatServer, session: Session, space: str) -> None:
    for n in range(3):
        create(session, chat, space, {"text": str(n)})
    with app_session(
        chat,
        chat.create_service_account("reader"),
        ("https://www.googleapis.com/auth/chat.messages.readonly",),
    ) as reader:
        first = reader.get(
            f"{chat.url}/v1/{space}/messages", params={"pageSize": "2"}
        ).json()
        second = reader.get(
            f"{chat.url}/v1/{space}/messages",
            params={"pageToken": first["nextPageToken"]},
        ).json()

    assert [m["text"] for m in first["messages"]] == ["0", "1"]
    assert [m["text"] for m in second["messages"]] == ["2"]
    assert "nextPageToken" not in second


# Authentication.


def test_calls_without_a_valid_bearer_token_are_unauthenticated(
    chat: ChatServer, space: str
) -> None:
    url = f"{chat.url}/v1/{space}/messages"

    missing = requests.post(url, json={"text": "x"}, timeout=5)
    forged = requests.post(
        url,
        json={"text": "x"},
        headers={"Authorization": "Bearer ya29.forged"},
        timeout=5,
    )

    for response in (missing, forged):
        assert error_of(response) == (401, "UNAUTHENTICATED")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert chat.messages(space) == []


def test_a_token_without_a_chat_scope_is_denied(
    chat: ChatServer, account: ServiceAccount, space: str
) -> None:
    scopes = ("https://www.googleapis.com/auth/chat.messages.readonly",)
    with app_session(chat, account, scopes) as reader:
        response = create(reader, chat, space, {"text": "x"})

    assert error_of(response) == (403, "PERMISSION_DENIED")


def test_the_key_file_points_google_auth_at_the_sandbox(
    chat: ChatServer, account: ServiceAccount, tmp_path: Path, space: str
) -> None:
    path = chat.write_service_account_key(tmp_path / "key.json", account)
    info = json.loads(path.read_text())

    credentials = service_account.Credentials.from_service_account_file(
        str(path), scopes=["https://www.googleapis.com/auth/chat.bot"]
    )
    with google.auth.transport.requests.AuthorizedSession(credentials) as authorized:
        response = create(authorized, chat, space, {"text": "from a key file"})

    assert response.status_code == 200
    assert info["token_uri"] == chat.token_url
    assert info["client_email"] == account.email
    assert path.stat().st_mode & 0o777 == 0o600


def assertion(account: ServiceAccount, **changes: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": account.email,
        "aud": "https://oauth2.googleapis.com/token",
        "scope": "https://www.googleapis.com/auth/chat.bot",
        "iat": now,
        "exp": now + 3600,
    } | changes
    return web_tokens.encode(claims, account.private_key, kid=account.key_id)


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"aud": "https://token.invalid/"}, "invalid_grant"),
        ({"iss": "someone@else.iam.gserviceaccount.com"}, "invalid_grant"),
        ({"iat": 1_000_000_000, "exp": 1_000_003_600}, "invalid_grant"),
        ({"exp": int(time.time()) + 7200}, "invalid_grant"),
        ({"scope": ""}, "invalid_scope"),
    ],
)
def test_the_token_endpoint_refuses_bad_assertions(
    chat: ChatServer, account: ServiceAccount, changes: dict[str, Any], error: str
) -> None:
    form = {"grant_type": JWT_BEARER_GRANT, "assertion": assertion(account, **changes)}

    response = requests.post(chat.token_url, data=form, timeout=5)

    assert response.status_code == 400
    assert response.json()["error"] == error


def test_the_token_endpoint_accepts_its_own_address_as_audience(
    chat: ChatServer, account: ServiceAccount
) -> None:
    form = {
        "grant_type": JWT_BEARER_GRANT,
        "assertion": assertion(account, aud=chat.token_url),
    }

    response = requests.post(chat.token_url, data=form, timeout=5)

    assert response.status_code == 200
    assert response.json()["token_type"] == "Bearer"


def test_a_key_the_sandbox_did_not_issue_cannot_get_a_token(chat: ChatServer) -> None:
    from sandbox.google_oauth import TokenAuthority

    stranger = TokenAuthority("http://127.0.0.1:1/token").create_service_account(
        "stranger"
    )
    credentials = service_account.Credentials.from_service_account_info(
        stranger.key_info(chat.token_url),
        scopes=["https://www.googleapis.com/auth/chat.bot"],
    )

    with pytest.raises(google.auth.exceptions.RefreshError, match="invalid_grant"):
        credentials.refresh(google.auth.transport.requests.Request())


# Quota.


def test_the_61st_write_in_a_minute_is_refused_for_every_writer() -> None:
    now = [1000.0]
    with ChatServer(monotonic=lambda: now[0], retry_after=True) as chat:
        account = chat.create_service_account()
        space = chat.create_space("busy")
        hook = chat.create_webhook(space)
        with app_session(chat, account) as session, requests.Session() as anyone:
            for n in range(30):
                assert create(session, chat, space, {"text": str(n)}).status_code == 200
                now[0] += 0.5
                posted = anyone.post(hook, json={"text": str(n)}, timeout=5)
                assert posted.status_code == 200

            refused = create(session, chat, space, {"text": "61st"})
            now[0] += 1.0
            still_refused = patch(
                session,
                chat,
                chat.messages(space)[0]["name"],
                {"text": "x"},
                updateMask="text",
            )
            now[0] = 1060.0
            admitted = create(session, chat, space, {"text": "later"})

    assert error_of(refused) == (429, "RESOURCE_EXHAUSTED")
    # The oldest write, at 1000.0, leaves the window at 1060.0; the clock is at 1015.
    assert refused.headers["Retry-After"] == "45"
    assert error_of(still_refused) == (429, "RESOURCE_EXHAUSTED")
    assert admitted.status_code == 200


def test_the_quota_is_per_space_and_configurable() -> None:
    with ChatServer(writes_per_minute=2) as chat:
        account = chat.create_service_account()
        first, second = chat.create_space("a"), chat.create_space("b")
        with app_session(chat, account) as session:
            statuses = [
                create(session, chat, first, {"text": "x"}).status_code
                for _ in range(3)
            ]
            other = create(session, chat, second, {"text": "x"})

    assert statuses == [200, 200, 429]
    assert other.status_code == 200
    assert "Retry-After" not in other.headers


# Incoming webhooks.


def test_a_webhook_posts_without_a_bearer_token(chat: ChatServer, space: str) -> None:
    url = chat.create_webhook(space, "Alerts hook")
    chat.clear_requests()

    response = requests.post(
        url,
        json={"text": "Finding", "thread": {"threadKey": "k"}},
        params={"messageReplyOption": FALLBACK["messageReplyOption"]},
        timeout=5,
    )

    assert response.status_code == 200
    assert response.json()["sender"]["displayName"] == "Alerts hook"
    assert response.json()["thread"]["threadKey"] == "k"
    recorded = chat.requests[-1]
    assert recorded.query["key"] == recorded.query["token"] == REDACTED
    assert recorded.query["messageReplyOption"] == FALLBACK["messageReplyOption"]
    token = url.rpartition("token=")[2]
    assert token not in repr(chat.requests)


def test_a_webhook_url_works_only_as_issued_and_in_its_space(
    chat: ChatServer, space: str
) -> None:
    url = chat.create_webhook(space)
    other_space = chat.create_space("elsewhere")

    forged = requests.post(
        url.replace("token=", "token=x"), json={"text": "x"}, timeout=5
    )
    moved = requests.post(
        url.replace(space, other_space), json={"text": "x"}, timeout=5
    )

    assert error_of(forged) == (401, "UNAUTHENTICATED")
    assert error_of(moved) == (401, "UNAUTHENTICATED")
    assert chat.messages(space) == chat.messages(other_space) == []


def test_a_webhook_cannot_send_a_private_message(chat: ChatServer, space: str) -> None:
    url = chat.create_webhook(space)
    body = {"text": "x", "privateMessageViewer": {"name": "users/1"}}

    assert error_of(requests.post(url, json=body, timeout=5)) == (
        400,
        "INVALID_ARGUMENT",
    )


def test_webhook_bursts_can_be_refused(chat: ChatServer, space: str) -> None:
    url = chat.create_webhook(space)
    chat.limit_webhook_bursts(2, window_seconds=60)
    try:
        statuses = [
            requests.post(url, json={"text": "x"}, timeout=5).status_code
            for _ in range(3)
        ]
    finally:
        chat.limit_webhook_bursts(None)

    assert statuses == [200, 200, 429]


# Failures on demand.


def test_injected_failures_answer_the_next_requests_then_stop(
    chat: ChatServer, session: Session, space: str
) -> None:
    chat.fail_next(2, Fault.RATE_LIMITED, retry_after=3)
    chat.fail_next(1, Fault.UNAVAILABLE)

    answers = [create(session, chat, space, {"text": "x"}) for _ in range(4)]

    assert [r.status_code for r in answers] == [429, 429, 503, 200]
    assert answers[0].headers["Retry-After"] == "3"
    assert error_of(answers[2]) == (503, "UNAVAILABLE")
    assert len(chat.messages(space)) == 1


def test_an_injected_disconnect_drops_the_connection(
    chat: ChatServer, session: Session, space: str
) -> None:
    chat.fail_next(1, Fault.DISCONNECT)

    with pytest.raises(requests.ConnectionError):
        create(session, chat, space, {"text": "x"})

    assert chat.requests[-1].status == 0
    assert create(session, chat, space, {"text": "x"}).status_code == 200


# Certificates for the tokens Chat sends to apps.


@pytest.mark.parametrize("kind", list(TokenKind))
def test_the_server_publishes_the_certificates_for_each_token_kind(
    chat: ChatServer, kind: TokenKind
) -> None:
    app = ChatApp("123456789012", "https://bot.test/chat")
    token = chat.identity.token(kind, app)
    audience = (
        app.project_number if kind is TokenKind.PROJECT_NUMBER else app.endpoint_url
    )

    claims = id_token.verify_token(
        token,
        google.auth.transport.requests.Request(),
        audience=audience,
        certs_url=chat.certs_url(kind),
    )

    assert claims["aud"] == audience
    response = requests.get(chat.certs_url(kind), timeout=5)
    assert response.headers["Cache-Control"] == "public, max-age=300"


def test_the_discovery_client_works_against_the_sandbox(
    chat: ChatServer, account: ServiceAccount, space: str
) -> None:
    from googleapiclient.discovery import build

    credentials = service_account.Credentials.from_service_account_info(
        chat.service_account_info(account),
        scopes=["https://www.googleapis.com/auth/chat.bot"],
    )
    client = build(
        "chat", "v1", credentials=credentials, client_options={"api_endpoint": chat.url}
    )

    message = (
        client.spaces()
        .messages()
        .create(parent=space, body={"text": "via discovery"}, messageId="client-disc")
        .execute()
    )

    assert message["name"] == f"{space}/messages/client-disc"
