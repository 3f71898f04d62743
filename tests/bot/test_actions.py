"""Card buttons: the exact GuardDuty calls, and the card each click answers with.

Every test runs for both event formats (classic Chat app events and Workspace
add-on events); every answer is validated against Google's schema.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from notifier.cards import action_parameters, finding_message
from notifier.finding import Finding
from notifier.handling import Action, Handling, encode_history
from notifier.settings import CardSettings
from tests.bot import chat_events
from tests.bot.answers import (
    button_parameters,
    new_message,
    private_text,
    updated_message,
)
from tests.bot.conftest import (
    ADMIN_DETECTOR,
    NOW,
    Harness,
    archived,
    boto_findings,
    make_harness,
    sample,
)

ENVELOPES = ["chat", "addon"]
MEMBER_FINDING = "instance-network-connection"
ALICE_SIGNATURE = "Alice Admin (alice@example.com)"


def finding_of(document: dict[str, Any]) -> Finding:
    return Finding.from_document(boto_findings(document))


def card_for(document: dict[str, Any], *history: Handling) -> dict[str, Any]:
    """The card the notifier's renderer draws for GuardDuty's answer."""
    return finding_message(finding_of(document), CardSettings(), history=history)


def press(
    harness: Harness,
    envelope: str,
    action: Action,
    document: dict[str, Any],
    **extra: str,
) -> Any:
    """Clicks ``action``'s button on ``document``'s card; the answer's JSON."""
    parameters = {**action_parameters(action, finding_of(document)), **extra}
    status, answer = harness.post(chat_events.click(envelope, parameters))
    assert status == 200
    return answer


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_acknowledge_marks_the_finding_useful_in_the_persons_name(harness, envelope):
    finding = sample(MEMBER_FINDING)
    harness.detector()
    harness.expect(
        "update_findings_feedback",
        {},
        FindingIds=[finding["id"]],
        Feedback="USEFUL",
        Comments=f"Acknowledged in Google Chat by {ALICE_SIGNATURE}",
    )
    harness.expect_finding(finding)

    answer = press(harness, envelope, Action.ACKNOWLEDGE, finding)

    message = updated_message(answer, envelope)
    assert message == card_for(
        finding, Handling(Action.ACKNOWLEDGE, "Alice Admin", NOW)
    )
    assert "Acknowledged by Alice Admin at 2026-12-01 10:00 UTC" in str(message)
    harness.stub.assert_no_pending_responses()


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_archive_uses_the_administrators_detector_and_offers_unarchive(
    harness, envelope
):
    finding = sample(MEMBER_FINDING)
    assert ADMIN_DETECTOR not in finding["arn"]  # the member's detector is in the ARN
    harness.detector()
    harness.expect("archive_findings", {}, FindingIds=[finding["id"]])
    harness.expect_finding(archived(finding))

    answer = press(harness, envelope, Action.ARCHIVE, finding)

    message = updated_message(answer, envelope)
    entry = Handling(Action.ARCHIVE, "Alice Admin", NOW)
    assert message == card_for(archived(finding), entry)
    actions = [p["action"] for p in button_parameters(message)]
    assert "unarchive" in actions
    assert "archive" not in actions
    harness.stub.assert_no_pending_responses()


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_unarchive_reopens_the_finding(harness, envelope):
    finding = sample(MEMBER_FINDING)
    before = (Handling(Action.ARCHIVE, "Bob", NOW),)
    harness.detector()
    harness.expect("unarchive_findings", {}, FindingIds=[finding["id"]])
    harness.expect_finding(finding)

    answer = press(
        harness,
        envelope,
        Action.UNARCHIVE,
        archived(finding),
        history=encode_history(before),
    )

    message = updated_message(answer, envelope)
    after = Handling(Action.UNARCHIVE, "Alice Admin", NOW)
    assert message == card_for(finding, *before, after)
    assert "archive" in [p["action"] for p in button_parameters(message)]


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_false_positive_gives_not_useful_feedback_then_archives(harness, envelope):
    finding = sample("accesskey-api-call")
    harness.detector()
    harness.expect(
        "update_findings_feedback",
        {},
        FindingIds=[finding["id"]],
        Feedback="NOT_USEFUL",
        Comments=f"Marked false positive in Google Chat by {ALICE_SIGNATURE}",
    )
    harness.expect("archive_findings", {}, FindingIds=[finding["id"]])
    harness.expect_finding(archived(finding))

    answer = press(harness, envelope, Action.FALSE_POSITIVE, finding)

    message = updated_message(answer, envelope)
    entry = Handling(Action.FALSE_POSITIVE, "Alice Admin", NOW)
    assert message == card_for(archived(finding), entry)
    assert "Marked false positive by Alice Admin" in str(message)
    harness.stub.assert_no_pending_responses()


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_refresh_redraws_from_guardduty_keeping_the_history(harness, envelope):
    finding = sample(MEMBER_FINDING)
    history = (Handling(Action.ACKNOWLEDGE, "Bob", NOW),)
    newer = {**finding, "service": {**finding["service"], "count": 99}}
    harness.detector()
    harness.expect_finding(newer)

    answer = press(
        harness, envelope, Action.REFRESH, finding, history=encode_history(history)
    )

    message = updated_message(answer, envelope)
    assert message == card_for(newer, *history)
    assert "99 times" in str(message)


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_a_digest_button_answers_with_the_findings_card_as_a_new_message(
    harness, envelope
):
    finding = sample(MEMBER_FINDING)
    harness.detector()
    harness.expect("archive_findings", {}, FindingIds=[finding["id"]])
    harness.expect_finding(archived(finding))

    answer = press(harness, envelope, Action.ARCHIVE, finding, origin="digest")

    message = new_message(answer, envelope)
    assert "privateMessageViewer" not in message
    assert message == card_for(
        archived(finding), Handling(Action.ARCHIVE, "Alice Admin", NOW)
    )


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_show_posts_the_full_card_without_touching_the_digest(harness, envelope):
    finding = sample("s3object-malicious-file")
    harness.detector()
    harness.expect_finding(finding)

    answer = press(harness, envelope, Action.SHOW, finding, origin="digest")

    assert new_message(answer, envelope) == card_for(finding)
    harness.stub.assert_no_pending_responses()


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_a_second_archive_adds_no_second_history_line(harness, envelope):
    finding = sample(MEMBER_FINDING)
    first = Handling(Action.ARCHIVE, "Bob", NOW)
    harness.detector()
    harness.expect("archive_findings", {}, FindingIds=[finding["id"]])
    harness.expect_finding(archived(finding))

    # A stale card (or a double click) carries the history with the archive in it.
    answer = press(
        harness, envelope, Action.ARCHIVE, finding, history=encode_history([first])
    )

    message = updated_message(answer, envelope)
    assert message == card_for(archived(finding), first)
    assert str(message).count("Archived by") == 1


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_a_stale_button_keeps_the_lines_the_card_shows_now(harness, envelope):
    finding = sample(MEMBER_FINDING)
    bob = Handling(Action.ACKNOWLEDGE, "Bob", NOW - timedelta(minutes=5))
    harness.detector()
    harness.expect("archive_findings", {}, FindingIds=[finding["id"]])
    harness.expect_finding(archived(finding))
    # The button was drawn before Bob acknowledged; the card in Chat shows him.
    parameters = action_parameters(Action.ARCHIVE, finding_of(finding))
    event = chat_events.click(envelope, parameters, card=card_for(finding, bob))

    status, answer = harness.post(event)

    assert status == 200
    alice = Handling(Action.ARCHIVE, "Alice Admin", NOW)
    assert updated_message(answer, envelope) == card_for(archived(finding), bob, alice)


EARLIER = Handling(Action.ACKNOWLEDGE, "Bob", NOW - timedelta(minutes=10))
LATER = Handling(Action.ESCALATE, "Carol", NOW - timedelta(minutes=5), "beaconing")


@pytest.mark.parametrize(
    ("on_the_card", "on_the_button"),
    [
        ((LATER,), (EARLIER,)),
        ((EARLIER, LATER), (EARLIER,)),
    ],
)
def test_the_answer_holds_each_line_of_the_card_and_the_button_once_in_time_order(
    harness, on_the_card, on_the_button
):
    finding = sample(MEMBER_FINDING)
    harness.detector()
    harness.expect_finding(finding)
    parameters = action_parameters(Action.REFRESH, finding_of(finding), on_the_button)
    event = chat_events.click("chat", parameters, card=card_for(finding, *on_the_card))

    status, answer = harness.post(event)

    assert status == 200
    assert updated_message(answer, "chat") == card_for(finding, EARLIER, LATER)


def test_the_lines_of_another_findings_buttons_are_not_taken(harness):
    finding = sample(MEMBER_FINDING)
    stranger = Handling(Action.ARCHIVE, "Mallory", NOW)
    harness.detector()
    harness.expect_finding(finding)
    # A message whose buttons name another finding (a digest, say).
    parameters = action_parameters(Action.REFRESH, finding_of(finding))
    other = card_for(sample("accesskey-api-call"), stranger)

    status, answer = harness.post(chat_events.click("chat", parameters, card=other))

    assert status == 200
    assert updated_message(answer, "chat") == card_for(finding)


def test_the_detector_is_looked_up_once_per_region(harness):
    finding = sample(MEMBER_FINDING)
    harness.detector()
    for _ in range(2):
        harness.expect_finding(finding)

    for _ in range(2):
        answer = press(harness, "chat", Action.REFRESH, finding)
        assert updated_message(answer, "chat") == card_for(finding)

    harness.stub.assert_no_pending_responses()


@pytest.mark.parametrize("envelope", ENVELOPES)
@pytest.mark.parametrize(
    ("user", "action", "refusal"),
    [
        (chat_events.MALLORY, Action.ARCHIVE, "You may not archive findings."),
        (chat_events.MALLORY, Action.REFRESH, "You may not refresh finding cards."),
        (
            {**chat_events.ALICE, "email": "carol@example.com"},
            Action.SUPPRESS,
            "You may not suppress findings.",
        ),
        (
            {**chat_events.ALICE, "type": "BOT"},
            Action.ACKNOWLEDGE,
            "You may not acknowledge findings.",
        ),
    ],
)
def test_a_refused_person_is_told_privately_and_guardduty_is_not_called(
    harness, envelope, user, action, refusal
):
    finding = sample(MEMBER_FINDING)
    parameters = action_parameters(action, finding_of(finding))

    # No response is queued: any GuardDuty call would fail the answer.
    status, answer = harness.post(chat_events.click(envelope, parameters, user=user))

    assert status == 200
    text = private_text(answer, envelope, user)
    assert text.startswith(refusal)
    assert f"bot.permissions ({action.value})" in text
    harness.stub.assert_no_pending_responses()


@pytest.mark.parametrize("envelope", ENVELOPES)
@pytest.mark.parametrize(
    ("arn", "words"),
    [
        (
            "arn:aws:guardduty:us-east-1:444455556666:detector/x/finding/../../etc",
            "does not name",
        ),
        ("arn:aws:s3:::bucket", "does not name"),
        ("", "does not name"),
        (
            "arn:aws:guardduty:ap-south-1:444455556666:detector/abc/finding/abc123",
            "does not act on findings in ap-south-1",
        ),
    ],
)
def test_button_parameters_are_checked_before_any_call(chat, envelope, arn, words):
    for harness in make_harness(chat, aws={"regions": ["us-east-1", "eu-west-1"]}):
        parameters = {"action": "archive", "finding": arn}
        status, answer = harness.post(chat_events.click(envelope, parameters))
        assert status == 200
        assert words in private_text(answer, envelope)
        harness.stub.assert_no_pending_responses()


MEMBER_DETECTOR_MESSAGE = (
    "The request is rejected because the input detectorId is not owned by the "
    "current account."
)


@pytest.mark.parametrize("envelope", ENVELOPES)
@pytest.mark.parametrize(
    ("code", "status_code", "message", "words"),
    [
        (
            "BadRequestException",
            400,
            MEMBER_DETECTOR_MESSAGE,
            "does not own the detector in us-east-1",
        ),
        ("TooManyRequestsException", 429, "Rate exceeded", "GuardDuty is busy"),
        ("InternalServerErrorException", 500, "Internal error", "failed to answer"),
        ("AccessDeniedException", 403, "not authorized", "not allowed to do this"),
    ],
)
def test_a_guardduty_error_is_told_privately_and_the_card_stays(
    harness, envelope, code, status_code, message, words
):
    finding = sample(MEMBER_FINDING)
    harness.detector()
    harness.stub.add_client_error(
        "archive_findings",
        service_error_code=code,
        service_message=message,
        http_status_code=status_code,
        expected_params={"DetectorId": ADMIN_DETECTOR, "FindingIds": [finding["id"]]},
    )

    answer = press(harness, envelope, Action.ARCHIVE, finding)

    assert words in private_text(answer, envelope)
    harness.stub.assert_no_pending_responses()


def test_the_member_detector_error_forgets_the_cached_detector(harness):
    finding = sample(MEMBER_FINDING)
    harness.detector()
    harness.stub.add_client_error(
        "get_findings",
        service_error_code="BadRequestException",
        service_message=MEMBER_DETECTOR_MESSAGE,
        http_status_code=400,
    )
    harness.detector()
    harness.expect_finding(finding)

    first = private_text(press(harness, "chat", Action.REFRESH, finding), "chat")
    second = press(harness, "chat", Action.REFRESH, finding)

    assert "Only the GuardDuty administrator account" in first
    assert updated_message(second, "chat") == card_for(finding)
    harness.stub.assert_no_pending_responses()


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_a_finding_guardduty_no_longer_has_is_explained(harness, envelope):
    finding = sample(MEMBER_FINDING)
    harness.detector()
    harness.stub.add_response(
        "get_findings",
        {"Findings": []},
        {"DetectorId": ADMIN_DETECTOR, "FindingIds": [finding["id"]]},
    )

    answer = press(harness, envelope, Action.REFRESH, finding)

    text = private_text(answer, envelope)
    assert finding["id"] in text
    assert "90 days" in text


def test_no_detector_in_the_region_is_explained(harness):
    harness.stub.add_response("list_detectors", {"DetectorIds": []}, {})
    finding = sample(MEMBER_FINDING)

    text = private_text(press(harness, "chat", Action.ARCHIVE, finding), "chat")

    assert text == "GuardDuty is not enabled for the bot's account in us-east-1."
