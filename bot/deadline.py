"""Answering Chat in time, whatever GuardDuty does.

Chat waits 30 seconds at most for an answer, and a person much less. GuardDuty
work runs in a worker thread; when it has not finished by the interaction's
deadline the bot stops waiting and says so, while botocore's own timeouts end the
call in the background.
"""

import concurrent.futures
import logging
from collections.abc import Callable
from typing import TypeVar

from bot.errors import GuardDutyFailure

logger = logging.getLogger(__name__)

T = TypeVar("T")
WORKERS = 8


class Deadline:
    """Runs work with a time limit, on a small shared pool of threads."""

    def __init__(self, seconds: float, workers: int = WORKERS) -> None:
        self.seconds = seconds
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="interaction"
        )

    def run(self, work: Callable[[], T]) -> T:
        """``work()``'s result, or its exception.

        Raises:
            GuardDutyFailure: ``work`` did not finish within the deadline.
        """
        future = self._pool.submit(work)
        try:
            return future.result(timeout=self.seconds)
        except concurrent.futures.TimeoutError:
            # Limitation: a call already sent may still take effect after the
            # person was told it did not finish; Refresh shows what happened.
            future.cancel()
            logger.warning("interaction work passed its %.1f s deadline", self.seconds)
            raise GuardDutyFailure(
                "GuardDuty did not answer in time. The action may still take "
                "effect: press Refresh in a minute to see the finding's state.",
                status="DEADLINE_EXCEEDED",
                outcome="timeout",
                retryable=True,
            ) from None
