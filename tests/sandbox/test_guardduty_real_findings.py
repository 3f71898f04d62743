"""Real GuardDuty findings from ../shared/findings/real run through the stand-in.

They are read where they lie, never copied into the project. Some are not
strictly model-valid (unknown keys such as findingTypeVersion, nulls, numbers
where the model says string); the stand-in must take them as GuardDuty wrote
them and serve them back to boto3.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.guardduty import GuardDutyStandIn, finding_of
from sandbox.guardduty.findings import home_region
from tests.sandbox.gd_support import client

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "findings" / "real"
FILES = sorted(REAL.glob("*.json")) if REAL.is_dir() else []

pytestmark = pytest.mark.skipif(
    not FILES, reason=f"{REAL} is absent (it sits beside the clone in CI)"
)


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


@pytest.fixture(scope="module")
def guardduty() -> Iterator[GuardDutyStandIn]:
    with GuardDutyStandIn() as gd:
        yield gd


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_each_real_finding_or_event_can_be_added_and_read_back(guardduty, path):
    finding = finding_of(load(path))
    assert finding is not None, "every file in the folder is a finding or an event"

    added = guardduty.add(load(path))
    region = home_region(added)
    found = client(guardduty, region).get_findings(
        DetectorId=guardduty.detector_id(region), FindingIds=[finding["id"]]
    )

    assert added == finding
    (served,) = found["Findings"]
    assert (served["Id"], served["Type"]) == (finding["id"], finding["type"])
    assert served["Severity"] == finding["severity"]
    assert served["AccountId"] == finding["accountId"]


def test_add_folder_takes_the_whole_folder():
    with GuardDutyStandIn() as gd:
        added = gd.add_folder(REAL)

    assert len(added) == len(FILES)
    assert {f["accountId"] for f in added} - {gd.administrator} <= gd.members
