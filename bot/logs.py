"""Log lines as JSON objects, for CloudWatch Logs and Google Cloud Logging.

The Lambda and Cloud Run entry points call :func:`configure` once. Each line
carries ``severity`` (the key Cloud Logging reads), the logger, the message, and
the audit fields when the line is an audit line, so both services can index them.
"""

import json
import logging
import os
from typing import Any

# Set by the platforms themselves: Lambda, and Cloud Run / Cloud Functions.
PLATFORM_VARIABLES = ("AWS_LAMBDA_FUNCTION_NAME", "K_SERVICE")


class JsonFormatter(logging.Formatter):
    """One JSON object per record."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "severity": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        audit = getattr(record, "audit", None)
        if isinstance(audit, dict):
            line["audit"] = audit
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure(level: int = logging.INFO) -> None:
    """Formats every root handler (the platform's, or a new one) as JSON lines,
    when running on Lambda or Google Cloud; elsewhere logging is left alone."""
    if not any(os.environ.get(name) for name in PLATFORM_VARIABLES):
        return
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    for handler in root.handlers:
        handler.setFormatter(JsonFormatter())
    root.setLevel(level)
