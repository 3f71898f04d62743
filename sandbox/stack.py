"""The whole loop on one machine: local Google Chat, local GuardDuty, the real bot.

    with Sandbox() as sandbox:
        print(sandbox.page_url)

`Sandbox` starts, on 127.0.0.1 and on ports the OS picks:

- the local Google Chat (`ChatServer`), with a "GuardDuty alerts" space, an
  "On-call" escalation space and the Chat app's service account, whose key file
  it writes;
- the local GuardDuty (`GuardDutyStandIn`), whose events go through an SQS-shaped
  queue to the notifier's real Lambda handler, which posts cards with the real
  Chat app client;
- the real bot: the Flask app from `bot.app.create_app`, on werkzeug's WSGI
  server, verifying the tokens the local Chat signs through its normal code path.

All three are configured by one generated configuration file, read by the
product's own loader, that differs from production only in where it points.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import secrets
import shutil
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

import boto3

from bot.app import create_app
from notifier import chat_keys, config, handler
from notifier.aws import AwsClients
from notifier.errors import NotAFinding
from notifier.finding import Finding
from notifier.settings import Settings
from sandbox import samples
from sandbox.bot_server import BotServer
from sandbox.chat_people import DEFAULT_PEOPLE, Person
from sandbox.chat_server import ChatServer
from sandbox.configuration import HOME_REGION, Wiring, config_text
from sandbox.controls import GuardDutyControls
from sandbox.findings_queue import FindingsQueue
from sandbox.google_identity import CHAT_ISSUER, ChatApp, TokenKind
from sandbox.guardduty import GuardDutyStandIn, finding_of

logger = logging.getLogger(__name__)

EventFormat = Literal["classic", "addon"]
PROJECT_NUMBER = "123456789012"
ALERTS = "GuardDuty alerts"
ON_CALL = "On-call"
APP_NAME = "GuardDuty"
CONFIG_FILE = "chatops.toml"
KEY_FILE = "chat-app-key.json"
# Limitation: the notifier paces its writes to a space at chat.writes_per_minute
# (50), as in production, so a seed folder of more than 50 findings takes a
# minute per 50 to post, and one of more than about 100 outlasts this wait (the
# rest of the cards still arrive). Posting them faster would mean a sandbox-only
# writes_per_minute, which the local Chat's 60-a-minute quota would then refuse.
SEED_SECONDS = 120.0
# Made-up keys (the secret half is random): the local GuardDuty takes any, and
# they keep boto3 from looking for real ones (environment, profiles, metadata).
ACCESS_KEY = "sandbox-access-key"  # the local GuardDuty takes any key

# The people of the page, their roles saying what the configuration lets them do.
PEOPLE = tuple(
    dataclasses.replace(person, role=role)
    for person, role in zip(
        DEFAULT_PEOPLE,
        (
            "analyst: may do everything",
            "on call: may acknowledge and escalate",
            "intern: may do nothing",
        ),
        strict=True,
    )
)

# Limitation: the notifier's Lambda handler keeps its settings per process (a
# warm container), read from CHATOPS_CONFIG, so only one Sandbox runs at a time
# in a process; a second raises SandboxError. Several would need the handler to
# take its runtime as an argument, which production does not need.
_RUNNING = threading.Lock()


class SandboxError(Exception):
    """The sandbox cannot start as asked."""


@dataclass(frozen=True)
class Skipped:
    """A seed file that is not a GuardDuty finding, and why."""

    path: Path
    reason: str


@dataclass(frozen=True)
class Seeds:
    """Finding documents to put into GuardDuty, and the files passed over."""

    documents: tuple[tuple[str, dict[str, Any]], ...]
    skipped: tuple[Skipped, ...] = ()

    @property
    def regions(self) -> tuple[str, ...]:
        """The Regions of the findings (where the bot must be allowed to act)."""
        found = set()
        for _, document in self.documents:
            region = Finding.from_document(document).region
            if region:
                found.add(region)
        return tuple(sorted(found))


@dataclass(frozen=True)
class Seeding:
    """What seeding did: the finding ids GuardDuty now holds, and what it skipped."""

    finding_ids: tuple[str, ...]
    skipped: tuple[Skipped, ...]


def read_seeds(folder: Path | None) -> Seeds:
    """The findings in `folder`'s *.json files, or the project's samples.

    A file holding anything but a GuardDuty finding or a "GuardDuty Finding"
    event is skipped with the reason.

    Raises:
        SandboxError: `folder` is not a folder, or holds no finding at all.
    """
    if folder is None:
        found = samples.load_findings()
        return Seeds(tuple((str(document["id"]), document) for document in found))
    if not folder.is_dir():
        raise SandboxError(f"{folder} is not a folder")
    documents, skipped = [], []
    for path in sorted(folder.glob("*.json")):
        document, reason = _read_seed(path)
        if document is None:
            skipped.append(Skipped(path, reason))
        else:
            documents.append((path.name, document))
    if not documents:
        raise SandboxError(f"{folder} holds no GuardDuty finding (*.json)")
    return Seeds(tuple(documents), tuple(skipped))


def _read_seed(path: Path) -> tuple[dict[str, Any] | None, str]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        return None, f"unreadable ({type(error).__name__})"
    except json.JSONDecodeError as error:
        return None, f"not JSON (line {error.lineno})"
    if not isinstance(document, dict) or finding_of(document) is None:
        return None, "not a GuardDuty finding or GuardDuty Finding event"
    try:
        Finding.from_document(document)
    except NotAFinding as error:
        return None, f"not a finding the notifier reads: {error}"
    return document, ""


# Limitation: the page has no sign-in: anyone who can reach 127.0.0.1 on this
# machine (another local user, too) can open it and act as any of the sandbox's
# people. It holds only made-up findings and keys; a shared machine would need a
# per-run secret in the page's URL.
class Sandbox:
    """The local Chat, the local GuardDuty and the bot, wired as in production.

    Args:
        findings: a folder of finding or event JSON files to seed GuardDuty
            with; the project's samples when None.
        seed: put the findings into GuardDuty on start (their cards follow).
        event_format: how the local Chat calls the bot: "classic" Chat app
            events (project-number tokens) or "addon" (a Chat app built as a
            Workspace add-on: add-on tokens, and card buttons call the bot's URL).
        page_port: the local Chat's port (its page and API); 0 lets the OS choose.
        workdir: where the key file and configuration go; a new temporary
            folder, removed on stop, when None.

    Raises:
        SandboxError: on start, when the seed folder has no finding, or
            another Sandbox runs in this process.

    Once started:
        chat: the local Google Chat (`ChatServer`): its people click with
            `chat.click`, `chat.submit_dialog` and `chat.command`.
        guardduty: the local GuardDuty (`GuardDutyStandIn`).
        bot: the bot's server; `bot_url` is its endpoint.
        queue: the queue from GuardDuty to the notifier, with what it delivered.
        controls: the sandbox's panel in the page.
        alerts_space, oncall_space: the spaces, `spaces/ID`.
        app, token_kind: the Chat app as the local Chat signs its tokens.
        config_path, config_text: the configuration file every part reads.
        seeding: the findings seeded, and the files skipped.
    """

    def __init__(
        self,
        *,
        findings: Path | None = None,
        seed: bool = True,
        event_format: EventFormat = "classic",
        page_port: int = 0,
        workdir: Path | None = None,
    ) -> None:
        self._findings = findings
        self._seed = seed
        self.event_format: EventFormat = event_format
        self._page_port = page_port
        self._workdir = workdir
        self._stack = contextlib.ExitStack()
        self.seeding = Seeding((), ())

    def start(self) -> Self:
        """Starts everything and seeds GuardDuty; returns self."""
        seeds = read_seeds(self._findings)
        try:
            self._start(seeds)
            if self._seed:
                self.seed(seeds)
        except BaseException:
            self._stack.close()
            raise
        return self

    def stop(self) -> None:
        """Stops everything, last started first, and removes the temporary folder."""
        self._stack.close()

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
    def page_url(self) -> str:
        """The local Chat's page, opened on the alerts space."""
        return f"{self.chat.url}/#{self.alerts_space}"

    @property
    def bot_url(self) -> str:
        """The bot's endpoint, where the local Chat posts events."""
        return self.bot.url

    @property
    def analyst(self) -> Person:
        """Alex Analyst: may do everything."""
        return self.chat.person("Alex Analyst")

    @property
    def on_call(self) -> Person:
        """Olu Oncall: may acknowledge and escalate; mentioned in escalations."""
        return self.chat.person("Olu Oncall")

    @property
    def intern(self) -> Person:
        """Ivy Intern: may do nothing, to show a refusal."""
        return self.chat.person("Ivy Intern")

    def seed(self, seeds: Seeds) -> Seeding:
        """Puts `seeds` into GuardDuty and waits until the notifier has delivered
        every event; also kept as `seeding`.

        Raises:
            TimeoutError: events still undelivered after a while.
        """
        ids, skipped = [], list(seeds.skipped)
        for name, document in seeds.documents:
            try:
                ids.append(self.guardduty.add(document)["id"])
            except ValueError as error:
                skipped.append(Skipped(Path(name), str(error)))
        self.settle(SEED_SECONDS)
        logger.info("seeded %d findings, skipped %d files", len(ids), len(skipped))
        # Two files can hold one finding (a finding and an event carrying it).
        self.seeding = Seeding(tuple(dict.fromkeys(ids)), tuple(skipped))
        return self.seeding

    def settle(self, timeout: float = 10.0) -> None:
        """Waits until every GuardDuty event so far has been through the notifier.

        Raises:
            TimeoutError: some are still on their way after `timeout` seconds.
        """
        self.guardduty.flush(timeout)

    def card(self, finding_id: str) -> dict[str, Any] | None:
        """The finding's card in the alerts space, as Chat holds it now."""
        finding = Finding(self.guardduty.finding(finding_id))
        name = f"{self.alerts_space}/messages/{chat_keys.message_id(finding)}"
        for message in self.chat.messages(self.alerts_space):
            if message["name"] == name:
                return message
        return None

    def _card_name(self, finding_id: str) -> str | None:
        card = self.card(finding_id)
        return None if card is None else str(card["name"])

    def cards(self) -> list[dict[str, Any]]:
        """Every finding card in the alerts space, oldest first."""
        messages = self.chat.messages(self.alerts_space)
        return [m for m in messages if _is_finding_card(m)]

    def _start(self, seeds: Seeds) -> None:
        workdir = self._enter_workdir()
        self.config_path = workdir / CONFIG_FILE
        self._stack.enter_context(_notifier_runtime(self.config_path))
        self.chat = self._stack.enter_context(
            ChatServer(people=PEOPLE, port=self._page_port)
        )
        self.alerts_space = self.chat.create_space(ALERTS)
        self.oncall_space = self.chat.create_space(ON_CALL)
        account = self.chat.create_service_account("guardduty-chatops", APP_NAME)
        key_file = self.chat.write_service_account_key(workdir / KEY_FILE, account)
        self.queue = FindingsQueue()
        self.guardduty = self._stack.enter_context(
            GuardDutyStandIn(on_event=self.queue)
        )
        self.bot = self._stack.enter_context(BotServer())
        self._serve_bot(key_file, seeds.regions)
        self.chat.configure_app(
            self.bot.url,
            self.app,
            self.token_kind,
            event_format=self.event_format,
            account=account,
        )
        self.controls = GuardDutyControls(
            self.guardduty, self.queue, HOME_REGION, self._card_name
        )
        self.chat.attach_controls(self.controls)
        logger.info("sandbox started: the page is %s", self.page_url)

    def _serve_bot(self, key_file: Path, regions: Sequence[str]) -> None:
        """Writes the configuration, and serves the bot the product's loader and
        `create_app` make of it."""
        addon = self.event_format == "addon"
        self.app = ChatApp(PROJECT_NUMBER, self.bot.url)
        self.token_kind = TokenKind.ADDON if addon else TokenKind.PROJECT_NUMBER
        wiring = self._wiring(key_file, regions)
        self.config_text = config_text(wiring)
        self.config_path.write_text(self.config_text, encoding="utf-8")
        settings = config.load(self.config_path)
        self.bot.serve(create_app(settings, clients=_aws_clients(settings)))

    def _enter_workdir(self) -> Path:
        if self._workdir is not None:
            self._workdir.mkdir(parents=True, exist_ok=True)
            return self._workdir
        made = Path(tempfile.mkdtemp(prefix="guardduty-chatops-sandbox-"))
        self._stack.callback(shutil.rmtree, made, ignore_errors=True)
        return made

    def _wiring(self, key_file: Path, regions: Sequence[str]) -> Wiring:
        app, kind = self.app, self.token_kind
        addon = kind is TokenKind.ADDON
        return Wiring(
            chat_url=self.chat.url,
            key_file=key_file,
            alerts_space=self.alerts_space,
            oncall_space=self.oncall_space,
            audience=app.endpoint_url if addon else app.project_number,
            issuer=app.addon_service_account if addon else CHAT_ISSUER,
            certs_url=self.chat.certs_url(kind),
            guardduty_url=self.guardduty.url,
            action_function=self.bot.url if addon else "guardduty",
            analyst=self.analyst,
            on_call=self.on_call,
            regions=tuple(sorted({HOME_REGION, *regions})),
        )


def _is_finding_card(message: dict[str, Any]) -> bool:
    return any(card.get("cardId") == "finding" for card in message.get("cardsV2", []))


def _aws_clients(settings: Settings) -> AwsClients:
    session = boto3.session.Session(
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=secrets.token_hex(20),
        region_name=HOME_REGION,
    )
    return AwsClients(settings.aws, session=session)


@contextlib.contextmanager
def _notifier_runtime(config_path: Path) -> Iterator[None]:
    """Points the notifier's Lambda handler at the sandbox's configuration.

    The handler reads `CHATOPS_CONFIG` once per process (a warm container) and
    sets up the `notifier` logger as on Lambda; both are put back afterwards.
    """
    if not _RUNNING.acquire(blocking=False):
        raise SandboxError("another Sandbox is running in this process")
    package = logging.getLogger("notifier")
    saved_logger = (package.handlers[:], package.propagate, package.level)
    saved_config = os.environ.get("CHATOPS_CONFIG")
    os.environ["CHATOPS_CONFIG"] = str(config_path)
    handler.runtime.cache_clear()
    try:
        yield
    finally:
        handler.runtime.cache_clear()
        if saved_config is None:
            os.environ.pop("CHATOPS_CONFIG", None)
        else:
            os.environ["CHATOPS_CONFIG"] = saved_config
        package.handlers, package.propagate = saved_logger[0], saved_logger[1]
        package.setLevel(saved_logger[2])
        _RUNNING.release()
