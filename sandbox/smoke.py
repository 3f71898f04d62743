"""`python -m sandbox --smoke`: the finding-to-click round trip, headless.

The steps run in order against a real `Sandbox`; each prints ✓ or ✗ with what it
saw, and the first failure ends the run (the steps after it are listed as not
run). The exit status is 0 only when every step passed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from notifier.finding import Finding
from sandbox.stack import ALERTS, EventFormat, Sandbox, read_seeds

ARCHIVED_BY = re.compile(r"Archived by Alex Analyst at \d{4}-\d\d-\d\d \d\d:\d\d UTC")


class StepFailed(Exception):
    """A step saw something other than what it expected (the message says what)."""


@dataclass(frozen=True)
class Step:
    title: str
    run: Callable[[], str]


class Smoke:
    """One smoke run: its steps and what they found along the way.

    Args:
        findings: the seed folder; the project's samples when None.
        out: where the steps are reported.
        event_format: how the local Chat calls the bot (see `Sandbox`).
        workdir: where the sandbox keeps its files; a temporary folder if None.
    """

    def __init__(
        self,
        findings: Path | None,
        out: TextIO,
        *,
        event_format: EventFormat = "classic",
        workdir: Path | None = None,
    ) -> None:
        self._findings = findings
        self._out = out
        self._event_format: EventFormat = event_format
        self._workdir = workdir
        self._sandbox: Sandbox | None = None
        self._finding_id = ""
        self._card_name = ""

    def run(self) -> bool:
        """Runs every step; True when all passed."""
        steps = [
            Step("Start the local Chat, the local GuardDuty and the bot", self.start),
            Step("Seed GuardDuty with findings", self.seed),
            Step(f'Wait for every finding\'s card in "{ALERTS}"', self.cards),
            Step("Click Archive on a card as Alex Analyst", self.archive),
            Step("Check GuardDuty archived the finding", self.guardduty),
            Step('Check the card says "Archived by Alex Analyst at ..."', self.card),
        ]
        self._print("Sandbox smoke test: finding -> card -> click -> GuardDuty")
        passed = False
        try:
            passed = self._steps(steps)
        finally:
            stopped = self._stop(len(steps) + 1)
        passed = passed and stopped
        self._print("Smoke test passed." if passed else "Smoke test FAILED.")
        return passed

    def _steps(self, steps: list[Step]) -> bool:
        for number, step in enumerate(steps, 1):
            try:
                detail = step.run()
            except Exception as error:
                self._report(False, number, step.title, _reason(error))
                for later, rest in enumerate(steps[number:], number + 1):
                    self._print(f"  - {later}. {rest.title} (not run)")
                return False
            self._report(True, number, step.title, detail)
        return True

    def _stop(self, number: int) -> bool:
        if self._sandbox is None:
            return True
        try:
            self._sandbox.stop()
        except Exception as error:
            self._report(False, number, "Stop everything", _reason(error))
            return False
        self._report(True, number, "Stop everything", "")
        return True

    def start(self) -> str:
        self._sandbox = Sandbox(
            findings=self._findings,
            seed=False,
            event_format=self._event_format,
            workdir=self._workdir,
        ).start()
        return f"page {self._sandbox.page_url}, bot {self._sandbox.bot_url}"

    def seed(self) -> str:
        sandbox = self._live()
        sandbox.seed(read_seeds(self._findings))
        added = len(sandbox.seeding.finding_ids)
        if not added:
            raise StepFailed("GuardDuty took no finding")
        skipped = sandbox.seeding.skipped
        words = f"{added} findings"
        if skipped:
            names = ", ".join(f"{s.path.name} ({s.reason})" for s in skipped)
            words += f"; skipped {len(skipped)}: {names}"
        return words

    def cards(self) -> str:
        sandbox = self._live()
        failed = [d.finding_id for d in sandbox.queue.deliveries if d.failed]
        if failed:
            raise StepFailed(f"the notifier did not deliver {', '.join(failed)}")
        missing = [i for i in sandbox.seeding.finding_ids if sandbox.card(i) is None]
        if missing:
            raise StepFailed(f"no card for {len(missing)} findings: {missing[:3]}")
        return f"{len(sandbox.seeding.finding_ids)} cards"

    def archive(self) -> str:
        sandbox = self._live()
        finding = self._open_finding(sandbox)
        card = sandbox.card(finding.id)
        assert card is not None
        self._finding_id, self._card_name = finding.id, card["name"]
        click = sandbox.chat.click(
            sandbox.alerts_space, card["name"], "Archive", user=sandbox.analyst
        )
        if not click.ok:
            raise StepFailed(f"the bot's answer was not applied: {click.error}")
        effect = click.effect.value if click.effect else "nothing"
        return f'"{finding.title}": the bot answered {click.status} ({effect})'

    def guardduty(self) -> str:
        sandbox = self._live()
        finding = Finding(sandbox.guardduty.finding(self._finding_id))
        if not finding.archived:
            raise StepFailed(f"finding {finding.id} is not archived in GuardDuty")
        return f"finding {finding.id} is archived"

    def card(self) -> str:
        sandbox = self._live()
        card = sandbox.card(self._finding_id)
        text = json.dumps(card, ensure_ascii=False)
        found = ARCHIVED_BY.search(text)
        if found is None:
            raise StepFailed('the card has no "Archived by Alex Analyst at ..."')
        return f'"{found.group(0)}"'

    def _open_finding(self, sandbox: Sandbox) -> Finding:
        for finding_id in sandbox.seeding.finding_ids:
            finding = Finding(sandbox.guardduty.finding(finding_id))
            if not finding.archived and finding.arn:
                return finding
        raise StepFailed("every seeded finding is archived already")

    def _live(self) -> Sandbox:
        if self._sandbox is None:
            raise StepFailed("the sandbox did not start")
        return self._sandbox

    def _report(self, ok: bool, number: int, title: str, detail: str) -> None:
        mark = "\u2713" if ok else "\u2717"
        self._print(f"  {mark} {number}. {title}" + (f": {detail}" if detail else ""))

    def _print(self, line: str) -> None:
        print(line, file=self._out, flush=True)


def _reason(error: BaseException) -> str:
    if isinstance(error, StepFailed):
        return str(error)
    return f"{type(error).__name__}: {error}"


def run_smoke(findings: Path | None, out: TextIO) -> bool:
    """Runs the smoke test, reporting to `out`; True when every step passed."""
    return Smoke(findings, out).run()
