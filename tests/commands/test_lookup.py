"""``/gd-finding``: the finding's full card, looked for where the argument says."""

from __future__ import annotations

import pytest

from bot.lookup import AddressError, FindingAddress, parse_address
from notifier.cards import finding_message
from notifier.finding import Finding
from notifier.settings import CardSettings
from tests.bot.conftest import boto_findings
from tests.commands.conftest import (
    FORM_IDS,
    FORMS,
    answer_message,
    command,
    in_region,
    make_regions,
    private_text,
)

FINDING_ID = "0123456789abcdef0123456789abcdef"


def card_of(document):
    return finding_message(
        Finding.from_document(boto_findings(document)), CardSettings()
    )


@pytest.mark.parametrize("form", FORMS, ids=FORM_IDS)
def test_an_id_is_looked_for_in_every_region_and_answered_with_its_card(regions, form):
    finding = in_region("instance-port-probe", "eu-west-1", FINDING_ID)
    regions.detector("us-east-1")
    regions.expect(
        "us-east-1", "get_findings", {"Findings": []}, FindingIds=[FINDING_ID]
    )
    regions.detector("eu-west-1")
    regions.expect_get("eu-west-1", finding)

    answer = regions.ask(command(form, "finding", f" {FINDING_ID} "))

    message = answer_message(answer, form[0])
    assert "privateMessageViewer" not in message  # the space's card to act on
    assert message == card_of(finding)
    regions.done()


@pytest.mark.parametrize("form", FORMS, ids=FORM_IDS)
def test_an_arn_is_looked_up_in_its_own_region_only(regions, form):
    finding = in_region("s3object-malicious-file", "eu-west-1", FINDING_ID)
    regions.detector("eu-west-1")
    regions.expect_get("eu-west-1", finding)

    answer = regions.ask(command(form, "finding", finding["arn"]))

    assert answer_message(answer, form[0]) == card_of(finding)
    regions.done()


@pytest.mark.parametrize(
    "link",
    [
        "https://eu-west-1.console.aws.amazon.com/guardduty/home?region=eu-west-1"
        f"#/findings?macros=current&fId={FINDING_ID}",
        "<https://console.aws.amazon.com/guardduty/home?region=eu-west-1"
        f"#/findings?search=id%3D{FINDING_ID}>",
    ],
)
def test_a_console_link_is_looked_up_in_its_region(regions, link):
    finding = in_region("instance-port-probe", "eu-west-1", FINDING_ID)
    regions.detector("eu-west-1")
    regions.expect_get("eu-west-1", finding)

    answer = regions.ask(command(("chat", "APP_COMMAND"), "finding", link))

    assert answer_message(answer, "chat") == card_of(finding)
    regions.done()


@pytest.mark.parametrize("form", FORMS, ids=FORM_IDS)
def test_an_unknown_id_gets_a_clear_private_answer(regions, form):
    for region in ("us-east-1", "eu-west-1"):
        regions.detector(region)
        regions.expect(
            region, "get_findings", {"Findings": []}, FindingIds=[FINDING_ID]
        )

    answer = regions.ask(command(form, "finding", FINDING_ID))

    assert private_text(answer, form[0]) == (
        f"GuardDuty has no finding `{FINDING_ID}` in us-east-1 or eu-west-1 for the "
        "bot's account. It keeps findings for 90 days, and only the administrator "
        "account sees its members' findings."
    )
    regions.done()


def test_a_region_that_fails_is_named_when_the_finding_is_not_found(regions):
    regions.detector("us-east-1")
    regions.expect(
        "us-east-1", "get_findings", {"Findings": []}, FindingIds=[FINDING_ID]
    )
    regions.detector("eu-west-1")
    regions.fail("eu-west-1", "get_findings", "AccessDeniedException")

    answer = regions.ask(command(("addon", "APP_COMMAND"), "finding", FINDING_ID))

    words = private_text(answer, "addon")
    assert "no finding `0123456789abcdef0123456789abcdef` in us-east-1 for" in words
    assert words.endswith(
        "Not searched: eu-west-1: The bot is not allowed to do this in GuardDuty. "
        "Its AWS role needs the permission."
    )
    regions.done()


@pytest.mark.parametrize(
    ("argument", "reason"),
    [
        ("", "Which finding?"),
        ("abc def", "Give one finding at a time."),
        ("<users/all>", "That is not a finding id."),
        ("arn:aws:s3:::bucket", "That is not a GuardDuty finding ARN."),
        ("https://example.com/guardduty?fId=abc", "That is not a GuardDuty console"),
        (
            "https://console.aws.amazon.com/guardduty/home?region=eu-west-1#/findings",
            "That console link names no finding (fId=...).",
        ),
    ],
)
def test_a_malformed_argument_gets_the_syntax_privately(regions, argument, reason):
    answer = regions.ask(command(("chat", "MESSAGE"), "finding", argument))

    words = private_text(answer, "chat")
    assert words.startswith(reason)
    assert "Usage: /gd-finding ID, where ID is a finding id, a finding ARN" in words
    assert "<" not in words
    regions.done()


def test_a_region_the_bot_does_not_search_is_refused(regions):
    arn = in_region("instance-port-probe", "ap-south-1", FINDING_ID)["arn"]

    answer = regions.ask(command(("chat", "APP_COMMAND"), "finding", arn))

    assert private_text(answer, "chat") == (
        "This bot does not search ap-south-1; it searches us-east-1, eu-west-1."
    )
    regions.done()


def test_a_person_without_the_show_permission_is_refused(chat):
    no_show = {"default": ["*@example.com"], "show": ["bob@example.com"]}
    for regions in make_regions(chat, bot={"permissions": no_show}):
        answer = regions.ask(command(("chat", "APP_COMMAND"), "finding", FINDING_ID))

        assert private_text(answer, "chat").startswith(
            "You may not look up GuardDuty findings."
        )
        regions.done()


@pytest.mark.parametrize(
    ("argument", "address"),
    [
        (FINDING_ID, FindingAddress(FINDING_ID)),
        (
            f"arn:aws-us-gov:guardduty:us-gov-west-1:111122223333:detector/"
            f"{'b' * 32}/finding/{FINDING_ID}",
            FindingAddress(FINDING_ID, "us-gov-west-1"),
        ),
        (
            f"https://console.amazonaws.cn/guardduty/home?region=cn-north-1#/findings"
            f"?fId={FINDING_ID}",
            FindingAddress(FINDING_ID, "cn-north-1"),
        ),
        (
            f"<https://us-east-2.console.aws.amazon.com/guardduty/home#/findings"
            f"?fId={FINDING_ID}|the finding>",
            FindingAddress(FINDING_ID, "us-east-2"),
        ),
    ],
)
def test_addresses_name_the_finding_and_its_region(argument, address):
    assert parse_address(argument) == address


def test_a_link_without_a_region_is_refused():
    with pytest.raises(AddressError, match="names no Region"):
        parse_address(
            f"https://console.aws.amazon.com/guardduty/home#/findings?fId={FINDING_ID}"
        )
