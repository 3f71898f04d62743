"""The sandbox's own panel in the local Chat's page: GuardDuty at the push of a button.

Not part of Google Chat: it plays GuardDuty, so that a person watching the page
can make GuardDuty create a sample finding (CreateSampleFindings) or see a finding
again (its count goes up by one), and watch the notifier post or edit the card.
It also shows what GuardDuty now holds for each finding, so a click on a card can
be checked against GuardDuty's own state.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from notifier.finding import Finding
from sandbox import samples
from sandbox.chat_page import ControlsError
from sandbox.findings_queue import FindingsQueue
from sandbox.guardduty import GuardDutyStandIn

SETTLE_SECONDS = 15.0
SHOWN_FINDINGS = 200


class GuardDutyControls:
    """`sandbox.chat_page.Controls` for the local GuardDuty.

    Args:
        guardduty: the stand-in to drive.
        queue: the queue its events go through, to tell whether a card came of
            them.
        region: where sample findings are created (the administrator's detector
            there).
        card_of: the name of a finding's card message, if there is one, so the
            page can bring it into view.
    """

    def __init__(
        self,
        guardduty: GuardDutyStandIn,
        queue: FindingsQueue,
        region: str,
        card_of: Callable[[str], str | None] = lambda finding_id: None,
    ) -> None:
        self._guardduty = guardduty
        self._queue = queue
        self._region = region
        self._card_of = card_of
        # Limitation: the page offers the types of the project's own samples
        # (one per resource type), made in the administrator's account in one
        # Region; GuardDuty's ~200 types would each need a sample.
        self._types = sorted({str(t["type"]) for t in samples.load_findings()})
        self._version = 0
        self._lock = threading.Lock()

    @property
    def version(self) -> int:
        with self._lock:
            return self._version

    def state(self) -> dict[str, Any]:
        findings = [Finding(document) for document in self._guardduty.findings()]
        findings.sort(key=lambda f: f.updated_at.isoformat() if f.updated_at else "")
        regions = sorted({f.region for f in findings if f.region} | {self._region})
        filters = [
            {"region": region, "name": rule.name}
            for region in regions
            for rule in self._guardduty.filters(region)
        ]
        return {
            "region": self._region,
            "sampleTypes": self._types,
            "findings": [_summary(f) for f in reversed(findings)][:SHOWN_FINDINGS],
            "filters": filters,
        }

    def act(self, name: str, request: Mapping[str, Any]) -> dict[str, Any]:
        if name == "sample":
            answer = self._sample(str(request.get("type", "")))
        elif name == "bump":
            answer = self._bump(str(request.get("finding", "")))
        else:
            raise ControlsError(f"no such sandbox control: {name}")
        with self._lock:
            self._version += 1
        return answer

    def _sample(self, finding_type: str) -> dict[str, Any]:
        if finding_type not in self._types:
            raise ControlsError(f"no sample finding of type {finding_type!r}")
        sent = len(self._queue.deliveries)
        [made] = self._guardduty.create_samples(self._region, [finding_type])
        self._settle()
        finding = Finding(made)
        outcome = self._outcome(finding.id, sent, "posted its card")
        notice = f"GuardDuty created a sample {finding.type} finding; {outcome}."
        return self._answer(finding.id, notice)

    def _bump(self, finding_id: str) -> dict[str, Any]:
        sent = len(self._queue.deliveries)
        try:
            updated = Finding(self._guardduty.bump(finding_id))
        except KeyError:
            raise ControlsError(f"GuardDuty has no finding {finding_id!r}") from None
        self._settle()
        outcome = self._outcome(updated.id, sent, "edited its card in place")
        notice = f"GuardDuty saw it again (count {updated.count}); {outcome}."
        return self._answer(updated.id, notice)

    def _answer(self, finding_id: str, notice: str) -> dict[str, Any]:
        return {
            "ok": True,
            "finding": finding_id,
            "message": self._card_of(finding_id),
            "notice": notice,
        }

    def _settle(self) -> None:
        try:
            self._guardduty.flush(SETTLE_SECONDS)
        except TimeoutError:
            raise ControlsError(
                "GuardDuty sent the event, but the notifier has not finished with "
                "it yet: the card will change when it has"
            ) from None

    def _outcome(self, finding_id: str, sent: int, done: str) -> str:
        mine = [d for d in self._queue.deliveries[sent:] if d.finding_id == finding_id]
        if not mine:
            return "a suppression rule archived it at once, so no event was sent"
        if mine[-1].failed:
            return "the notifier could not deliver it (see the sandbox log)"
        return f"the notifier {done}"


def _summary(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.id,
        "title": finding.title,
        "severity": finding.severity_label.title,
        "type": finding.type,
        "count": finding.count,
        "archived": finding.archived,
        "feedback": finding.feedback,
    }
