"""Time budgets: how long a delivery may still take before its deadline."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Budget:
    """A deadline on the monotonic clock, shared by every step of one delivery.

    Retries and fallbacks ask :meth:`remaining` before they start, so work stops
    in time for the next channel, and every HTTP call's timeout is capped by it.
    """

    deadline: float
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)

    @classmethod
    def of(
        cls, seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> "Budget":
        """A budget of ``seconds`` from now."""
        return cls(clock() + seconds, clock)

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(self.deadline - self.clock(), 0.0)

    def expired(self) -> bool:
        return self.remaining() <= 0.0

    def timeout(self, cap: float) -> float:
        """A timeout for one call: ``cap``, or less when the deadline is nearer."""
        return min(cap, self.remaining())

    def share(self, reserve: float) -> "Budget":
        """A budget that ends ``reserve`` seconds before this one, for work that
        must leave time for what comes after it (fallback channels)."""
        return Budget(self.deadline - reserve, self.clock)
