"""Chat's per-space write quota: a sliding window of recent writes.

Google Chat allows 60 message writes a minute in one space, shared by every app
and webhook posting there; past it, the API answers 429 RESOURCE_EXHAUSTED.
"""

from __future__ import annotations

import collections
import math
import threading
import time
from collections.abc import Callable

WRITES_PER_MINUTE = 60
WINDOW_SECONDS = 60.0


class WriteQuota:
    """Counts admitted writes per key (a space) over a sliding window.

    Args:
        limit: writes admitted per key within one window.
        window: the window's length in seconds.
        clock: seconds, monotonic; tests pass their own.
    """

    def __init__(
        self,
        limit: int = WRITES_PER_MINUTE,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._writes: dict[str, collections.deque[float]] = {}
        self._lock = threading.Lock()

    def admit(self, key: str) -> float | None:
        """Records a write for `key` if the quota allows it.

        Returns:
            None when admitted; otherwise the seconds until a write would be
            admitted again (the rejected write is not counted).
        """
        now = self._clock()
        with self._lock:
            writes = self._writes.setdefault(key, collections.deque())
            while writes and writes[0] <= now - self.window:
                writes.popleft()
            if len(writes) < self.limit:
                writes.append(now)
                return None
            return writes[0] + self.window - now if writes else self.window

    def used(self, key: str) -> int:
        """Writes counted for `key` in the current window."""
        now = self._clock()
        with self._lock:
            return sum(1 for at in self._writes.get(key, ()) if at > now - self.window)


def retry_after_header(wait: float) -> str:
    """Whole seconds for a Retry-After header, never less than 1."""
    return str(max(1, math.ceil(wait)))
