"""Shared test fixtures: where sample findings live, and a guard on the network."""

import json
import os
import socket
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
REAL_FINDINGS = ROOT.parent / "shared" / "findings" / "real"
SAMPLES = ROOT / "sandbox" / "samples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# Tests must never reach AWS or Google: fake credentials, no instance metadata.
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_EC2_METADATA_DISABLED="true",
)
os.environ.pop("CHATOPS_CONFIG", None)


def real_finding_files() -> list[Path]:
    """The shared real findings, or an empty list when the folder is absent."""
    return sorted(REAL_FINDINGS.glob("*.json")) if REAL_FINDINGS.is_dir() else []


def sample_files() -> list[Path]:
    """The sample findings the project wrote (one per resource type at least)."""
    return sorted(SAMPLES.glob("*.json"))


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


real_findings = pytest.mark.skipif(
    not REAL_FINDINGS.is_dir(),
    reason=f"{REAL_FINDINGS} is absent (it sits beside the clone in CI)",
)


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fails any test that tries to connect anywhere but this machine."""
    original = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        local = ("127.0.0.1", "::1", "localhost")
        if isinstance(host, str) and host not in local and not host.startswith("/"):
            raise AssertionError(f"test tried to reach {host}")
        return original(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
