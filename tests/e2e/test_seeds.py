"""Seeding GuardDuty from a folder: findings and events are taken, anything else is
skipped with a reason, and the findings taken get their cards."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sandbox.stack import Sandbox, SandboxError, read_seeds
from tests.conftest import SAMPLES, load_json

BARE = "instance-port-probe.json"
EVENT = "eventbridge-instance-network-connection.json"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A bare finding, a finding event, and four files that are neither."""
    for name in (BARE, EVENT):
        (tmp_path / name).write_text((SAMPLES / name).read_text("utf-8"), "utf-8")
    scan = load_json(SAMPLES / EVENT)
    scan["detail-type"] = "GuardDuty Malware Protection Object Scan Result"
    (tmp_path / "scan-result.json").write_text(json.dumps(scan), "utf-8")
    (tmp_path / "config.json").write_text('{"hello": "world"}', "utf-8")
    (tmp_path / "list.json").write_text("[1, 2]", "utf-8")
    (tmp_path / "broken.json").write_text('{"id": ', "utf-8")
    (tmp_path / "notes.txt").write_text("not looked at", "utf-8")
    return tmp_path


def test_findings_and_events_are_taken_and_the_rest_skipped(folder: Path) -> None:
    seeds = read_seeds(folder)

    assert [name for name, _ in seeds.documents] == [EVENT, BARE]
    reasons = {skipped.path.name: skipped.reason for skipped in seeds.skipped}
    assert reasons == {
        "broken.json": "not JSON (line 1)",
        "config.json": "not a GuardDuty finding or GuardDuty Finding event",
        "list.json": "not a GuardDuty finding or GuardDuty Finding event",
        "scan-result.json": "not a GuardDuty finding or GuardDuty Finding event",
    }
    assert seeds.regions == ("eu-west-1", "us-east-1")


@pytest.mark.parametrize("make", [lambda p: p / "missing", lambda p: p])
def test_a_folder_without_findings_is_refused(tmp_path: Path, make) -> None:
    with pytest.raises(SandboxError):
        read_seeds(make(tmp_path))


def test_a_seeded_folder_runs_through_the_whole_loop(folder: Path) -> None:
    with Sandbox(findings=folder) as sandbox:
        seeding = sandbox.seeding
        cards = [sandbox.card(finding_id) for finding_id in seeding.finding_ids]

    assert len(seeding.finding_ids) == 2
    assert all(card is not None for card in cards)
    assert len(seeding.skipped) == 4
