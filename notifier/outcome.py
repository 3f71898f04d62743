"""What happened to each finding of a batch, channel by channel."""

import enum
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass


class Status(enum.StrEnum):
    """A finding's end state in a batch."""

    DONE = "done"  # some channel of its route accepted it
    FAILED = "failed"  # no channel accepted it: retry the event
    UNROUTED = "unrouted"  # no route matches it: nothing to do, on purpose


class Result(enum.StrEnum):
    """What one channel did with a finding."""

    SENT = "sent"
    DIGESTED = "digested"  # listed in a digest posted to the space
    ALREADY_SENT = "already-sent"  # a delivery record says this version went out
    FAILED = "failed"


@dataclass(frozen=True)
class ChannelOutcome:
    """One channel's answer for one finding.

    Attributes:
        channel: the channel as configured, e.g. ``chat:spaces/X``, ``email:oncall``.
        kind: chat, webhook, email or sns.
        passive: sent because the route lists it as passive.
        error: why it failed (never a secret), or None.
        retryable: whether the failure may pass on a later try.
    """

    channel: str
    kind: str
    result: Result
    passive: bool = False
    error: str | None = None
    retryable: bool = False

    @property
    def accepted(self) -> bool:
        return self.result is not Result.FAILED

    def describe(self) -> str:
        """``email:oncall=sent``, ``chat:spaces/X=failed (timeout)``."""
        mark = " passive" if self.passive else ""
        reason = f" ({self.error})" if self.error else ""
        return f"{self.channel}={self.result}{mark}{reason}"


@dataclass(frozen=True)
class FindingOutcome:
    """Where one finding went.

    Attributes:
        finding_id: GuardDuty's finding id.
        version: the finding's version (``Finding.version``).
        route: the route's name, None when no route matched.
        channels: each attempt in the order made (passive ones last).
        status: done, failed or unrouted.
    """

    finding_id: str
    version: str
    route: str | None
    channels: tuple[ChannelOutcome, ...]
    status: Status

    @property
    def accepted_by(self) -> str | None:
        """The route channel that took the finding, or None."""
        taken = [c for c in self.channels if c.accepted and not c.passive]
        return taken[0].channel if taken else None

    @property
    def fell_back(self) -> bool:
        """Whether a channel took it after an earlier one in the route failed."""
        tried = [c for c in self.channels if not c.passive]
        return len(tried) > 1 and tried[-1].accepted

    def describe(self) -> str:
        """One line for people: the channels and what each did."""
        attempts = ", ".join(c.describe() for c in self.channels) or "no channel"
        route = f"route {self.route}" if self.route else "no route"
        return f"{self.finding_id} {self.status} via {route}: {attempts}"


def tally(outcomes: Iterable[FindingOutcome]) -> Counter[str]:
    """Counts for metrics: Delivered, Failed, FellBack, Unrouted, and per channel
    kind ``<Kind>Sent`` / ``<Kind>Failed`` (e.g. ``EmailSent``). A finding repeated
    in a batch (the same outcome twice) counts once."""
    counts: Counter[str] = Counter(
        dict.fromkeys([*_STATUS_METRIC.values(), "FellBack"], 0)
    )
    for outcome in dict.fromkeys(outcomes):
        counts[_STATUS_METRIC[outcome.status]] += 1
        counts["FellBack"] += outcome.fell_back
        for channel in outcome.channels:
            verdict = "Sent" if channel.accepted else "Failed"
            counts[f"{_KIND_METRIC.get(channel.kind, 'Other')}{verdict}"] += 1
    return counts


_STATUS_METRIC = {
    Status.DONE: "Delivered",
    Status.FAILED: "Failed",
    Status.UNROUTED: "Unrouted",
}
_KIND_METRIC = {"chat": "Chat", "webhook": "Webhook", "email": "Email", "sns": "Sns"}
