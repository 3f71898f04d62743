"""E-mail and SNS messages for every sample and real finding: within limits, and no
markup from a finding survives into the HTML."""

import email
import email.policy
import json
import re
from pathlib import Path

import pytest

from notifier.email import compose
from notifier.finding import Finding, read_findings
from notifier.outcome import ChannelOutcome, FindingOutcome, Result, Status, tally
from notifier.settings import CardSettings, EmailList
from notifier.sns import MESSAGE_BYTES, message_body, sns_subject
from notifier.summary import summarize
from tests.conftest import load_json, real_finding_files, sample_files

OUR_TAGS = re.compile(
    r"<!DOCTYPE html>|</?(html|body|h2|h3|table|tr|th|td|p|a|br)"
    r'( [a-z-]+="[^"<>]*")*>'
)
LIST = EmailList("security", ("secops@example.com",))


def every_finding() -> list[tuple[str, Finding]]:
    files: list[Path] = [*sample_files(), *real_finding_files()]
    return [
        (f"{path.name}#{n}", found)
        for path in files
        for n, found in enumerate(read_findings(load_json(path)))
    ]


@pytest.mark.parametrize(("name", "finding"), every_finding())
def test_every_finding_makes_a_safe_email_and_sns_message(
    name: str, finding: Finding
) -> None:
    summary = summarize(finding, CardSettings())

    raw = compose(summary, "guardduty@example.com", LIST).as_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    html = message.get_body(("html",))
    assert html is not None
    assert "<" not in OUR_TAGS.sub("", html.get_content()), name
    assert max(raw) < 0x80
    body = message_body(finding, summary, MESSAGE_BYTES - 4096)
    assert len(body.encode("utf-8")) <= MESSAGE_BYTES - 4096
    assert json.loads(json.loads(body)["default"])["id"] == finding.id
    subject = sns_subject(summary.subject)
    assert 0 < len(subject) < 100
    assert subject.isascii()
    assert subject.isprintable()


def test_a_repeated_outcome_counts_once_in_the_metrics() -> None:
    sent = ChannelOutcome("email:security", "email", Result.SENT)
    failed = ChannelOutcome("chat:spaces/A", "chat", Result.FAILED)
    outcome = FindingOutcome("f1", "v1", "all", (failed, sent), Status.DONE)

    counts = tally([outcome, outcome])

    assert counts["Delivered"] == 1
    assert counts["FellBack"] == 1
    assert counts["EmailSent"] == 1
    assert counts["ChatFailed"] == 1
    assert counts["Failed"] == 0
