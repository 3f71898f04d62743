"""Which Regions a command searches, and searching them side by side in time.

A command asks GuardDuty in several Regions at once, one worker per Region, and
answers with what came back by its deadline: a Region that failed or is still
working by then is named in the answer instead of holding it up.
"""

import concurrent.futures
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from bot.errors import GuardDutyFailure
from notifier.budget import Budget

logger = logging.getLogger(__name__)

T = TypeVar("T")
WORKERS = 8
LATE = "GuardDuty did not answer in time"
BROKEN = "the bot failed to search it"
NO_REGION = (
    "The bot has no Region to search: its administrators set aws.regions, "
    "or aws.region."
)
# Region name prefixes of the partitions other than aws, longest first.
_PARTITIONS = (
    ("us-gov-", "aws-us-gov"),
    ("us-isob-", "aws-iso-b"),
    ("us-isof-", "aws-iso-f"),
    ("eu-isoe-", "aws-iso-e"),
    ("us-iso-", "aws-iso"),
    ("cn-", "aws-cn"),
)


def partition_of(region: str) -> str:
    """The partition a Region belongs to (``aws``, ``aws-cn``, ``aws-us-gov``...)."""
    for prefix, partition in _PARTITIONS:
        if region.startswith(prefix):
            return partition
    return "aws"


@dataclass(frozen=True)
class RegionScope:
    """The Regions the bot may act in and search.

    Attributes:
        configured: ``aws.regions``; when empty, the home Region alone.
        home: the home Region (``aws.region``, else the platform's).
    """

    configured: tuple[str, ...] = ()
    home: str | None = None

    @property
    def default(self) -> tuple[str, ...]:
        """Every Region the bot may use, and what a search covers when it names
        none; empty when neither is set."""
        if self.configured:
            return self.configured
        return (self.home,) if self.home else ()

    def allows(self, region: str) -> bool:
        return region in self.default

    def refused(self, regions: Iterable[str]) -> list[str]:
        """The Regions among ``regions`` the bot may not search."""
        return [region for region in regions if not self.allows(region)]

    def describe(self) -> str:
        """The Regions the bot may use in words, for answers that refuse one."""
        return ", ".join(self.default) or "no Region"


@dataclass(frozen=True)
class Swept(Generic[T]):
    """What a search across Regions brought back.

    Attributes:
        results: each Region that answered, in the order the Regions were asked.
        problems: each Region that failed or did not finish, and why, in words
            for people.
    """

    results: Mapping[str, T] = field(default_factory=dict)
    problems: Mapping[str, str] = field(default_factory=dict)


class RegionSweep:
    """Runs one piece of work per Region on a small shared pool of threads."""

    def __init__(self, workers: int = WORKERS) -> None:
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="region"
        )

    def run(
        self,
        regions: Sequence[str],
        work: Callable[[str], T],
        budget: Budget,
        *,
        enough: Callable[[T], bool] | None = None,
    ) -> Swept[T]:
        """``work(region)`` for every Region, collected until ``budget`` ends.

        Args:
            enough: stop waiting for other Regions once one result satisfies
                it (a lookup that found its finding).
        """
        futures = {self._pool.submit(work, region): region for region in regions}
        results: dict[str, T] = {}
        problems: dict[str, str] = {}
        pending = set(futures)
        satisfied = enough or _never
        while pending and not any(map(satisfied, results.values())):
            done, pending = concurrent.futures.wait(
                pending,
                timeout=budget.remaining(),
                return_when=concurrent.futures.FIRST_COMPLETED,
            )
            if not done:
                break
            for future in done:
                region = futures[future]
                outcome = _outcome(future, region)
                if isinstance(outcome, _Failed):
                    problems[region] = outcome.words
                else:
                    results[region] = outcome
        if not any(map(satisfied, results.values())):
            problems.update(_late(futures[future] for future in pending))
        for future in pending:
            # Limitation: a call already sent keeps its worker until botocore's
            # own timeouts end it; the answer no longer waits for it.
            future.cancel()
        ordered = {region: results[region] for region in regions if region in results}
        named = {region: problems[region] for region in regions if region in problems}
        return Swept(ordered, named)


def _never(result: object) -> bool:
    return False


def _late(regions: Iterable[str]) -> dict[str, str]:
    late = dict.fromkeys(regions, LATE)
    if late:
        logger.warning("GuardDuty did not answer in time in %s", ", ".join(late))
    return late


@dataclass(frozen=True)
class _Failed:
    words: str


def _outcome(future: "concurrent.futures.Future[T]", region: str) -> "T | _Failed":
    try:
        return future.result()
    except GuardDutyFailure as failure:
        if failure.outcome == "bad-request":
            return _Failed("GuardDuty refused the request")
        return _Failed(failure.user_message.rstrip("."))
    except Exception:
        logger.exception("searching GuardDuty in %s failed", region)
        return _Failed(BROKEN)


def problem_lines(problems: Mapping[str, str]) -> list[str]:
    """One line per Region that is missing from an answer."""
    return [f"{region}: {words}" for region, words in problems.items()]
