"""SNS: what subscribers receive, read back through an SQS queue (moto)."""

import json

import pytest

from notifier.aws import AwsClients, AwsSettings
from notifier.budget import Budget
from notifier.errors import DeliveryError
from notifier.finding import Finding
from notifier.settings import CardSettings
from notifier.sns import MESSAGE_BYTES, Publisher, message_body, sns_subject
from notifier.summary import summarize
from tests.pipeline.conftest import finding, published, topic_with_queue

CARDS = CardSettings()
LONG_TITLE = (
    "🚨 Credentials of instance i-0a1b2c3d4e5f60718\nwere used from an external "
    "IP address (198.51.100.7) — café résumé naïve — while the instance "
    "called Tor"
)


def publisher(region: str = "us-east-1") -> Publisher:
    return Publisher(AwsClients(AwsSettings(region=region)), CardSettings())


def test_a_long_subject_with_emoji_and_a_newline_becomes_a_valid_sns_subject() -> None:
    assert len(LONG_TITLE) == 150

    subject = sns_subject(LONG_TITLE)

    assert subject == (
        "Credentials of instance i-0a1b2c3d4e5f60718 were used from an external IP "
        "address (198.51.100.7)..."
    )
    assert len(subject) == 99
    assert subject.isascii()
    assert subject.isprintable()


@pytest.mark.parametrize(
    ("title", "subject"),
    [
        ("", "GuardDuty finding"),
        ("🚨🔥", "GuardDuty finding"),
        ("a\r\nb\tc\x00d\x7fe", "a b c d e"),
        ("Zugriff über Tor", "Zugriff uber Tor"),
        ("  spaced   out  ", "spaced out"),
    ],
)
def test_subjects_are_printable_ascii_on_one_line(title: str, subject: str) -> None:
    assert sns_subject(title) == subject


def test_a_finding_is_published_with_attributes_subscribers_filter_on(
    aws: None,
) -> None:
    topic, queue = topic_with_queue()

    publisher().publish_finding(topic, finding(title=LONG_TITLE), Budget.of(5))

    [note] = published(queue)
    assert note["Subject"] == (
        "[GuardDuty] High 8.0: Credentials of instance i-0a1b2c3d4e5f60718 were "
        "used from an external IP..."
    )
    body = json.loads(note["Message"])
    assert body["id"] == finding().id
    assert body["finding"]["type"] == "UnauthorizedAccess:EC2/TorClient"
    assert body["consoleUrl"].startswith("https://eu-west-1.console.aws.amazon.com/")
    assert note["MessageAttributes"] == {
        "severity": {"Type": "Number", "Value": "8"},
        "severity_label": {"Type": "String", "Value": "High"},
        "finding_type": {"Type": "String", "Value": "UnauthorizedAccess:EC2/TorClient"},
        "account": {"Type": "String", "Value": "111122223333"},
        "region": {"Type": "String", "Value": "eu-west-1"},
        "sample": {"Type": "String", "Value": "false"},
    }


def test_a_finding_too_large_for_sns_is_sent_as_a_summary_with_its_link(
    aws: None,
) -> None:
    topic, queue = topic_with_queue()
    huge = finding(description="é" * 200_000)  # 400,000 bytes of UTF-8

    publisher().publish_finding(topic, huge, Budget.of(5))

    [note] = published(queue)
    body = json.loads(note["Message"])
    assert body["truncated"] is True
    assert "finding" not in body
    assert body["consoleUrl"] == huge.console_url
    assert body["id"] == huge.id
    limit = MESSAGE_BYTES - 4096
    full = message_body(huge, summarize(huge, CardSettings()), limit)
    assert len(full.encode("utf-8")) <= limit
    email = json.loads(full)["email"]
    assert email.startswith("The finding is too large to publish in full")
    assert huge.console_url is not None
    assert huge.console_url in email


def test_the_client_is_in_the_topics_region(aws: None) -> None:
    topic, queue = topic_with_queue(region="eu-west-1")

    publisher(region="us-east-1").publish_finding(topic, finding(), Budget.of(5))

    assert len(published(queue, region="eu-west-1")) == 1


def test_a_missing_topic_is_a_delivery_error_not_to_retry(aws: None) -> None:
    missing = "arn:aws:sns:us-east-1:123456789012:nowhere"

    with pytest.raises(DeliveryError) as caught:
        publisher().publish_finding(missing, finding(), Budget.of(5))

    assert caught.value.retryable is False
    assert str(caught.value) == "sns: NotFound"


def test_a_lone_surrogate_in_finding_text_still_makes_a_valid_message() -> None:
    document = dict(finding().document)
    document["title"] = "curl\ud800/8"

    body = message_body(Finding(document), summarize(Finding(document), CARDS), 250_000)

    structure = json.loads(body.encode("utf-8"))
    assert json.loads(structure["default"])["finding"]["title"] == "curl\ud800/8"
