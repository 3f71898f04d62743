"""``python -m notifier send``: exit 0 when every finding went somewhere or was
skipped on purpose, 1 naming the findings that went nowhere, 2 for bad input."""

import json
from pathlib import Path
from typing import Any

import pytest

from notifier import channels, cli
from notifier.chat import ChatApp
from tests.pipeline.conftest import (
    Mailbox,
    closed_port,
    configuration,
    finding,
    to_toml,
)


@pytest.fixture
def configure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chat_down: ChatApp
) -> Any:
    def write(document: dict[str, Any]) -> None:
        path = tmp_path / "chatops.toml"
        path.write_text(to_toml(document), encoding="utf-8")
        monkeypatch.setenv("CHATOPS_CONFIG", str(path))
        monkeypatch.setattr(channels, "chat_clients", lambda *_: (chat_down, None))

    return write


def finding_files(tmp_path: Path, *numbers: int) -> list[str]:
    paths = []
    for number in numbers:
        path = tmp_path / f"finding-{number}.json"
        path.write_text(json.dumps(dict(finding(number).document)), encoding="utf-8")
        paths.append(str(path))
    return paths


def test_send_delivers_every_file_as_one_batch(
    configure: Any,
    plain_server: tuple[Mailbox, int],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    mailbox, port = plain_server
    configure(configuration(smtp_port=port))

    code = cli.main(["send", *finding_files(tmp_path, 1, 2)])

    assert code == 0
    assert len(mailbox.messages) == 2
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in out] == [
        [finding(1).id, "done"],
        [finding(2).id, "done"],
    ]


def test_send_names_the_findings_no_channel_took_and_exits_1(
    configure: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(
        configuration(
            smtp_port=closed_port(),
            topic="arn:aws:sns:us-east-1:111122223333:guardduty-alerts",
            aws={"endpoint_url": f"http://127.0.0.1:{closed_port()}"},
        )
    )

    code = cli.main(["send", *finding_files(tmp_path, 1)])

    assert code == cli.EXIT_UNDELIVERED == 1
    error = capsys.readouterr().err
    assert f"not delivered anywhere: {finding(1).id}" in error


def test_send_counts_an_unrouted_finding_as_skipped(
    configure: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(configuration(routes=[{"sample": True, "channels": ["chat"]}]))

    code = cli.main(["send", *finding_files(tmp_path, 1)])

    assert code == 0
    assert "unrouted" in capsys.readouterr().out


def test_send_refuses_a_file_that_is_not_a_finding(
    configure: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(configuration())
    path = tmp_path / "event.json"
    path.write_text('{"detail-type": "EC2 Instance State-change"}', encoding="utf-8")

    code = cli.main(["send", str(path)])

    assert code == 2
    assert str(path) in capsys.readouterr().err


def test_send_without_any_channel_is_a_configuration_error(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "chatops.toml"
    path.write_text('[chat]\ncredentials = "env:KEY"\n', encoding="utf-8")
    monkeypatch.setenv("CHATOPS_CONFIG", str(path))

    code = cli.main(["send", *finding_files(tmp_path, 1)])

    assert code == 2
    assert capsys.readouterr().err == (
        f"python -m notifier: {path}: chat.credentials is set but chat.space is "
        "not: name the space\n"
    )
