"""`python -m sandbox` as a person runs it: in a process of its own, stopped by
Ctrl-C (SIGINT), and `--smoke`, whose exit status and steps a CI job reads."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import REAL_FINDINGS, ROOT, real_finding_files, real_findings

SMOKE_STEPS = 7
START_SECONDS = 30.0


def sandbox(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "sandbox", *arguments]


def run(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        sandbox(*arguments),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def test_smoke_passes_every_step() -> None:
    done = run("--smoke")

    assert done.returncode == 0, done.stdout + done.stderr
    assert len(re.findall(r"^  \u2713 \d\. ", done.stdout, re.MULTILINE)) == SMOKE_STEPS
    assert "\u2717" not in done.stdout
    assert "Archived by Alex Analyst at" in done.stdout
    assert done.stdout.rstrip().endswith("Smoke test passed.")
    assert done.stderr == ""


@real_findings
def test_smoke_runs_the_real_findings_through_the_loop() -> None:
    done = run("--smoke", "--findings", str(REAL_FINDINGS))

    assert done.returncode == 0, done.stdout + done.stderr
    findings = len(real_finding_files())
    assert f"2. Seed GuardDuty with findings: {findings} findings" in done.stdout
    assert f"{findings} cards" in done.stdout


def test_smoke_says_which_step_failed(tmp_path: Path) -> None:
    (tmp_path / "notes.json").write_text('{"not": "a finding"}', encoding="utf-8")

    done = run("--smoke", "--findings", str(tmp_path))

    assert done.returncode == 1
    assert "  \u2717 1. Start the local Chat" in done.stdout
    assert "holds no GuardDuty finding" in done.stdout
    assert "  - 2. Seed GuardDuty with findings (not run)" in done.stdout
    assert done.stdout.rstrip().endswith("Smoke test FAILED.")
    kept = re.search(r"The sandbox log is kept at (\S+)", done.stderr)
    assert kept is not None
    assert Path(kept.group(1)).is_file()
    Path(kept.group(1)).unlink()
    Path(kept.group(1)).parent.rmdir()


def test_a_folder_that_is_not_there_is_a_one_line_error(tmp_path: Path) -> None:
    done = run("--findings", str(tmp_path / "nowhere"))

    assert done.returncode == 2
    assert done.stderr == f"python -m sandbox: {tmp_path / 'nowhere'} is not a folder\n"


@pytest.mark.parametrize("port", ["99999", "eighty"])
def test_a_port_that_is_not_one_is_a_usage_error(port: str) -> None:
    done = run("--port", port)

    assert done.returncode == 2
    assert "argument --port:" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_taken_port_is_a_one_line_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run("--port", str(port))

    assert done.returncode == 2
    assert done.stderr.startswith(f"python -m sandbox: cannot listen on port {port}: ")
    assert done.stderr.count("\n") == 1


class Running:
    """`python -m sandbox` in the background, its output read line by line."""

    def __init__(self, *arguments: str) -> None:
        self.process = subprocess.Popen(
            sandbox(*arguments),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        assert self.process.stdout is not None
        threading.Thread(
            target=self._read, args=(self.process.stdout,), daemon=True
        ).start()

    def _read(self, stream: Iterable[str]) -> None:
        for line in stream:
            self.lines.put(line)
        self.lines.put(None)

    def until(self, text: str, seconds: float = START_SECONDS) -> str:
        """Everything printed up to the line holding `text`."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                continue
            if line is None:
                break
            self.seen.append(line)
            if text in line:
                return "".join(self.seen)
        raise AssertionError(f"no {text!r} after {seconds} s: {''.join(self.seen)}")

    def finish(self, seconds: float = 30.0) -> tuple[str, str]:
        """Waits for the exit; what it printed after `until`, and its stderr."""
        self.process.wait(timeout=seconds)
        rest = []
        while (line := self.lines.get(timeout=seconds)) is not None:
            rest.append(line)
        assert self.process.stderr is not None
        return "".join(rest), self.process.stderr.read()


@pytest.fixture
def demo() -> Iterator[Running]:
    running = Running("--print-config")
    try:
        yield running
    finally:
        if running.process.poll() is None:
            running.process.kill()
            running.process.wait()


def test_the_demo_prints_the_page_and_stops_cleanly_on_ctrl_c(demo: Running) -> None:
    printed = demo.until("Press Ctrl-C to stop.")
    page = re.search(
        r"Open the local Google Chat:\s+(http://127\.0\.0\.1:\d+/)#(\S+)", printed
    )
    assert page is not None
    config_text = printed.split("---\n")[1]
    settings = tomllib.loads(config_text.split("\n", 1)[1])
    named = re.search(r"Configuration\s+(\S+)", printed)
    assert named is not None
    config_path = Path(named.group(1))

    answer = requests.get(page.group(1), timeout=5)
    demo.process.send_signal(signal.SIGINT)
    stdout, stderr = demo.finish()

    assert answer.status_code == 200
    assert "Local Chat" in answer.text
    assert settings["chat"]["api_url"] == page.group(1).rstrip("/")
    assert settings["chat"]["space"] == page.group(2)
    assert settings["bot"]["escalation"]["mentions"] == ["users/108000000000000000002"]
    assert demo.process.returncode == 0
    assert stdout.strip().endswith("Stopped.")
    assert stderr == ""
    assert not config_path.exists(), "the temporary folder is removed on exit"
