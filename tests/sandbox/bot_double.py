"""A small Chat app on loopback, standing in for the bot in tests of the relay.

It does what the real bot does at its edge: verifies the bearer token with
google-auth against the local Chat's certificates (401 otherwise), tells the two
event formats apart, and answers in Google's real shapes, checked with
`validate_interaction_response` before they leave. What it answers:

- Archive: the finding's card again, archived, with "Archived by NAME at TIME"
  (UPDATE_MESSAGE, or `updateMessageAction`);
- Escalate: a dialog asking for a reason; its submit updates the card with the
  reason; closing it answers with an OK action status (or `endNavigation`);
- Refresh: a new message in the thread;
- anything from Ivy Intern: a private "not allowed" message;
- `/gd-help` and `/gd-finding ID`: a text message, a finding card;
- ADDED_TO_SPACE: a greeting.

`answer_next` and `delay_next` script misbehaviour for one event. On leaving its
`with` block it checks every event it received against the discovery schema.
"""

from __future__ import annotations

import copy
import http.server
import json
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

import google.auth.transport.requests
from google.oauth2 import id_token

from notifier.cards import finding_message
from notifier.finding import Finding
from notifier.handling import Action, Handling, history_from_message
from notifier.settings import CardSettings
from sandbox.chat_schema import Envelope, validate_event, validate_interaction_response
from sandbox.chat_server import ChatServer
from sandbox.google_identity import CHAT_ISSUER, GOOGLE_ISSUER, ChatApp, TokenKind
from sandbox.loopback import LoopbackServer

REFUSED = "ivy.intern@example.com"


class BotDouble:
    """A Chat app answering interaction events for the findings it knows."""

    def __init__(
        self,
        chat: ChatServer,
        findings: list[Finding],
        kind: TokenKind = TokenKind.ENDPOINT_URL,
        project_number: str = "123456789012",
    ) -> None:
        self.chat = chat
        self.kind = kind
        self.findings = {finding.arn: finding for finding in findings if finding.arn}
        self._http = LoopbackServer(_Handler)
        self._http.http_server.bot = self  # type: ignore[attr-defined]
        self.app = ChatApp(project_number, self._http.url + "/")
        self.events: list[dict[str, Any]] = []
        self.tokens: list[str] = []
        self.answers: list[dict[str, Any]] = []
        self._scripted: list[tuple[int, Any, float]] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return self.app.endpoint_url

    def __enter__(self) -> Self:
        self._http.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._http.stop()
        if error is None:
            # Whatever the tests did, every event the app received was valid.
            for event in self.events:
                validate_event(event)

    def answer_next(self, status: int, body: Any) -> None:
        """Answers the next event with this status and JSON body, unchecked."""
        with self._lock:
            self._scripted.append((status, body, 0.0))

    def delay_next(self, seconds: float) -> None:
        """Answers the next event normally, but only after `seconds`."""
        with self._lock:
            self._scripted.append((0, None, seconds))

    def handle(self, authorization: str, event: dict[str, Any]) -> tuple[int, Any]:
        """The status and body for one request."""
        if not self._verified(authorization):
            return 401, {"error": "unauthenticated"}
        with self._lock:
            self.events.append(event)
            scripted = self._scripted.pop(0) if self._scripted else None
        if scripted is not None:
            status, body, delay = scripted
            if delay:
                time.sleep(delay)
            else:
                return status, body

        envelope: Envelope = "chat" if "type" in event else "addon"
        answer = self._answer(Event(event))
        validate_interaction_response(answer, envelope=envelope)
        with self._lock:
            self.answers.append(answer)
        return 200, answer

    def _verified(self, authorization: str) -> bool:
        scheme, _, token = authorization.partition(" ")
        if scheme != "Bearer" or not token:
            return False
        request = google.auth.transport.requests.Request()
        audience = (
            self.app.project_number
            if self.kind is TokenKind.PROJECT_NUMBER
            else self.app.endpoint_url
        )
        try:
            claims = id_token.verify_token(
                token,
                request,
                audience=audience,
                certs_url=self.chat.certs_url(self.kind),
            )
        except ValueError:
            return False
        expected = {
            TokenKind.PROJECT_NUMBER: (CHAT_ISSUER, None),
            TokenKind.ENDPOINT_URL: (GOOGLE_ISSUER, CHAT_ISSUER),
            TokenKind.ADDON: (GOOGLE_ISSUER, self.app.addon_service_account),
        }[self.kind]
        if claims.get("iss") != expected[0] or claims.get("email") != expected[1]:
            return False
        with self._lock:
            self.tokens.append(token)
        return True

    def _answer(self, event: Event) -> dict[str, Any]:
        if event.kind == "ADDED_TO_SPACE":
            return event.new_message({"text": "Thanks for adding me! Try `/gd-help`."})
        if event.command_id is not None:
            return self._command(event)
        if event.user.get("email") == REFUSED:
            return event.new_message(
                {
                    "privateMessageViewer": {"name": event.user["name"]},
                    "text": f"You are not allowed to {event.parameters.get('action')}.",
                }
            )
        return self._click(event)

    def _click(self, event: Event) -> dict[str, Any]:
        if event.dialog == "CANCEL_DIALOG":
            return event.close_dialog("Nothing was escalated.")
        if event.dialog == "REQUEST_DIALOG":
            return event.dialog_card(_reason_dialog(event.parameters))
        action = Action(event.parameters.get("action", "show"))
        finding = self.findings[event.parameters["finding"]]
        history = history_from_message(event.message or {})
        now = datetime.now(UTC)
        if action is Action.REFRESH:
            return event.new_message({"text": f"Refreshed {finding.type}."})

        note = None
        if event.dialog == "SUBMIT_DIALOG":
            note = (event.inputs.get("reason") or [""])[0]
        entry = Handling(action, event.user["displayName"], now, note)
        if action is Action.ARCHIVE:
            finding = _archived(finding)
        message = finding_message(finding, CardSettings(), history=[*history, entry])
        return event.update_message(message)

    def _command(self, event: Event) -> dict[str, Any]:
        if event.command_id == 4:
            text = "*GuardDuty* commands: `/gd-finding ID`, `/gd-help`"
            return event.new_message({"text": text})
        wanted = event.argument.strip()
        for finding in self.findings.values():
            if finding.id == wanted:
                return event.new_message(finding_message(finding, CardSettings()))
        return event.new_message({"text": f"No finding {wanted}."})


class Event:
    """A typed view of either event format, for the double's routing."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.addon = "type" not in raw
        chat = raw.get("chat", {})
        self.user: dict[str, Any] = chat.get("user") if self.addon else raw["user"]
        payload: dict[str, Any] = next(
            (value for key, value in chat.items() if key.endswith("Payload")), {}
        )
        self.payload_name = next((key for key in chat if key.endswith("Payload")), None)
        common = raw.get("commonEventObject" if self.addon else "common", {})
        self.parameters: dict[str, str] = common.get("parameters", {})
        self.inputs = {
            name: value["stringInputs"]["value"]
            for name, value in common.get("formInputs", {}).items()
        }
        source = payload if self.addon else raw
        self.message: dict[str, Any] | None = source.get("message")
        self.dialog: str | None = source.get("dialogEventType")
        self.kind = raw.get("type") or self.payload_name
        if self.payload_name == "addedToSpacePayload":
            self.kind = "ADDED_TO_SPACE"
        metadata = source.get("appCommandMetadata")
        slash = (self.message or {}).get("slashCommand")
        self.command_id: int | None = None
        if metadata:
            self.command_id = int(metadata["appCommandId"])
        elif slash and self.kind == "MESSAGE":
            self.command_id = int(slash["commandId"])
        self.argument: str = (self.message or {}).get("argumentText", "")

    def new_message(self, message: Mapping[str, Any]) -> dict[str, Any]:
        if self.addon:
            action = {"createMessageAction": {"message": dict(message)}}
            return {"hostAppDataAction": {"chatDataAction": action}}
        return dict(message)

    def update_message(self, message: Mapping[str, Any]) -> dict[str, Any]:
        if self.addon:
            action = {"updateMessageAction": {"message": dict(message)}}
            return {"hostAppDataAction": {"chatDataAction": action}}
        return {"actionResponse": {"type": "UPDATE_MESSAGE"}, **message}

    def dialog_card(self, card: dict[str, Any]) -> dict[str, Any]:
        if self.addon:
            return {"action": {"navigations": [{"pushCard": card}]}}
        dialog = {"dialog": {"body": card}}
        return {"actionResponse": {"type": "DIALOG", "dialogAction": dialog}}

    def close_dialog(self, text: str) -> dict[str, Any]:
        if self.addon:
            end = {"endNavigation": {"action": "CLOSE_DIALOG"}}
            return {"action": {"navigations": [end], "notification": {"text": text}}}
        status = {"statusCode": "OK", "userFacingMessage": text}
        action = {"actionStatus": status}
        return {"actionResponse": {"type": "DIALOG", "dialogAction": action}}


def _reason_dialog(parameters: Mapping[str, str]) -> dict[str, Any]:
    submit = {
        "text": "Escalate",
        "onClick": {
            "action": {
                "function": "guardduty",
                "parameters": [{"key": k, "value": v} for k, v in parameters.items()],
            }
        },
    }
    return {
        "header": {"title": "Escalate this finding"},
        "sections": [
            {
                "widgets": [
                    {"textInput": {"name": "reason", "label": "Why escalate?"}},
                    {
                        "selectionInput": {
                            "name": "urgency",
                            "label": "Urgency",
                            "type": "RADIO_BUTTON",
                            "items": [
                                {"text": "Now", "value": "now", "selected": True},
                                {"text": "Today", "value": "today", "selected": False},
                            ],
                        }
                    },
                    {"buttonList": {"buttons": [submit]}},
                ]
            }
        ],
    }


def _archived(finding: Finding) -> Finding:
    document = copy.deepcopy(dict(finding.document))
    document.setdefault("service", {})["archived"] = True
    return Finding.from_document(document)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        bot: BotDouble = self.server.bot  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        event = json.loads(self.rfile.read(length) or b"{}")
        status, body = bot.handle(self.headers.get("Authorization", ""), event)
        payload = json.dumps(body).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        return
