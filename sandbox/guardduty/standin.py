"""A local GuardDuty: a loopback server, its findings, and their events.

    with GuardDutyStandIn(on_event=notify) as guardduty:
        client = boto3.client("guardduty", endpoint_url=guardduty.url, ...)
        guardduty.seed()

Every create or update of a finding hands the EventBridge event GuardDuty
would send to `on_event`, on a background thread as GuardDuty sends them after
the API call has returned; `flush()` waits for those deliveries.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from sandbox import samples, wire
from sandbox.guardduty.events import Event, finding_event, finding_of
from sandbox.guardduty.findings import Finding, bumped, detector_id, home_region
from sandbox.guardduty.operations import Caller, GuardDutyApi
from sandbox.guardduty.server import GuardDutyServer
from sandbox.guardduty.store import Feedback, Filter, FindingStore
from sandbox.loopback import ServerThread

logger = logging.getLogger(__name__)

ADMINISTRATOR = "111122223333"
MEMBER = "444455556666"


class GuardDutyStandIn:
    """GuardDuty for one administrator account and its members, on 127.0.0.1.

    Args:
        on_event: receives each "GuardDuty Finding" EventBridge event.
        administrator: the GuardDuty administrator account.
        members: its member accounts; accounts of added findings join them.
        access_keys: access key id to account; keys not listed belong to the
            administrator.
        state_file: a JSON file that keeps the state across restarts.
        templates: the findings CreateSampleFindings copies (the project's
            samples by default).
        member_buses: also send a member's findings to the member's own bus,
            as GuardDuty does; by default only the administrator's bus
            (where the product's rule runs) gets them.
        clock: the current time, in UTC.
        host: the address to listen on; loopback by default.
        port: the port; 0 lets the OS choose.
    """

    def __init__(
        self,
        *,
        on_event: Callable[[Event], None] | None = None,
        administrator: str = ADMINISTRATOR,
        members: Iterable[str] = (MEMBER,),
        access_keys: Mapping[str, str] | None = None,
        state_file: Path | None = None,
        templates: Sequence[Finding] | None = None,
        member_buses: bool = False,
        clock: Callable[[], datetime] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self._on_event = on_event
        self._access_keys = dict(access_keys or {})
        self._templates = list(templates) if templates is not None else None
        self._member_buses = member_buses
        self._clock = clock or (lambda: datetime.now(UTC))
        self._store = FindingStore(administrator, members, state_file)
        self._api = GuardDutyApi(self._store, self._publish, self._samples, self._clock)
        self._address = (host, port)
        self._server: GuardDutyServer | None = None
        self._loop: ServerThread | None = None
        self._deliveries = ThreadPoolExecutor(1, thread_name_prefix="guardduty-events")
        self._pending: list[Future[None]] = []
        self._events: list[Event] = []
        self._lock = threading.Lock()

    def start(self) -> Self:
        """Start serving; returns self."""
        self._server = GuardDutyServer(self._address, self._api, self._account_of)
        self._loop = ServerThread(self._server, "guardduty-standin")
        self._loop.start()
        logger.info("GuardDuty stand-in listening on %s", self.url)
        return self

    def stop(self) -> None:
        """Stop serving and finish delivering events."""
        if self._loop is not None:
            self._loop.stop()
            self._loop = None
            self._server = None
        self._deliveries.shutdown(wait=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The endpoint URL for boto3 (`endpoint_url=`)."""
        if self._server is None:
            raise RuntimeError("the GuardDuty stand-in is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def administrator(self) -> str:
        """The administrator account."""
        return self._store.administrator

    @property
    def members(self) -> frozenset[str]:
        """The member accounts."""
        return self._store.members

    def detector_id(self, region: str, account: str | None = None) -> str:
        """The detector of `account` (the administrator by default) in `region`."""
        return detector_id(account or self.administrator, region)

    def findings(self, region: str | None = None) -> list[Finding]:
        """Copies of every finding (in `region` only, if given), oldest first."""
        every = self._store.all()
        return [f for f in every if region is None or home_region(f) == region]

    def finding(self, finding_id: str) -> Finding:
        """A copy of one finding.

        Raises:
            KeyError: no finding has that id.
        """
        found = self._store.get(finding_id)
        if found is None:
            raise KeyError(finding_id)
        return found

    def bump(self, finding_id: str) -> Finding:
        """Make GuardDuty see `finding_id` again: count + 1, updatedAt and
        eventLastSeen now, and an event unless a suppression rule takes it.

        Raises:
            KeyError: no finding has that id.
        """
        updated = bumped(self.finding(finding_id), self._clock())
        self._publish([updated])
        return self.finding(finding_id)

    def add(self, document: Mapping[str, Any]) -> Finding:
        """Add a finding, or the finding in a "GuardDuty Finding" event, as given.

        Data GuardDuty wrote may carry keys the model lacks or other quirks,
        so only the finding's required members are insisted on. An id already
        held is replaced, as an update.

        Raises:
            ValueError: the document is neither, or lacks a required member.
        """
        finding = finding_of(document)
        if finding is None:
            raise ValueError("not a GuardDuty finding or GuardDuty Finding event")
        lenient = wire.problems(wire.shape("Finding"), finding, strict=False)
        missing = [p for p in lenient if p.message == "is required"]
        if missing:
            raise ValueError(f"finding {finding['id']}: {missing[0]}")
        if lenient:
            logger.debug(
                "Finding %s added with %d departures from the model",
                finding["id"],
                len(lenient),
            )
        self._publish([finding])
        return self.finding(finding["id"])

    def add_folder(self, folder: Path) -> list[Finding]:
        """Add every finding or finding event among `folder`'s *.json files.

        Files holding anything else are skipped.
        """
        added = []
        for path in sorted(folder.glob("*.json")):
            document = json.loads(path.read_text(encoding="utf-8"))
            if finding_of(document) is None:
                logger.info("Skipped %s: not a GuardDuty finding", path.name)
                continue
            added.append(self.add(document))
        return added

    def seed(self) -> list[Finding]:
        """Add the sample findings as written, in their own accounts and Regions."""
        return [self.add(f) for f in self._samples()]

    def create_samples(
        self,
        region: str,
        finding_types: Sequence[str] = (),
        account: str | None = None,
    ) -> list[Finding]:
        """Do what CreateSampleFindings does, for `account` in `region`.

        Raises:
            GuardDutyError: a finding type that is not a valid type name.
        """
        caller = Caller(account or self.administrator, region)
        made = self._api.make_samples(caller, list(finding_types))
        return [self.finding(f["id"]) for f in made]

    def feedback(self, finding_id: str) -> list[Feedback]:
        """The feedback given on a finding, with its comments, oldest first."""
        return self._store.feedback(finding_id)

    def filters(self, region: str, account: str | None = None) -> list[Filter]:
        """The filters of a detector, by rank."""
        return self._store.filters(account or self.administrator, region)

    def events(self) -> list[Event]:
        """Every event sent so far, oldest first."""
        with self._lock:
            return list(self._events)

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until every event sent so far has reached `on_event`.

        Raises:
            TimeoutError: deliveries still pending after `timeout` seconds.
        """
        with self._lock:
            pending = list(self._pending)
        _, not_done = wait(pending, timeout=timeout)
        if not_done:
            raise TimeoutError(f"{len(not_done)} GuardDuty events still pending")

    def _account_of(self, access_key: str) -> str:
        return self._access_keys.get(access_key, self.administrator)

    def _samples(self) -> list[Finding]:
        if self._templates is not None:
            return [dict(t) for t in self._templates]
        return samples.load_findings()

    def _publish(self, findings: list[Finding]) -> None:
        now = self._clock()
        for finding in findings:
            if not self._store.put(finding):
                logger.info("Finding %s suppressed by a filter", finding["id"])
                continue
            stored = self.finding(finding["id"])
            buses = [self.administrator]
            if self._member_buses and stored["accountId"] != self.administrator:
                buses.append(stored["accountId"])
            for account in buses:
                self._send(finding_event(stored, account, now))

    def _send(self, event: Event) -> None:
        logger.info(
            "GuardDuty event %s for finding %s to account %s",
            event["id"],
            event["detail"]["id"],
            event["account"],
        )
        with self._lock:
            self._events.append(event)
            self._pending = [f for f in self._pending if not f.done()]
            if self._on_event is not None:
                self._pending.append(self._deliveries.submit(self._deliver, event))

    def _deliver(self, event: Event) -> None:
        assert self._on_event is not None
        try:
            self._on_event(event)
        except Exception:
            logger.exception("on_event failed for GuardDuty event %s", event["id"])
