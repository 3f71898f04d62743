"""Every request is verified first, the same way behind every entry point.

One shared suite runs against the Flask app, the Lambda function URL adapter and
the functions-framework target, for each of the three token kinds Google sends.
"""

from __future__ import annotations

import base64
import http.client
import http.server
import json
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import functions_framework
import pytest
import requests

from bot import cloud, lambda_url
from bot.app import create_app
from bot.dialogs import DIALOG, STEP
from bot.errors import Unauthenticated, VerifierUnavailable
from bot.settings import TokenKind as ConfiguredKind
from bot.settings import VerifySettings
from bot.verification import CertificateCache, Verifier
from notifier.config import parse
from notifier.handling import decode_history
from sandbox.bot_server import BotServer
from sandbox.chat_schema import validate_interaction_response
from sandbox.chat_server import ChatServer
from sandbox.google_identity import CHAT_CERTS_PATH, Flaw, TokenKind
from sandbox.loopback import LoopbackServer
from tests.bot import chat_events
from tests.bot.answers import dialog_card
from tests.bot.conftest import APP, config_document, sample, toml_text

Send = Callable[[str, str, dict[str, str], bytes], tuple[int, bytes]]
ADAPTERS = ["flask", "lambda-url", "functions-framework"]
KINDS = list(TokenKind)


@dataclass
class Endpoint:
    """One entry point of the bot, built from a configuration document."""

    name: str
    send: Send

    def post(self, body: bytes, authorization: str | None) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json"}
        if authorization is not None:
            headers["Authorization"] = authorization
        return self.send("POST", "/", headers, body)


def flask_endpoint(document: dict[str, Any], folder: Path) -> Send:
    client = create_app(parse(document, "test.toml")).test_client()

    def send(method: str, path: str, headers: dict[str, str], body: bytes):
        response = client.open(path, method=method, headers=headers, data=body)
        return response.status_code, response.data

    return send


def lambda_endpoint(document: dict[str, Any], folder: Path) -> Send:
    lambda_url._bot.cache_clear()

    def send(method: str, path: str, headers: dict[str, str], body: bytes):
        event = {
            "version": "2.0",
            "rawPath": path,
            "rawQueryString": "",
            "headers": {name.lower(): value for name, value in headers.items()},
            "requestContext": {"http": {"method": method, "path": path}},
            "body": base64.b64encode(body).decode("ascii"),
            "isBase64Encoded": True,
        }
        response = lambda_url.lambda_handler(event, None)
        assert response["headers"]["content-type"].startswith(
            ("text/", "application/json")
        )
        return response["statusCode"], response["body"].encode("utf-8")

    return send


def functions_endpoint(document: dict[str, Any], folder: Path) -> Send:
    cloud._bot.cache_clear()
    # Cloud Functions loads main.py; the deployment's shim is one import.
    shim = folder / "main.py"
    shim.write_text("from bot.cloud import chat_event\n", encoding="utf-8")
    client = functions_framework.create_app(
        target="chat_event", source=str(shim)
    ).test_client()

    def send(method: str, path: str, headers: dict[str, str], body: bytes):
        response = client.open(path, method=method, headers=headers, data=body)
        return response.status_code, response.data

    return send


BUILDERS = {
    "flask": flask_endpoint,
    "lambda-url": lambda_endpoint,
    "functions-framework": functions_endpoint,
}


def endpoint(
    name: str, document: dict[str, Any], folder: Path, monkeypatch: pytest.MonkeyPatch
) -> Endpoint:
    config = folder / "chatops.toml"
    config.write_text(toml_text(document), encoding="utf-8")
    monkeypatch.setenv("CHATOPS_CONFIG", str(config))
    return Endpoint(name, BUILDERS[name](document, folder))


@pytest.fixture(
    scope="module", params=[(a, k) for a in ADAPTERS for k in KINDS], ids=str
)
def configured(request, chat, tmp_path_factory) -> Iterator[tuple[Endpoint, TokenKind]]:
    adapter, kind = request.param
    with pytest.MonkeyPatch.context() as monkeypatch:
        folder = tmp_path_factory.mktemp(f"{adapter}-{kind.value}")
        yield endpoint(adapter, config_document(chat, kind), folder, monkeypatch), kind
    lambda_url._bot.cache_clear()
    cloud._bot.cache_clear()


def test_a_valid_token_of_each_kind_is_answered(configured, chat):
    point, kind = configured
    token = chat.identity.token(kind, APP)

    status, body = point.post(
        chat_events.body(chat_events.message("chat")), f"Bearer {token}"
    )

    assert status == 200
    answer = json.loads(body)
    validate_interaction_response(answer, envelope="chat")
    assert answer["privateMessageViewer"] == {"name": chat_events.ALICE["name"]}


def test_every_spoiled_token_is_refused_with_401(configured, chat):
    point, kind = configured
    email_flaws = (Flaw.WRONG_EMAIL, Flaw.UNVERIFIED_EMAIL)
    # Project-number tokens carry no email claim to spoil.
    flaws = [
        flaw
        for flaw in Flaw
        if kind is not TokenKind.PROJECT_NUMBER or flaw not in email_flaws
    ]

    for flaw in flaws:
        token = chat.identity.token(kind, APP, flaw=flaw)
        status, body = point.post(
            chat_events.body(chat_events.message("chat")), f"Bearer {token}"
        )
        assert (status, body) == (401, b"Unauthorized\n"), flaw


HOUR = 3600
LIFETIMES = {
    "a thousand years": (0, 1000 * 365 * 24 * HOUR),
    "three hours": (0, 3 * HOUR),
    "issued three hours ago": (-3 * HOUR, 10 * 60),
}


@pytest.mark.parametrize("times", LIFETIMES.values(), ids=LIFETIMES.keys())
def test_a_token_valid_for_more_than_two_hours_is_refused(configured, chat, times):
    point, kind = configured
    issued, expires = times
    claims = chat.identity.claims(kind, APP)
    now = claims["iat"]
    keys = chat.identity.chat_keys
    if kind is not TokenKind.PROJECT_NUMBER:
        keys = chat.identity.google_keys
    token = keys.sign({**claims, "iat": now + issued, "exp": now + expires})
    body = chat_events.body(chat_events.message("chat"))

    assert point.post(body, f"Bearer {token}") == (401, b"Unauthorized\n")
    two_hours = keys.sign({**claims, "exp": now + 2 * HOUR})
    assert point.post(body, f"Bearer {two_hours}")[0] == 200


def test_a_token_of_another_kind_is_refused(configured, chat):
    point, kind = configured
    others = [other for other in TokenKind if other is not kind]

    for other in others:
        token = chat.identity.token(other, APP)
        status, body = point.post(
            chat_events.body(chat_events.message("chat")), f"Bearer {token}"
        )
        assert (status, body) == (401, b"Unauthorized\n")


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Bearer not-a-jwt",
        "Bearer a.b.c",
        "Bearer " + "a" * 9000 + ".b.c",
        "Bearer eyJhbGciOiJSUzI1NiJ9.WzFd.c2ln",
    ],
    ids=[
        "absent",
        "empty",
        "no-token",
        "basic",
        "garbage",
        "junk-segments",
        "huge",
        "array-claims",
    ],
)
def test_a_missing_or_malformed_token_is_refused_with_401(configured, authorization):
    point, _ = configured

    status, body = point.post(
        chat_events.body(chat_events.message("chat")), authorization
    )

    assert (status, body) == (401, b"Unauthorized\n")


USER = {"name": "users/1"}
MALFORMED = {
    "not-json": b"not json",
    "array": b"[1, 2]",
    "unknown-type": {"type": "WIDGET_UPDATED", "user": USER},
    "no-user": {"type": "MESSAGE"},
    "bad-parameters": {
        "type": "CARD_CLICKED",
        "user": USER,
        "common": {"parameters": [1]},
    },
    "two-payloads": {
        "chat": {"user": USER, "messagePayload": {}, "buttonClickedPayload": {}},
        "commonEventObject": {},
    },
    "other-host": {
        "chat": {"user": USER, "messagePayload": {}},
        "commonEventObject": {"hostApp": "GMAIL"},
    },
    "unknown-shape": {"hello": "world"},
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_event_with_a_valid_token_is_a_400(configured, chat, body):
    point, kind = configured
    body = body if isinstance(body, bytes) else json.dumps(body).encode()

    status, answer = point.post(body, f"Bearer {chat.identity.token(kind, APP)}")

    assert (status, answer) == (400, b"Bad request\n")


def opening_escalation(**parameters: str) -> bytes:
    """A click on Escalate (opening its dialog), as JSON with escaped text."""
    chosen = {"action": "escalate", "finding": sample(FINDING)["arn"], **parameters}
    event = chat_events.click("chat", chosen, dialog="REQUEST_DIALOG")
    return json.dumps(event, ensure_ascii=True).encode("ascii")


FINDING = "instance-network-connection"


def test_a_user_name_with_a_lone_surrogate_is_a_400(configured, chat):
    point, kind = configured
    event = chat_events.message("chat")
    event["user"] = {**event["user"], "name": "users/1\ud800"}

    status, body = point.post(
        json.dumps(event).encode("ascii"), f"Bearer {chat.identity.token(kind, APP)}"
    )

    assert (status, body) == (400, b"Bad request\n")


def test_a_lone_surrogate_in_a_button_parameter_is_answered(configured, chat):
    point, kind = configured
    history = '[["archive","Bob\ud800",1700000000]]'

    status, body = point.post(
        opening_escalation(history=history, origin="digest\ud800"),
        f"Bearer {chat.identity.token(kind, APP)}",
    )

    assert status == 200
    card = dialog_card(json.loads(body.decode("utf-8")), "chat")
    action = card["fixedFooter"]["primaryButton"]["onClick"]["action"]
    confirm = {item["key"]: item["value"] for item in action["parameters"]}
    assert set(confirm) == {"action", "finding", "history", DIALOG, STEP}
    [entry] = decode_history(confirm["history"])
    assert entry.actor == "Bob\ufffd"


def test_an_unexpected_failure_is_a_fixed_short_answer(configured, chat, monkeypatch):
    point, kind = configured

    def broken(body: bytes) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("bot.interactions.parse_event", broken)

    status, body = point.post(
        chat_events.body(chat_events.message("chat")),
        f"Bearer {chat.identity.token(kind, APP)}",
    )

    assert (status, body) == (503, b"Service unavailable\n")


def test_a_failure_in_flask_itself_is_the_fixed_503_not_a_page(
    chat, tmp_path, monkeypatch
):
    def broken(bot: Any, request: Any) -> None:
        raise RuntimeError("a bug")

    point = endpoint("flask", config_document(chat), tmp_path, monkeypatch)
    monkeypatch.setattr("bot.app.answer", broken)

    status, body = point.post(chat_events.body(chat_events.message("chat")), None)

    assert (status, body) == (503, b"Service unavailable\n")


def test_health_needs_no_token_and_other_methods_are_refused(configured):
    point, _ = configured

    assert point.send("GET", "/healthz", {}, b"") == (200, b"ok\n")
    assert point.send("GET", "/", {}, b"") == (405, b"Method not allowed\n")


def test_the_lambda_adapter_refuses_a_body_that_is_not_base64(
    chat, tmp_path, monkeypatch
):
    endpoint("lambda-url", config_document(chat), tmp_path, monkeypatch)
    event = {
        "rawPath": "/",
        "headers": {
            "authorization": "Bearer "
            + chat.identity.token(TokenKind.PROJECT_NUMBER, APP)
        },
        "requestContext": {"http": {"method": "POST"}},
        "body": "%%% not base64 %%%",
        "isBase64Encoded": True,
    }

    response = lambda_url.lambda_handler(event, None)

    assert (response["statusCode"], response["body"]) == (400, "Bad request\n")
    lambda_url._bot.cache_clear()


def test_the_lambda_adapter_reads_plain_bodies(chat, tmp_path, monkeypatch):
    endpoint("lambda-url", config_document(chat), tmp_path, monkeypatch)
    event = {
        "rawPath": "/",
        "headers": {
            "authorization": "Bearer "
            + chat.identity.token(TokenKind.PROJECT_NUMBER, APP)
        },
        "requestContext": {"http": {"method": "POST"}},
        "body": json.dumps(chat_events.added("addon")),
        "isBase64Encoded": False,
    }

    response = lambda_url.lambda_handler(event, None)

    assert response["statusCode"] == 200
    validate_interaction_response(json.loads(response["body"]), envelope="addon")
    lambda_url._bot.cache_clear()


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/certs"


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_certificates_out_of_reach_give_503_not_a_crash(
    chat, tmp_path, monkeypatch, adapter, caplog
):
    document = config_document(chat)
    document["bot"]["verify"]["certs_url"] = closed_port_url()
    point = endpoint(adapter, document, tmp_path, monkeypatch)
    token = chat.identity.token(TokenKind.PROJECT_NUMBER, APP)

    status, body = point.post(
        chat_events.body(chat_events.message("chat")), f"Bearer {token}"
    )

    assert (status, body) == (503, b"Service unavailable\n")
    assert "cannot fetch signing certificates" in caplog.text
    assert token not in caplog.text
    lambda_url._bot.cache_clear()
    cloud._bot.cache_clear()


def verifier_for(
    chat: ChatServer, clock: Callable[[], float] = lambda: 0.0
) -> Verifier:
    settings = VerifySettings(
        audience=APP.project_number,
        issuer="chat@system.gserviceaccount.com",
        certs_url=chat.certs_url(TokenKind.PROJECT_NUMBER),
        kind=ConfiguredKind.PROJECT_NUMBER,
    )
    return Verifier(settings, clock=clock)


def certificate_fetches(chat: ChatServer) -> int:
    return sum(1 for r in chat.requests if r.path == CHAT_CERTS_PATH)


def test_a_second_verification_does_not_fetch_the_certificates_again():
    with ChatServer() as chat:
        verifier = verifier_for(chat)
        for _ in range(3):
            claims = verifier.verify(
                "Bearer " + chat.identity.token(TokenKind.PROJECT_NUMBER, APP)
            )
            assert claims["aud"] == APP.project_number

        assert certificate_fetches(chat) == 1


def test_certificates_are_fetched_again_after_their_max_age():
    now = [1000.0]
    with ChatServer() as chat:
        cache = CertificateCache(
            chat.certs_url(TokenKind.PROJECT_NUMBER),
            requests.Session(),
            clock=lambda: now[0],
        )
        cache.certificates()
        now[0] += 299  # the local Chat serves max-age=300
        cache.certificates()
        assert certificate_fetches(chat) == 1
        now[0] += 2
        cache.certificates()
        assert certificate_fetches(chat) == 2


def test_a_rotated_key_is_fetched_once_and_unknown_keys_do_not_hammer_google():
    now = [1000.0]
    with ChatServer() as chat:
        verifier = verifier_for(chat, clock=lambda: now[0])
        verifier.verify("Bearer " + chat.identity.token(TokenKind.PROJECT_NUMBER, APP))
        chat.identity.chat_keys.rotate()
        now[0] += 60  # well within max-age, past the refetch interval

        verifier.verify("Bearer " + chat.identity.token(TokenKind.PROJECT_NUMBER, APP))
        for _ in range(3):
            forged = chat.identity.token(
                TokenKind.PROJECT_NUMBER, APP, flaw=Flaw.UNKNOWN_KEY_ID
            )
            with pytest.raises(Unauthenticated, match="Certificate for key id"):
                verifier.verify("Bearer " + forged)

        assert certificate_fetches(chat) == 2


def test_a_certificates_document_that_is_not_a_key_map_is_unavailable(tmp_path):

    class Broken(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            payload = b'["not", "a", "map"]'
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            return

    with LoopbackServer(Broken) as server:
        cache = CertificateCache(server.url + "/certs", requests.Session())
        with pytest.raises(VerifierUnavailable):
            cache.certificates()


@pytest.fixture
def served_function(chat, tmp_path, monkeypatch) -> Iterator[int]:
    """The functions-framework target on a real WSGI server: its port."""
    endpoint("functions-framework", config_document(chat), tmp_path, monkeypatch)
    app = functions_framework.create_app(
        target="chat_event", source=str(tmp_path / "main.py")
    )
    with BotServer() as server:
        server.serve(app)
        yield int(server.url.rsplit(":", 1)[1].rstrip("/"))
    cloud._bot.cache_clear()


def sent_raw(port: int, request: bytes, then: bytes = b"") -> tuple[int, bytes]:
    """Sends ``request`` (and ``then``) and reads the answer, without ever
    sending the rest of the body it announces."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(request + then)
        answer = http.client.HTTPResponse(connection)
        answer.begin()
        return answer.status, answer.read()


def post_head(port: int, header: str) -> bytes:
    return (
        f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\n{header}\r\n\r\n"
    ).encode("ascii")


def test_a_declared_length_over_the_limit_is_refused_before_reading(
    served_function,
):
    request = post_head(served_function, "Content-Length: 1000000000")

    # The body never comes: reading it first would wait until the timeout.
    answer = sent_raw(served_function, request, then=b"{")

    assert answer == (413, b"Payload too large\n")


def test_a_chunked_body_is_read_no_further_than_the_limit(served_function):
    request = post_head(served_function, "Transfer-Encoding: chunked")
    chunk = b"%x\r\n%s\r\n" % (600_000, b" " * 600_000)

    # Two chunks pass the limit; the last chunk that would end the body never comes.
    answer = sent_raw(served_function, request, then=chunk * 2)

    assert answer == (413, b"Payload too large\n")


def test_an_oversized_body_is_refused_with_413(configured, chat):
    point, kind = configured
    token = chat.identity.token(kind, APP)

    status, body = point.post(b"{" + b" " * 1_000_000 + b"}", f"Bearer {token}")

    assert (status, body) == (413, b"Payload too large\n")
