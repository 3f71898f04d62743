"""Pacing writes to a Chat space under its quota.

Chat allows 60 message writes a minute in one space, shared by every app and
webhook posting there; past it, writes fail with 429. The pacer keeps this app's
writes to a space under ``chat.writes_per_minute`` (50 by default, leaving room for
others) over a sliding window, and makes a write wait for room when the delivery's
budget allows, so a burst is spread out instead of rejected.
"""

import collections
import threading
import time
from collections.abc import Callable

from notifier.budget import Budget
from notifier.errors import DeliveryError

WINDOW_SECONDS = 60.0
# A wait shorter than this is not worth a failure: round it up to a sleep.
_EPSILON = 1e-3

# Limitation: the window lives in one process, so concurrent Lambda instances (and
# the bot, when it posts escalations) each allow themselves writes_per_minute in the
# same space; Chat's 429s, retried with backoff, are then the only brake. Sharing
# the window means keeping it outside the process (a DynamoDB counter per space and
# minute, or a Redis token bucket), or capping the notifier's SQS event source at
# a maximum concurrency of 2 with a lower writes_per_minute for each.


class WritePacer:
    """A sliding window of recent writes, per space.

    Args:
        writes_per_minute: writes allowed per space within one window.
        window: the window's length in seconds.
        clock: monotonic seconds; tests pass their own.
    """

    def __init__(
        self,
        writes_per_minute: int,
        *,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if writes_per_minute < 1:
            raise ValueError("writes_per_minute must be at least 1")
        self.limit = writes_per_minute
        self.window = window
        self._clock = clock
        self._writes: dict[str, collections.deque[float]] = {}
        self._lock = threading.Lock()

    def admit(
        self, space: str, budget: Budget, sleep: Callable[[float], None]
    ) -> float:
        """Records a write to ``space``, first waiting for room in the window.

        Returns:
            The seconds waited.

        Raises:
            DeliveryError: retryable, when room comes only after the deadline.
        """
        waited = 0.0
        while True:
            wait = self._try(space)
            if wait is None:
                return waited
            if wait >= budget.remaining():
                raise DeliveryError(
                    f"Chat writes to {space} are paced at {self.limit} a minute; "
                    f"the next slot is {wait:.1f} s away, past the deadline",
                    retryable=True,
                )
            sleep(wait)
            waited += wait

    def used(self, space: str) -> int:
        """Writes to ``space`` counted in the current window."""
        now = self._clock()
        with self._lock:
            return sum(
                1 for at in self._writes.get(space, ()) if at > now - self.window
            )

    def _try(self, space: str) -> float | None:
        """Records a write if there is room; else the seconds until there is."""
        now = self._clock()
        with self._lock:
            writes = self._writes.setdefault(space, collections.deque())
            while writes and writes[0] <= now - self.window:
                writes.popleft()
            if len(writes) < self.limit:
                writes.append(now)
                return None
            return max(writes[0] + self.window - now, _EPSILON)


_pacers: dict[int, WritePacer] = {}
_pacers_lock = threading.Lock()


def shared_pacer(writes_per_minute: int) -> WritePacer:
    """The process's pacer for this limit, kept across invocations."""
    with _pacers_lock:
        if writes_per_minute not in _pacers:
            _pacers[writes_per_minute] = WritePacer(writes_per_minute)
        return _pacers[writes_per_minute]
