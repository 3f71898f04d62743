"""Finding -> card -> verified click -> GuardDuty changed -> card updated, for every
action, in both event formats (classic Chat app events and Workspace add-on events).

Nothing here is a double: GuardDuty is the local stand-in behind boto3, the card is
posted by the notifier's Lambda handler with the real Chat app client, and every
click goes from the local Chat to the bot's Flask app over HTTP with a token the
bot verifies against the certificates the local Chat publishes.
"""

from __future__ import annotations

import re

import pytest
import requests

from notifier.cards import shown_version
from notifier.finding import Finding
from notifier.handling import Action, button_parameters
from sandbox import samples
from sandbox.card_clicks import click_targets
from sandbox.chat_answers import Effect
from sandbox.configuration import HOME_REGION
from sandbox.google_identity import Flaw
from sandbox.stack import Sandbox
from tests.e2e.conftest import (
    card,
    history,
    new_finding,
    press,
    stored,
    submit,
    text_of,
)

ALEX, OLU, IVY = "Alex Analyst", "Olu Oncall", "Ivy Intern"
WHEN = r"at \d{4}-\d\d-\d\d \d\d:\d\d UTC"


def post_empty_event(sandbox: Sandbox, token: str) -> requests.Response:
    """Posts `{}` straight to the bot: 401 if the token fails, else 400."""
    return requests.post(
        sandbox.bot_url,
        json={},
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )


def says(sandbox: Sandbox, finding: Finding, pattern: str) -> bool:
    return re.search(pattern, text_of(card(sandbox, finding))) is not None


def test_every_seeded_finding_gets_its_own_card(sandbox: Sandbox) -> None:
    seeded = sandbox.seeding.finding_ids

    assert len(seeded) == len(samples.load_findings())
    for finding_id in seeded:
        finding = stored(sandbox, finding_id)
        arns = {p.get("finding") for p in button_parameters(card(sandbox, finding))}
        assert arns == {finding.arn}
    assert len(sandbox.cards()) >= len(seeded)
    assert not [d for d in sandbox.queue.deliveries if d.failed]


def test_buttons_call_the_bot_the_way_the_app_is_set_up(sandbox: Sandbox) -> None:
    finding = new_finding(sandbox)
    functions = {
        target.action["function"]
        for target in click_targets(card(sandbox, finding))
        if target.action is not None
    }

    expected = sandbox.bot_url if sandbox.event_format == "addon" else "guardduty"
    assert functions == {expected}


@pytest.mark.parametrize("flaw", [Flaw.FOREIGN_KEY, Flaw.WRONG_AUDIENCE])
def test_the_bot_refuses_a_token_the_local_chat_did_not_sign_for_it(
    sandbox: Sandbox, flaw: Flaw
) -> None:
    token = sandbox.chat.identity.token(sandbox.token_kind, sandbox.app, flaw=flaw)
    good = sandbox.chat.identity.token(sandbox.token_kind, sandbox.app)

    forged = post_empty_event(sandbox, token)
    genuine = post_empty_event(sandbox, good)

    assert forged.status_code == 401
    assert genuine.status_code == 400, "a good token, then an event that is not one"


def test_acknowledge_gives_useful_feedback_naming_the_person(sandbox: Sandbox) -> None:
    finding = new_finding(sandbox)

    click = press(sandbox, finding, Action.ACKNOWLEDGE, OLU)

    assert click.ok
    assert click.effect is Effect.UPDATE_MESSAGE
    [feedback] = sandbox.guardduty.feedback(finding.id)
    assert feedback.feedback == "USEFUL"
    assert "Olu Oncall" in str(feedback.comments)
    assert stored(sandbox, finding.id).feedback == "USEFUL"
    assert says(sandbox, finding, f"Acknowledged by Olu Oncall {WHEN}")


def test_archive_archives_in_guardduty_and_offers_unarchive(sandbox: Sandbox) -> None:
    finding = new_finding(sandbox)

    click = press(sandbox, finding, Action.ARCHIVE, ALEX)

    assert click.ok
    assert click.effect is Effect.UPDATE_MESSAGE
    assert stored(sandbox, finding.id).archived
    assert says(sandbox, finding, f"Archived by Alex Analyst {WHEN}")
    actions = {p.get("action") for p in button_parameters(card(sandbox, finding))}
    assert "unarchive" in actions


def test_unarchive_reopens_the_finding(sandbox: Sandbox) -> None:
    finding = new_finding(sandbox)
    press(sandbox, finding, Action.ARCHIVE, ALEX)

    click = press(sandbox, finding, Action.UNARCHIVE, ALEX)

    assert click.ok
    assert not stored(sandbox, finding.id).archived
    assert [h.action for h in history(sandbox, finding)][-2:] == [
        Action.ARCHIVE,
        Action.UNARCHIVE,
    ]
    assert says(sandbox, finding, f"Unarchived by Alex Analyst {WHEN}")


def test_false_positive_marks_not_useful_and_archives(sandbox: Sandbox) -> None:
    finding = new_finding(sandbox)

    click = press(sandbox, finding, Action.FALSE_POSITIVE, ALEX)

    assert click.ok
    now = stored(sandbox, finding.id)
    assert now.archived
    assert now.feedback == "NOT_USEFUL"
    assert "Alex Analyst" in str(sandbox.guardduty.feedback(finding.id)[-1].comments)
    assert says(sandbox, finding, f"Marked false positive by Alex Analyst {WHEN}")


def test_escalate_asks_why_then_tells_the_on_call_space(sandbox: Sandbox) -> None:
    finding = new_finding(sandbox)
    before = len(sandbox.chat.messages(sandbox.oncall_space))

    opened = press(sandbox, finding, Action.ESCALATE, OLU)
    assert opened.ok
    assert opened.effect is Effect.DIALOG
    done = submit(sandbox, OLU, reason="Probes on the payment hosts")

    assert done.ok
    assert sandbox.chat.dialog(OLU) is None
    posts = sandbox.chat.messages(sandbox.oncall_space)[before:]
    assert len(posts) == 1
    assert f"<{sandbox.on_call.name}>" in posts[0]["text"]
    assert "Probes on the payment hosts" in text_of(posts[0])
    comments = str(sandbox.guardduty.feedback(finding.id)[-1].comments)
    assert "Olu Oncall" in comments
    assert "Probes on the payment hosts" in comments
    assert says(
        sandbox, finding, f"Escalated by Olu Oncall {WHEN}: Probes on the payment hosts"
    )


def test_an_archive_made_while_a_dialog_is_open_stays_on_the_card(
    sandbox: Sandbox,
) -> None:
    finding = new_finding(sandbox)
    assert press(sandbox, finding, Action.ESCALATE, OLU).ok
    assert press(sandbox, finding, Action.ARCHIVE, ALEX).ok

    done = submit(sandbox, OLU, reason="Probes on the payment hosts")

    assert done.ok
    assert [(h.action, h.actor) for h in history(sandbox, finding)] == [
        (Action.ARCHIVE, ALEX),
        (Action.ESCALATE, OLU),
    ]
    assert says(sandbox, finding, f"Archived by Alex Analyst {WHEN}")
    assert says(sandbox, finding, f"Escalated by Olu Oncall {WHEN}")


def test_suppress_similar_confirms_then_creates_an_archive_filter(
    sandbox: Sandbox,
) -> None:
    finding = new_finding(sandbox, "UnauthorizedAccess:EC2/SSHBruteForce")
    before = {f.name for f in sandbox.guardduty.filters(HOME_REGION)}

    opened = press(sandbox, finding, Action.SUPPRESS, ALEX)
    assert opened.ok
    assert opened.effect is Effect.DIALOG
    assert {f.name for f in sandbox.guardduty.filters(HOME_REGION)} == before
    done = submit(sandbox, ALEX)

    assert done.ok
    [rule] = [f for f in sandbox.guardduty.filters(HOME_REGION) if f.name not in before]
    assert rule.action == "ARCHIVE"
    assert rule.finding_criteria["criterion"]["type"] == {"equals": [finding.type]}
    assert says(
        sandbox, finding, f"Suppressed by Alex Analyst {WHEN} \\(filter {rule.name}\\)"
    )


def test_refresh_redraws_the_card_from_guardduty(sandbox: Sandbox) -> None:
    finding = new_finding(sandbox)
    with sandbox.queue.held():
        seen_again = Finding(sandbox.guardduty.bump(finding.id))
        sandbox.settle()
        stale = shown_version(card(sandbox, finding))
        assert stale is not None
        assert stale.version == finding.version

        click = press(sandbox, finding, Action.REFRESH, OLU)

        assert click.ok
        fresh = shown_version(card(sandbox, finding))
        assert fresh is not None
        assert fresh.version == seen_again.version
        assert seen_again.count == (finding.count or 0) + 1
        assert says(sandbox, finding, f"{seen_again.count} times, first")


def test_a_refused_person_is_told_privately_and_nothing_changes(
    sandbox: Sandbox,
) -> None:
    finding = new_finding(sandbox)
    shown = card(sandbox, finding)

    click = press(sandbox, finding, Action.ARCHIVE, IVY)

    assert click.ok
    assert click.effect is Effect.NEW_MESSAGE
    assert click.message is not None
    assert click.message["privateMessageViewer"] == {"name": sandbox.intern.name}
    assert "may not archive" in click.message["text"]
    assert stored(sandbox, finding.id).document == finding.document
    assert sandbox.guardduty.feedback(finding.id) == []
    assert card(sandbox, finding) == shown


def test_a_guardduty_update_edits_the_same_card_and_keeps_who_did_what(
    sandbox: Sandbox,
) -> None:
    finding = new_finding(sandbox)
    press(sandbox, finding, Action.ACKNOWLEDGE, ALEX)
    posted = card(sandbox, finding)
    messages = len(sandbox.chat.messages(sandbox.alerts_space))

    updated = Finding(sandbox.guardduty.bump(finding.id))
    sandbox.settle()

    edited = card(sandbox, finding)
    assert edited["name"] == posted["name"]
    assert edited["createTime"] == posted["createTime"]
    assert edited.get("lastUpdateTime") != posted.get("lastUpdateTime")
    assert len(sandbox.chat.messages(sandbox.alerts_space)) == messages
    version = shown_version(edited)
    assert version is not None
    assert version.version == updated.version
    assert says(sandbox, finding, f"{updated.count} times, first")
    assert says(sandbox, finding, f"Acknowledged by Alex Analyst {WHEN}")
    assert [h.action for h in history(sandbox, finding)] == [Action.ACKNOWLEDGE]
