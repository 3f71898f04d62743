"""The stand-in's state: accounts, findings, filters and feedback, in memory.

One GuardDuty administrator account sees the findings of its member accounts;
each account has one detector per Region (see `findings.detector_id`). A
finding lives in the Region of its ARN. The state can be kept in a JSON file
so that a restarted stand-in carries on where it stopped.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sandbox.guardduty.criteria import Criteria
from sandbox.guardduty.findings import Finding, home_region

logger = logging.getLogger(__name__)

MAX_FILTERS = 100


@dataclass(frozen=True)
class Filter:
    """A saved filter of one detector; action ARCHIVE makes it a suppression rule."""

    account: str
    region: str
    name: str
    action: str
    rank: int
    finding_criteria: dict[str, Any]
    description: str = ""
    client_token: str = ""
    tags: dict[str, str] = field(default_factory=dict)

    def matches(self, finding: Mapping[str, Any]) -> bool:
        """Whether `finding` meets the filter's criteria."""
        return Criteria.parse(self.finding_criteria, wildcards=True).matches(finding)


@dataclass(frozen=True)
class Feedback:
    """One UpdateFindingsFeedback applied to one finding.

    GuardDuty shows only `service.userFeedback` on the finding; the comment is
    kept here so the sandbox can show it.
    """

    finding_id: str
    account: str
    feedback: str
    comments: str | None
    at: str


class FindingStore:
    """Thread-safe findings, filters and feedback of one GuardDuty organisation."""

    def __init__(
        self,
        administrator: str,
        members: Iterable[str] = (),
        state_file: Path | None = None,
    ) -> None:
        self.administrator = administrator
        self._members = set(members) - {administrator}
        self._findings: dict[str, Finding] = {}
        self._filters: list[Filter] = []
        self._feedback: list[Feedback] = []
        self._state_file = state_file
        self._lock = threading.RLock()
        if state_file is not None and state_file.exists():
            self._load(state_file)

    @property
    def members(self) -> frozenset[str]:
        """The member accounts of the administrator."""
        with self._lock:
            return frozenset(self._members)

    def is_member(self, account: str) -> bool:
        """Whether `account` is a member (not the administrator)."""
        with self._lock:
            return account in self._members

    def visible(self, account: str, region: str) -> list[Finding]:
        """Copies of the findings `account`'s detector in `region` sees.

        The administrator sees its own and every member's; a member only its own.
        """
        with self._lock:
            return [
                copy.deepcopy(f)
                for f in self._findings.values()
                if self._sees(account, region, f)
            ]

    def get(self, finding_id: str) -> Finding | None:
        """A copy of the finding with `finding_id`, or None."""
        with self._lock:
            found = self._findings.get(finding_id)
            return copy.deepcopy(found) if found is not None else None

    def all(self) -> list[Finding]:
        """Copies of every finding, oldest first."""
        with self._lock:
            return copy.deepcopy(list(self._findings.values()))

    def put(self, finding: Finding) -> bool:
        """Store a new or updated finding; False when a suppression rule took it.

        A finding that matches an ARCHIVE filter of the administrator's
        detector in its Region is archived and, as in GuardDuty, must not be
        sent on to EventBridge.
        """
        with self._lock:
            owner = str(finding["accountId"])
            if owner != self.administrator:
                self._members.add(owner)
            suppressed = self._suppressed(finding)
            stored = copy.deepcopy(finding)
            if suppressed:
                stored.setdefault("service", {})["archived"] = True
            self._findings[stored["id"]] = stored
            self._save()
            return not suppressed

    def set_archived(
        self, account: str, region: str, finding_ids: Iterable[str], archived: bool
    ) -> list[str]:
        """Set `archived` on the findings the caller sees; skip unknown ids."""
        with self._lock:
            changed = []
            for finding in self._seen(account, region, finding_ids):
                finding.setdefault("service", {})["archived"] = archived
                changed.append(finding["id"])
            self._save()
            return changed

    def add_feedback(
        self,
        account: str,
        region: str,
        finding_ids: Iterable[str],
        feedback: str,
        comments: str | None,
        at: str,
    ) -> list[str]:
        """Mark the findings the caller sees USEFUL or NOT_USEFUL; keep the comment."""
        with self._lock:
            changed = []
            for finding in self._seen(account, region, finding_ids):
                finding.setdefault("service", {})["userFeedback"] = feedback
                record = Feedback(finding["id"], account, feedback, comments, at)
                self._feedback.append(record)
                changed.append(finding["id"])
            self._save()
            return changed

    def feedback(self, finding_id: str) -> list[Feedback]:
        """Every feedback given on `finding_id`, oldest first."""
        with self._lock:
            return [f for f in self._feedback if f.finding_id == finding_id]

    def filters(self, account: str, region: str) -> list[Filter]:
        """The filters of `account`'s detector in `region`, by rank."""
        with self._lock:
            mine = [
                f for f in self._filters if (f.account, f.region) == (account, region)
            ]
            return sorted(mine, key=lambda f: f.rank)

    def add_filter(self, new: Filter) -> None:
        """Save a filter (the caller has checked name, limit and token)."""
        with self._lock:
            self._filters.append(new)
            self._save()

    def _sees(self, account: str, region: str, finding: Finding) -> bool:
        if home_region(finding) != region:
            return False
        return account in (finding["accountId"], self.administrator)

    def _seen(self, account: str, region: str, ids: Iterable[str]) -> list[Finding]:
        found = (self._findings.get(i) for i in dict.fromkeys(ids))
        return [f for f in found if f is not None and self._sees(account, region, f)]

    def _suppressed(self, finding: Finding) -> bool:
        # Members managed by an administrator lose their own suppression
        # rules (GuardDuty User Guide, "Managing multiple accounts"), so only
        # the administrator's ARCHIVE filters suppress.
        rules = self.filters(self.administrator, home_region(finding))
        return any(r.action == "ARCHIVE" and r.matches(finding) for r in rules)

    def _save(self) -> None:
        if self._state_file is None:
            return
        state = {
            "administrator": self.administrator,
            "members": sorted(self._members),
            "findings": list(self._findings.values()),
            "filters": [asdict(f) for f in self._filters],
            "feedback": [asdict(f) for f in self._feedback],
        }
        partial = self._state_file.with_suffix(self._state_file.suffix + ".partial")
        partial.write_text(json.dumps(state, indent=1), encoding="utf-8")
        os.replace(partial, self._state_file)

    def _load(self, state_file: Path) -> None:
        state = json.loads(state_file.read_text(encoding="utf-8"))
        self._members.update(state.get("members", []))
        self._members.discard(self.administrator)
        self._findings = {f["id"]: f for f in state.get("findings", [])}
        self._filters = [Filter(**f) for f in state.get("filters", [])]
        self._feedback = [Feedback(**f) for f in state.get("feedback", [])]
        logger.info(
            "GuardDuty stand-in state loaded from %s: %d findings, %d filters",
            state_file,
            len(self._findings),
            len(self._filters),
        )
