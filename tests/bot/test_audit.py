"""One audit line per requested action; tokens, bodies and message text never logged."""

from __future__ import annotations

import json
import logging

from bot.dialogs import CONFIRM, STEP
from bot.logs import PLATFORM_VARIABLES, JsonFormatter, configure
from notifier.cards import action_parameters
from notifier.handling import Action
from sandbox.google_identity import TokenKind
from tests.bot import chat_events
from tests.bot.conftest import APP, sample
from tests.bot.test_actions import finding_of

FINDING = sample("instance-network-connection")
REASON = "the secret reason nobody logs"


def audit_lines(caplog) -> list[dict[str, str]]:
    return [record.audit for record in caplog.records if record.name == "bot.audit"]


def test_each_click_writes_who_did_what_to_which_finding_and_how_it_ended(
    harness, caplog
):
    caplog.set_level(logging.INFO)
    harness.detector()
    harness.expect("archive_findings", {}, FindingIds=[FINDING["id"]])
    harness.expect_finding(FINDING)
    archive = action_parameters(Action.ARCHIVE, finding_of(FINDING))

    harness.post(chat_events.click("addon", archive))
    harness.post(chat_events.click("chat", archive, user=chat_events.MALLORY))

    assert audit_lines(caplog) == [
        {
            "user": chat_events.ALICE["name"],
            "email": "alice@example.com",
            "action": "archive",
            "finding_id": FINDING["id"],
            "account": "444455556666",
            "region": "us-east-1",
            "outcome": "ok",
            "envelope": "addon",
        },
        {
            "user": chat_events.MALLORY["name"],
            "email": "mallory@example.org",
            "action": "archive",
            "finding_id": FINDING["id"],
            "account": "444455556666",
            "region": "us-east-1",
            "outcome": "refused",
            "envelope": "chat",
        },
    ]
    line = next(r.getMessage() for r in caplog.records if r.name == "bot.audit")
    assert json.loads(line.removeprefix("audit ")) == audit_lines(caplog)[0]


def test_no_token_body_or_person_text_reaches_the_log(harness, caplog):
    caplog.set_level(logging.INFO)
    token = harness.chat.identity.token(TokenKind.PROJECT_NUMBER, APP)
    escalate = action_parameters(Action.ESCALATE, finding_of(FINDING))
    harness.detector()
    harness.stub.add_client_error(
        "update_findings_feedback",
        service_error_code="InternalServerErrorException",
        http_status_code=500,
    )
    event = chat_events.click(
        "chat",
        {**escalate, STEP: CONFIRM},
        dialog="SUBMIT_DIALOG",
        form={"reason": REASON},
    )

    harness.post(event, token=token)
    harness.post(chat_events.message("chat", "hello there"), token=token + "x")

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "guardduty-error" in logged
    for secret in (token, token.split(".")[1], REASON, "hello there", FINDING["arn"]):
        assert secret not in logged


def test_on_a_platform_audit_lines_are_json_objects_with_their_fields(harness):
    record = logging.LogRecord(
        "bot.audit", logging.INFO, __file__, 1, "audit %s", ("{}",), None
    )
    record.audit = {"action": "archive", "outcome": "ok"}

    line = json.loads(JsonFormatter().format(record))

    assert line == {
        "severity": "INFO",
        "logger": "bot.audit",
        "message": "audit {}",
        "audit": {"action": "archive", "outcome": "ok"},
    }


def test_off_a_platform_logging_is_left_alone(monkeypatch):
    for name in PLATFORM_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    root = logging.getLogger()
    before = [(handler, handler.formatter) for handler in root.handlers]

    configure()

    assert [(handler, handler.formatter) for handler in root.handlers] == before
