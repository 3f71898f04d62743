"""Sample GuardDuty findings the project wrote itself, as JSON files.

Every value in them is invented: accounts 111122223333 (the GuardDuty
administrator) and 444455556666 (a member), public addresses from the
documentation ranges 198.51.100.0/24 and 203.0.113.0/24, and example.com or
example.net names. README.md in this folder says what each file covers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SAMPLES_DIR = Path(__file__).resolve().parent


def _documents() -> list[tuple[Path, dict[str, Any]]]:
    return [
        (path, json.loads(path.read_text(encoding="utf-8")))
        for path in sorted(SAMPLES_DIR.glob("*.json"))
    ]


def finding_files() -> list[Path]:
    """The files that hold one bare finding in the API's camelCase form."""
    return [path for path, doc in _documents() if "detail-type" not in doc]


def event_files() -> list[Path]:
    """The files that hold a whole EventBridge event."""
    return [path for path, doc in _documents() if "detail-type" in doc]


def load_findings() -> list[dict[str, Any]]:
    """Every bare sample finding, parsed, in file-name order."""
    return [doc for _, doc in _documents() if "detail-type" not in doc]
