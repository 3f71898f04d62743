"""The ids a finding's messages go by: valid for Chat, stable, and distinct."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

from notifier import chat_keys
from notifier.cards import finding_message, shown_version
from notifier.errors import DeliveryError
from notifier.finding import Finding, read_findings
from notifier.settings import CardSettings
from tests.conftest import (
    SAMPLES,
    load_json,
    real_finding_files,
    real_findings,
    sample_files,
)
from tests.delivery.conftest import sample, updated

CLIENT_ID = re.compile(r"client-[a-z0-9-]{1,56}")


def every_finding(paths: list[Path]) -> list[Finding]:
    return [f for path in paths for f in read_findings(load_json(path))]


@pytest.mark.parametrize("path", sample_files(), ids=lambda p: p.name)
def test_every_sample_gets_a_valid_client_id_and_thread_key(path: Path) -> None:
    for finding in read_findings(load_json(path)):
        assert CLIENT_ID.fullmatch(chat_keys.message_id(finding))
        assert CLIENT_ID.fullmatch(chat_keys.reply_id(finding))
        assert len(chat_keys.thread_key(finding)) <= 4000


@real_findings
def test_real_findings_get_valid_and_distinct_client_ids() -> None:
    findings = every_finding(real_finding_files())
    ids = {chat_keys.message_id(f) for f in findings}
    assert all(CLIENT_ID.fullmatch(i) for i in ids)
    assert len(ids) == len({chat_keys.finding_key(f) for f in findings})


def test_the_id_is_the_same_whatever_form_the_finding_arrived_in() -> None:
    event = load_json(SAMPLES / "eventbridge-instance-network-connection.json")
    from_event = Finding.from_document(event)
    from_api = Finding.from_document(copy.deepcopy(event["detail"]))

    assert chat_keys.message_id(from_event) == chat_keys.message_id(from_api)


def test_an_update_keeps_the_id_and_changes_the_reply_and_request_ids() -> None:
    document = sample()
    first = Finding.from_document(document)
    later = updated(document)

    assert chat_keys.message_id(first) == chat_keys.message_id(later)
    assert chat_keys.thread_key(first) == chat_keys.thread_key(later)
    assert chat_keys.reply_id(first) != chat_keys.reply_id(later)
    assert chat_keys.request_id(first) != chat_keys.request_id(later)


def test_the_same_id_in_another_account_is_another_card() -> None:
    document = sample()
    other = copy.deepcopy(document)
    other["accountId"] = "444455556666"
    other["arn"] = other["arn"].replace("111122223333", "444455556666")

    assert chat_keys.message_id(Finding.from_document(document)) != (
        chat_keys.message_id(Finding.from_document(other))
    )


def test_findings_of_one_type_on_one_resource_share_a_thread() -> None:
    document = sample("instance-port-probe.json")
    same = copy.deepcopy(document)
    same["id"] = "0" * 32
    elsewhere = copy.deepcopy(document)
    elsewhere["resource"]["instanceDetails"]["instanceId"] = "i-0fffffffffffffff0"
    other_type = copy.deepcopy(document)
    other_type["type"] = "Recon:EC2/Portscan"

    key = chat_keys.thread_key(Finding.from_document(document))

    assert chat_keys.thread_key(Finding.from_document(same)) == key
    assert chat_keys.thread_key(Finding.from_document(elsewhere)) != key
    assert chat_keys.thread_key(Finding.from_document(other_type)) != key


def test_a_digest_id_depends_on_the_batch_not_its_order() -> None:
    document = sample()
    a = Finding.from_document(document)
    b = Finding.from_document(sample("instance-port-probe.json"))

    assert chat_keys.digest_id([a, b]) == chat_keys.digest_id([b, a])
    assert chat_keys.digest_id([a, b]) != chat_keys.digest_id([a])
    assert chat_keys.digest_id([a, b]) != chat_keys.digest_id([updated(document), b])
    assert CLIENT_ID.fullmatch(chat_keys.digest_id([a, b]))


def test_a_finding_without_an_id_cannot_be_addressed() -> None:
    document = sample()
    document["id"] = ""
    document.pop("arn")

    with pytest.raises(DeliveryError) as failure:
        chat_keys.message_id(Finding.from_document(document))

    assert not failure.value.retryable


def test_a_card_says_which_version_and_severity_it_shows() -> None:
    finding = updated(sample(), severity=7.25)

    shown = shown_version(finding_message(finding, CardSettings()))

    assert shown is not None
    assert shown.version == finding.version
    assert shown.severity == 7.2  # as the card shows it, one decimal


def test_a_webhook_card_carries_no_version_marker() -> None:
    message = finding_message(
        Finding.from_document(sample()), CardSettings(), webhook=True
    )
    assert shown_version(message) is None


def test_a_lone_surrogate_in_a_resource_name_still_gives_a_stable_thread() -> None:
    document = sample("s3bucket-data-access.json")
    document["resource"]["s3BucketDetails"][0]["name"] = "logs\udc80"

    first, second = (chat_keys.thread_key(Finding(dict(document))) for _ in range(2))

    assert first == second
    assert re.fullmatch(r"[a-z0-9-]+", first)
