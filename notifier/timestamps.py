"""Reading the many ways a GuardDuty finding writes a point in time."""

import re
from datetime import UTC, datetime

# Epoch values above this are milliseconds (the legacy canary sample's launchTime).
_EPOCH_MS_THRESHOLD = 1e11
_SPACED = re.compile(r"^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)$")


def parse_time(value: object) -> datetime | None:
    """A timezone-aware UTC datetime from an ISO-8601 string, epoch seconds or
    milliseconds, or a datetime; ``None`` for anything else (masked or malformed).
    """
    if isinstance(value, datetime):
        try:
            return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        except OverflowError:
            return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if value > _EPOCH_MS_THRESHOLD else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        return _parse_text(value.strip())
    return None


def _parse_text(text: str) -> datetime | None:
    spaced = _SPACED.match(text)
    if spaced:
        text = f"{spaced.group(1)}T{spaced.group(2)}"
    try:
        parsed = datetime.fromisoformat(text)
        # A valid offset near year 1 or 9999 has no UTC equivalent: unreadable.
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        return None


def format_time(moment: datetime | None) -> str:
    """``2026-12-04 15:52 UTC``, or an em dash when unknown."""
    if moment is None:
        return "\u2014"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
