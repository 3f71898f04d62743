"""Delivery: a batch of findings to the channels their routes name, without loss.

Each finding's route lists channels in order; they are tried one after another until
one accepts the finding, and the route's passive channels are sent as well. A
finding no channel accepted is FAILED, so the caller can have it retried (SQS) rather
than drop it. Chat spaces that would get more than ``digest.threshold`` findings in
one step get one digest instead, plus a card for each Critical finding.

Time: the first channel of every route runs on a budget that ends
``delivery.reserve_seconds`` before the batch's deadline, so fallbacks still have
time when the first channel hangs.
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from notifier import routing
from notifier.budget import Budget
from notifier.channels import Channels
from notifier.digest import rank
from notifier.errors import ChatOpsError, DeliveryError
from notifier.finding import Finding, latest_versions
from notifier.outcome import ChannelOutcome, FindingOutcome, Result, Status
from notifier.records import Claim
from notifier.settings import Channel, Route, Settings
from notifier.severity import Severity

log = logging.getLogger(__name__)


def deliver(
    findings: Sequence[Finding],
    budget: Budget,
    settings: Settings,
    channels: Channels,
) -> tuple[FindingOutcome, ...]:
    """Delivers ``findings`` as one batch; one outcome per finding, in order.

    A finding that appears more than once (two versions in one batch) is delivered
    once, in its latest version, and every copy shares that outcome.
    """
    keys = [finding.key for finding in findings]
    latest = latest_versions(findings)
    plans = {
        key: _Plan(finding, routing.choose(finding, settings.routes))
        for key, finding in latest.items()
    }
    # The most severe first: when time runs short, they have been sent.
    order = {id(finding): n for n, finding in enumerate(rank(list(latest.values())))}
    ordered = sorted(plans.values(), key=lambda plan: order[id(plan.finding)])
    try:
        _Dispatch(settings, channels).run(ordered, budget)
    finally:
        if channels.email is not None:
            channels.email.close()
    outcomes = {key: plan.finish() for key, plan in plans.items()}
    for outcome in outcomes.values():
        _log(outcome)
    return tuple(outcomes[key] for key in keys)


@dataclass(eq=False)
class _Plan:
    """One finding's way through the batch (mutable while it is delivered)."""

    finding: Finding
    route: Route | None
    attempts: list[ChannelOutcome] = field(default_factory=list)
    accepted: bool = False

    def add(self, outcome: ChannelOutcome) -> None:
        self.attempts.append(outcome)
        # A route of passive channels alone is done when one of them took it.
        counts = not outcome.passive or not (self.route and self.route.channels)
        if outcome.accepted and counts:
            self.accepted = True

    def finish(self) -> FindingOutcome:
        if self.route is None:
            status = Status.UNROUTED
        else:
            status = Status.DONE if self.accepted else Status.FAILED
        return FindingOutcome(
            finding_id=self.finding.id,
            version=self.finding.version,
            route=self.route.name if self.route else None,
            channels=tuple(self.attempts),
            status=status,
        )


class _Dispatch:
    """Sends groups of findings to one channel at a time."""

    def __init__(self, settings: Settings, channels: Channels) -> None:
        self.settings = settings
        self.channels = channels

    def run(self, plans: Sequence[_Plan], budget: Budget) -> None:
        routed = [(plan, plan.route) for plan in plans if plan.route is not None]
        reserve = min(self.settings.delivery.reserve_seconds, budget.remaining() / 2)
        first = budget.share(reserve)
        depth = max((len(route.channels) for _, route in routed), default=0)
        for step in range(depth):
            groups: dict[Channel, list[_Plan]] = {}
            for plan, route in routed:
                if not plan.accepted and step < len(route.channels):
                    groups.setdefault(route.channels[step], []).append(plan)
            for channel, group in groups.items():
                self.send(channel, group, first if step == 0 else budget, False)

        passive: dict[Channel, list[_Plan]] = {}
        for plan, route in routed:
            for channel in route.passive:
                passive.setdefault(channel, []).append(plan)
        for channel, group in passive.items():
            self.send(channel, group, budget, True)

    def send(
        self, channel: Channel, group: list[_Plan], budget: Budget, passive: bool
    ) -> None:
        if channel.kind in ("chat", "webhook"):
            self._send_to_space(channel, group, budget, passive)
            return
        for plan in group:
            plan.add(self._send_once(channel, plan.finding, budget, passive))

    def _send_to_space(
        self, channel: Channel, group: list[_Plan], budget: Budget, passive: bool
    ) -> None:
        """Cards, or one digest and the Critical cards above the threshold.

        The threshold applies to the findings reaching the space in one step: a
        space that is a fallback gets its own digest for the findings falling
        back to it. A Critical finding whose card failed falls back even when
        the digest listing it was posted.
        """
        if len(group) <= self.settings.digest.threshold:
            for plan in group:
                plan.add(self._card(channel, plan.finding, budget, passive))
            return

        critical = [
            plan for plan in group if plan.finding.severity_label is Severity.CRITICAL
        ]
        for plan in critical:
            plan.add(self._card(channel, plan.finding, budget, passive))
        digest = _attempt(
            channel,
            passive,
            budget,
            lambda: self._post_digest(channel, [p.finding for p in group], budget),
            Result.DIGESTED,
        )
        log.info("digest of %d findings to %s: %s", len(group), channel, digest.result)
        for plan in group:
            if plan not in critical:
                plan.add(digest)

    def _card(
        self, channel: Channel, finding: Finding, budget: Budget, passive: bool
    ) -> ChannelOutcome:
        return _attempt(
            channel, passive, budget, lambda: self._post_card(channel, finding, budget)
        )

    def _post_card(self, channel: Channel, finding: Finding, budget: Budget) -> None:
        if channel.kind == "webhook":
            if self.channels.webhook is None:
                raise DeliveryError("no Chat webhook client configured")
            self.channels.webhook.post_finding(finding, budget)
            return
        if self.channels.chat is None:
            raise DeliveryError("no Chat app client configured")
        self.channels.chat.post_finding(_space(channel), finding, budget)

    def _post_digest(
        self, channel: Channel, findings: list[Finding], budget: Budget
    ) -> None:
        if channel.kind == "webhook":
            if self.channels.webhook is None:
                raise DeliveryError("no Chat webhook client configured")
            self.channels.webhook.post_digest(findings, budget)
            return
        if self.channels.chat is None:
            raise DeliveryError("no Chat app client configured")
        self.channels.chat.post_digest(_space(channel), findings, budget)

    def _send_once(
        self, channel: Channel, finding: Finding, budget: Budget, passive: bool
    ) -> ChannelOutcome:
        """E-mail or SNS, once per finding version when records are kept."""
        # Limitation: bursts are digested only in Chat; e-mail lists and SNS topics
        # get one message per finding. An e-mail digest would need its own renderer
        # and a record per batch rather than per finding version.
        records = self.channels.records

        def post() -> None:
            self._post_message(channel, finding, budget)

        if records is None:
            return _attempt(channel, passive, budget, post)
        try:
            claim = records.claim(finding, channel, budget)
        except DeliveryError as error:
            log.warning("%s; sending %s without a record", error, channel)
            return _attempt(channel, passive, budget, post)
        if claim is Claim.ALREADY_SENT:
            return ChannelOutcome(
                str(channel), channel.kind, Result.ALREADY_SENT, passive
            )
        if claim is Claim.IN_PROGRESS:
            # Limitation: a claim left by an invocation that died after sending
            # counts as in progress until its lease ends; a retry before then falls
            # back, one after it sends again (at-least-once in that case).
            return _failed(channel, passive, "being sent by another invocation", True)

        outcome = _attempt(channel, passive, budget, post)
        if not outcome.accepted:
            records.release(finding, channel)
            return outcome
        try:
            records.confirm(finding, channel)
        except DeliveryError as error:
            log.warning("%s: sent %s but a retry may send it again", error, channel)
        return outcome

    def _post_message(self, channel: Channel, finding: Finding, budget: Budget) -> None:
        if channel.kind == "email":
            if self.channels.email is None or channel.target is None:
                raise DeliveryError("no e-mail configured")
            self.channels.email.send_finding(channel.target, finding, budget)
            return
        topic = channel.target or (
            self.settings.sns.topic_arn if self.settings.sns else None
        )
        if self.channels.sns is None or topic is None:
            raise DeliveryError("no SNS topic configured")
        self.channels.sns.publish_finding(topic, finding, budget)


def _attempt(
    channel: Channel,
    passive: bool,
    budget: Budget,
    action: Callable[[], None],
    success: Result = Result.SENT,
) -> ChannelOutcome:
    if budget.expired():
        return _failed(channel, passive, "no time left", True)
    try:
        action()
    except ChatOpsError as error:
        return _failed(channel, passive, str(error), error.retryable)
    except Exception as error:
        # A sender's defect must not cost the finding its fallback channels.
        log.exception("channel %s failed unexpectedly", channel)
        return _failed(channel, passive, f"unexpected {type(error).__name__}", True)
    return ChannelOutcome(str(channel), channel.kind, success, passive)


def _failed(
    channel: Channel, passive: bool, error: str, retryable: bool
) -> ChannelOutcome:
    return ChannelOutcome(
        str(channel), channel.kind, Result.FAILED, passive, error[:300], retryable
    )


def _space(channel: Channel) -> str:
    if channel.target is None:
        raise DeliveryError("no space named for chat (set chat.space)")
    return channel.target


def _log(outcome: FindingOutcome) -> None:
    log.info(
        "finding %s %s (route %s): %s",
        outcome.finding_id,
        outcome.status,
        outcome.route or "none matches",
        ", ".join(c.describe() for c in outcome.channels) or "no channel",
        extra={
            "finding_id": outcome.finding_id,
            "finding_version": outcome.version,
            "route": outcome.route,
            "status": str(outcome.status),
            "channels": [
                {"channel": c.channel, "result": str(c.result), "passive": c.passive}
                for c in outcome.channels
            ],
        },
    )
