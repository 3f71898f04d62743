"""``python -m notifier preview``: a finding file as a Chat message, or an error."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.chat_schema import validate_message
from tests.conftest import ROOT, SAMPLES


def preview(*arguments: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "notifier", "preview", *map(str, arguments)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_preview_prints_a_valid_message_for_an_eventbridge_event() -> None:
    result = preview(SAMPLES / "eventbridge-instance-network-connection.json")
    assert result.returncode == 0, result.stderr
    message = json.loads(result.stdout)
    validate_message(message)
    assert message["fallbackText"].startswith("GuardDuty High 8.0: CryptoCurrency:EC2/")


def test_preview_webhook_variant_has_no_app_actions() -> None:
    result = preview("--webhook", SAMPLES / "accesskey-api-call.json")
    assert result.returncode == 0, result.stderr
    assert '"action"' not in result.stdout


def test_preview_digest_of_several_files_is_one_message() -> None:
    files = sorted(SAMPLES.glob("*.json"))
    result = preview("--digest", *files)
    assert result.returncode == 0, result.stderr
    message = json.loads(result.stdout)
    validate_message(message)
    title = message["cardsV2"][0]["card"]["header"]["title"]
    # The EventBridge sample wraps another sample's finding: listed once.
    assert title == f"GuardDuty: {len(files) - 1} findings"


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (
            '{"detail-type": "AWS API Call via CloudTrail", "source": "aws.guardduty"}',
            "not a GuardDuty finding",
        ),
        ("{not json", "not JSON"),
        ('{"hello": "world"}', "not a GuardDuty finding"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ],
)
def test_a_file_that_is_not_a_finding_is_one_line_and_exit_2(
    tmp_path: Path, content: str, error: str
) -> None:
    path = tmp_path / "input.json"
    path.write_text(content, encoding="utf-8")
    result = preview(path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert str(path) in result.stderr
    assert error in result.stderr


def test_a_missing_file_is_exit_2(tmp_path: Path) -> None:
    result = preview(tmp_path / "absent.json")
    assert (result.returncode, "cannot read" in result.stderr) == (2, True)
