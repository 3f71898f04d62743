"""Cards: valid against Google's schema for every finding, safe for hostile text."""

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notifier.cards import fallback_text, finding_message
from notifier.digest import digest_message
from notifier.finding import Finding, read_findings
from notifier.handling import Action, Handling, history_from_message
from notifier.settings import CardSettings
from sandbox.chat_schema import MAX_MESSAGE_BYTES, validate_message
from tests.conftest import (
    REAL_FINDINGS,
    load_json,
    real_finding_files,
    real_findings,
    sample_files,
)
from tests.notifier.test_finding import ARN, eventbridge, finding_document

CARDS = CardSettings(account_aliases={"111122223333": "production"})
ALLOWED_TAGS = re.compile(r'</?(b|i)>|<br>|<font color="#[0-9a-f]{6}">|</font>')
PLAIN_FIELDS = {
    "title",
    "subtitle",
    "topLabel",
    "bottomLabel",
    "fallbackText",
    "altText",
}
HTML_PARENTS = {"decoratedText", "textParagraph"}
INVISIBLE = re.compile(
    "[\u0000-\u0008\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069\ufeff]"
)


def strings(node: object, path: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    """Every string in a rendered message, with how Chat reads it: "html" for fields
    that take the HTML subset, "plain" for the others, "other" for ids and URLs."""
    if isinstance(node, dict):
        for name, value in node.items():
            yield from strings(value, (*path, name))
    elif isinstance(node, list):
        for item in node:
            yield from strings(item, path)
    elif isinstance(node, str):
        key, parent = path[-1], path[-2] if len(path) > 1 else ""
        if (key == "header" and parent == "sections") or (
            key == "text" and parent in HTML_PARENTS
        ):
            yield "html", node
        elif key in PLAIN_FIELDS or key == "text":
            yield "plain", node
        else:
            yield key, node


def assert_safe(message: dict[str, Any]) -> None:
    """Valid for Google, under the size limit, and no mention or link can form."""
    validate_message(message)
    size = len(json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode())
    assert size <= MAX_MESSAGE_BYTES
    assert "<" not in message.get("fallbackText", "") + message.get("text", "")
    for key, value in strings(message):
        assert not INVISIBLE.search(value), (key, value)
        if key == "plain":
            assert not {"<", ">"} & set(value), (key, value)
        elif key == "html":
            assert "<" not in ALLOWED_TAGS.sub("", value), (key, value)
        if key == "url":
            assert value.startswith("https://"), value


def every_finding_file() -> list[Path]:
    return [*sample_files(), *real_finding_files()]


@pytest.mark.parametrize("path", every_finding_file(), ids=lambda p: p.name)
@pytest.mark.parametrize("webhook", [False, True], ids=["app", "webhook"])
def test_every_sample_and_real_finding_renders_a_valid_card(
    path: Path, webhook: bool
) -> None:
    for finding in read_findings(load_json(path)):
        message = finding_message(finding, CARDS, webhook=webhook)
        assert_safe(message)
        card = message["cardsV2"][0]["card"]
        assert finding.type in card["header"]["subtitle"]


def test_samples_cover_every_resource_type_the_product_knows() -> None:
    types = {
        finding.resource_type
        for path in sample_files()
        for finding in read_findings(load_json(path))
    }
    assert {
        "Instance",
        "AccessKey",
        "S3Bucket",
        "EKSCluster",
        "ECSCluster",
        "Container",
        "Lambda",
        "RDSDBInstance",
        "RDSLimitlessDB",
        "EBSVolume",
        "AttackSequence",
    } <= types


def facts_of(message: dict[str, Any]) -> dict[str, str]:
    card = message["cardsV2"][0]["card"]
    return {
        widget["decoratedText"]["topLabel"]: widget["decoratedText"]["text"]
        for section in card["sections"]
        for widget in section["widgets"]
        if "topLabel" in widget.get("decoratedText", {})
    }


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        (
            "instance-network-connection.json",
            ["Instance", "Name tag", "Image", "Remote IP", "Location", "Organisation"],
        ),
        (
            "accesskey-api-call.json",
            [
                "Access key",
                "Principal",
                "User type",
                "API call",
                "User agent",
                "Remote IP",
            ],
        ),
        ("s3bucket-data-access.json", ["Buckets", "Public access"]),
        (
            "ekscluster-kubernetes-api-call.json",
            [
                "Cluster",
                "Namespace",
                "Workload",
                "Container image",
                "Kubernetes request",
            ],
        ),
        ("ecscluster-runtime-task.json", ["ECS cluster", "Task definition"]),
        ("container-runtime-process.json", ["Container image", "Process"]),
        ("lambda-network-connection.json", ["Function", "Execution role"]),
        ("rdsdbinstance-login-attempt.json", ["Database", "Database user", "Logins"]),
        ("rdslimitlessdb-login-attempt.json", ["Shard group", "Engine"]),
        ("ebsvolume-malware.json", ["Scanned volumes", "Malware"]),
        ("instance-dns-request.json", ["Domain"]),
        ("instance-port-probe.json", ["Probed ports"]),
        ("instance-runtime-monitoring.json", ["Process", "Command line"]),
        (
            "attacksequence-s3-compromised-data.json",
            ["Attack sequence", "Signals", "Resources in sequence"],
        ),
        ("agentruntime-future-resource-type.json", ["Resource type"]),
    ],
)
def test_cards_show_the_facts_a_responder_needs_per_resource_type(
    sample: str, expected: list[str]
) -> None:
    finding = Finding.from_document(load_json(Path("sandbox/samples") / sample))
    facts = facts_of(finding_message(finding, CARDS))
    assert set(expected) <= set(facts), sorted(facts)
    assert {"Type", "Account", "Region", "Seen", "Finding ID", "Severity"} <= set(facts)


def buttons_of(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    card = message["cardsV2"][0]["card"]
    found = {}
    for section in card["sections"]:
        for widget in section["widgets"]:
            for button in widget.get("buttonList", {}).get("buttons", []):
                found[button["text"]] = button
                for item in button["onClick"].get("overflowMenu", {}).get("items", []):
                    found[item["text"]] = item
    return found


def parameters(button: dict[str, Any]) -> dict[str, str]:
    action = button["onClick"]["action"]
    return {item["key"]: item["value"] for item in action["parameters"]}


def test_an_open_finding_has_every_action_and_a_console_link() -> None:
    finding = Finding.from_document(finding_document())
    buttons = buttons_of(finding_message(finding, CARDS))
    assert list(buttons) == [
        "Acknowledge",
        "Archive",
        "Escalate",
        "More",
        "False positive",
        "Suppress similar",
        "Refresh",
        "Open in console",
    ]
    assert parameters(buttons["Archive"]) == {
        "action": "archive",
        "finding": finding.arn,
    }
    assert buttons["Escalate"]["onClick"]["action"]["interaction"] == "OPEN_DIALOG"
    assert (
        buttons["Suppress similar"]["onClick"]["action"]["interaction"] == "OPEN_DIALOG"
    )
    assert buttons["Escalate"]["type"] == "FILLED"  # High severity: the main action
    assert (
        buttons["Open in console"]["onClick"]["openLink"]["url"] == finding.console_url
    )


def test_a_handled_finding_shows_who_did_what_and_the_matching_undo() -> None:
    document = finding_document()
    document["service"]["archived"] = True
    finding = Finding.from_document(document)
    history = (
        Handling(
            Action.ACKNOWLEDGE, "Ada Lovelace", datetime(2026, 12, 4, 9, 40, tzinfo=UTC)
        ),
        Handling(
            Action.ARCHIVE,
            "Grace <b>Hopper</b>",
            datetime(2026, 12, 4, 9, 45, tzinfo=UTC),
        ),
    )
    message = finding_message(finding, CARDS, history=history)
    assert_safe(message)
    lines = [
        w["decoratedText"]["text"]
        for w in message["cardsV2"][0]["card"]["sections"][0]["widgets"][:2]
    ]
    assert lines == [
        "<b>Acknowledged by Ada Lovelace at 2026-12-04 09:40 UTC</b>",
        "<b>Archived by Grace &lt;b&gt;Hopper&lt;/b&gt; at 2026-12-04 09:45 UTC</b>",
    ]
    buttons = buttons_of(message)
    assert "Unarchive" in buttons
    assert "Archive" not in buttons
    assert history_from_message(message) == history


def test_a_finding_archived_in_the_console_says_so_without_a_name() -> None:
    document = finding_document()
    document["service"]["archived"] = True
    message = finding_message(Finding.from_document(document), CARDS)
    first = message["cardsV2"][0]["card"]["sections"][0]["widgets"][0]
    assert first["decoratedText"]["text"] == "Archived in GuardDuty"
    assert "Unarchive" in buttons_of(message)


def test_escalation_and_suppression_notes_show_on_the_status_line() -> None:
    at = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    assert Handling(Action.ESCALATE, "Ada", at, "Prod DB reachable").summary() == (
        "Escalated by Ada at 2026-12-04 10:00 UTC: Prod DB reachable"
    )
    assert Handling(Action.SUPPRESS, "Ada", at, "chatops-tor-i-0a1").summary() == (
        "Suppressed by Ada at 2026-12-04 10:00 UTC (filter chatops-tor-i-0a1)"
    )


def test_the_webhook_variant_has_link_buttons_only() -> None:
    message = finding_message(
        Finding.from_document(finding_document()), CARDS, webhook=True
    )
    assert_safe(message)
    assert '"action"' not in json.dumps(message)
    assert list(buttons_of(message)) == ["Open in console"]


def test_sample_findings_are_marked_as_such() -> None:
    document = finding_document()
    document["service"]["additionalInfo"] = {
        "value": '{"sample":true}',
        "type": "default",
    }
    message = finding_message(Finding.from_document(document), CARDS)
    card = message["cardsV2"][0]["card"]
    assert card["header"]["title"].startswith("[SAMPLE] ")
    assert message["fallbackText"].startswith("Sample GuardDuty High 8.0:")


def test_the_account_alias_is_shown_beside_the_account_id() -> None:
    facts = facts_of(finding_message(Finding.from_document(finding_document()), CARDS))
    assert facts["Account"] == "production (111122223333)"


def test_the_fallback_text_is_built_from_validated_tokens_only() -> None:
    document = finding_document(
        type="Recon:EC2/<users/all>Probe <https://evil|x>", accountId="<users/all>"
    )
    message = finding_message(Finding.from_document(document), CARDS)
    assert message["fallbackText"] == (
        "GuardDuty High 8.0: Recon:EC2/users/allProbehttps:/evilx in unknown account "
        "(eu-west-1)"
    )


def test_a_huge_finding_is_cut_to_fit_one_message() -> None:
    document = finding_document(description="A" * 200_000, title="T" * 10_000)
    document["resource"]["instanceDetails"]["tags"] = [
        {"key": "Name", "value": "\u00e9" * 50_000}
    ]
    document["service"]["action"] = {
        "actionType": "PORT_PROBE",
        "portProbeAction": {
            "portProbeDetails": [
                {
                    "localPortDetails": {"port": port, "portName": "x" * 500},
                    "remoteIpDetails": {"ipAddressV4": f"203.0.113.{port % 250}"},
                }
                for port in range(2000)
            ]
        },
    }
    message = finding_message(Finding.from_document(document), CARDS)
    assert_safe(message)


LONG_ID = "a" * 5_000


@pytest.mark.parametrize(
    "change",
    [
        {"updatedAt": "T" * 40_000},
        {"id": LONG_ID, "arn": ARN.rsplit("/", 1)[0] + "/" + LONG_ID},
        {"id": "b" * 300, "arn": ARN.rsplit("/", 1)[0] + "/" + "b" * 300},
    ],
    ids=["unreadable-updatedAt", "5000-character-id", "longest-valid-id"],
)
def test_fields_repeated_in_buttons_and_links_cannot_outgrow_the_message(
    change: dict[str, str],
) -> None:
    message = finding_message(Finding.from_document(finding_document(**change)), CARDS)
    assert_safe(message)


def test_a_valid_time_with_no_utc_equivalent_renders_as_unknown() -> None:
    document = finding_document()
    document["service"]["eventLastSeen"] = "9999-12-31T23:59:59-14:00"
    facts = facts_of(finding_message(Finding.from_document(document), CARDS))
    assert facts["Seen"].endswith(", last 2026-12-04 09:35 UTC")


@pytest.mark.parametrize("top", [10, 18, 25])
def test_a_digest_of_long_titles_fits_one_message_whatever_top_is_set_to(
    top: int,
) -> None:
    findings = [
        Finding.from_document(
            finding_document(id=f"{n:032x}", arn=None, title="\u00e9" * 300)
        )
        for n in range(40)
    ]
    message = digest_message(findings, CARDS, top=top)
    assert_safe(message)
    headers = [s.get("header", "") for s in message["cardsV2"][0]["card"]["sections"]]
    listed = int(re.findall(r"Top (\d+) findings", " ".join(headers))[0])
    assert 1 <= listed <= top


def test_a_digest_counts_by_severity_type_and_account_and_lists_the_top() -> None:
    findings = [
        Finding.from_document(finding_document(id=f"{n:032x}", arn=None, severity=s))
        for n, s in enumerate([2, 5, 5, 8, 9.5, 7, 1])
    ]
    message = digest_message(findings, CARDS, top=3)
    assert_safe(message)
    card = message["cardsV2"][0]["card"]
    assert card["header"]["title"] == "GuardDuty: 7 findings"
    assert card["header"]["subtitle"] == "1 Critical, 2 High, 2 Medium, 2 Low"
    sections = {section["header"]: section["widgets"] for section in card["sections"]}
    top = [
        w["decoratedText"]["text"]
        for w in sections["Top 3 findings"]
        if "decoratedText" in w
    ]
    assert [re.findall(r"</b> ([\d.]+)", t) for t in top] == [["9.5"], ["8.0"], ["7.0"]]
    assert sections["By account"][0]["decoratedText"]["text"] == (
        "production (111122223333): <b>7</b>"
    )


@real_findings
def test_a_digest_of_every_real_finding_is_valid() -> None:
    findings = [
        f for path in real_finding_files() for f in read_findings(load_json(path))
    ]
    assert_safe(digest_message(findings, CARDS))
    assert_safe(digest_message(findings, CARDS, webhook=True))


HOSTILE = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "<users/all>",
            "<https://evil.example|Click me>",
            "<b>bold</b><script>x</script>",
            "\u202eevil\u202c",
            "a\x00b\x1bc",
            "\ud800broken",
            "\n\n*bold* _i_ `code`",
            "&lt;users/all&gt;",
            "x" * 40_000,
            "\u00e9" * 20_000,
            "<font color='red'>",
        ]
    ),
)


def replace_strings(node: Any, value: str) -> Any:
    if isinstance(node, dict):
        return {k: replace_strings(v, value) for k, v in node.items()}
    if isinstance(node, list):
        return [replace_strings(item, value) for item in node]
    if isinstance(node, str):
        return value
    return node


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile=HOSTILE, index=st.integers(min_value=0, max_value=100))
def test_hostile_strings_in_every_field_give_a_valid_safe_card(
    hostile: str, index: int
) -> None:
    files = sample_files()
    (original,) = read_findings(load_json(files[index % len(files)]))
    finding = Finding(replace_strings(original.document, hostile))
    assert_safe(finding_message(finding, CARDS))
    assert_safe(finding_message(finding, CARDS, webhook=True))
    assert_safe(digest_message([finding, finding], CARDS))


@settings(max_examples=40, deadline=None)
@given(hostile=HOSTILE)
def test_hostile_names_in_the_history_stay_text(hostile: str) -> None:
    finding = Finding.from_document(finding_document())
    history = [Handling(Action.ESCALATE, hostile or "x", datetime.now(UTC), hostile)]
    assert_safe(finding_message(finding, CARDS, history=history))


FINDING_TYPES = (
    REAL_FINDINGS.parent.parent / "reference" / "guardduty-finding-types.txt"
)


@pytest.mark.skipif(not FINDING_TYPES.is_file(), reason=f"{FINDING_TYPES} is absent")
def test_every_guardduty_finding_type_reads_unchanged_in_the_notification() -> None:
    types = FINDING_TYPES.read_text(encoding="utf-8").split()
    assert len(types) > 200
    for kind in types:
        finding = Finding.from_document(finding_document(type=kind))
        assert f": {kind} in 111122223333" in fallback_text(finding)


def test_a_digest_lists_each_finding_once_in_its_newest_version() -> None:
    older = finding_document()
    newer = finding_document(updatedAt="2026-12-04T11:00:00.000Z")
    newer["service"]["count"] = 9
    findings = [Finding.from_document(d) for d in (older, eventbridge(newer), older)]
    card = digest_message(findings, CARDS)["cardsV2"][0]["card"]
    assert card["header"]["title"] == "GuardDuty: 1 finding"
