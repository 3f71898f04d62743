"""`python -m sandbox`: the whole loop on this machine, until Ctrl-C.

    python -m sandbox                     the demo: prints the page to open
    python -m sandbox --smoke             the round trip, headless; exit 0 or 1
    python -m sandbox --findings DIR      seed from a folder of finding JSON files
    python -m sandbox --print-config      also print the configuration file
    python -m sandbox --addon             the Chat app as a Workspace add-on
    python -m sandbox --port 8080         the page on this port

Logs (the notifier's JSON lines, the bot's, the servers') go to `sandbox.log` in
the sandbox's temporary folder; the terminal shows only what a person needs.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import TextIO

from notifier import handler
from notifier.errors import ChatOpsError
from sandbox.smoke import Smoke
from sandbox.stack import ALERTS, ON_CALL, Sandbox, SandboxError, Seeding

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
LOG_FILE = "sandbox.log"
PROG = "python -m sandbox"


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    # Limitation: the notifier's CloudWatch metrics (EMF lines on standard
    # output) are switched off in the sandbox; they would flood the terminal,
    # and nothing reads them here.
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    # Also when started in the background, where SIGINT would be ignored.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    workdir = Path(tempfile.mkdtemp(prefix="guardduty-chatops-sandbox-"))
    status = EXIT_INTERRUPTED
    with _logging_to(workdir / LOG_FILE):
        try:
            run = _smoke if arguments.smoke else _demo
            status = run(arguments, workdir)
        finally:
            if not (arguments.smoke and status == EXIT_FAILED):
                shutil.rmtree(workdir, ignore_errors=True)
    return status


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Run GuardDuty chat-ops on this machine: a local Google Chat, "
        "a local GuardDuty and the bot, on 127.0.0.1. No cloud account needed.",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="post findings, click Archive as an allowed person, check GuardDuty "
        "and the card, and exit (0 when every step passed)",
    )
    parser.add_argument(
        "--findings",
        type=Path,
        metavar="DIR",
        help="seed GuardDuty from this folder's finding or event JSON files "
        "instead of the project's samples",
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=0,
        help="serve the local Chat's page on this port (default: one the OS picks)",
    )
    parser.add_argument(
        "--print-config",
        action="store_true",
        help="print the generated configuration file",
    )
    parser.add_argument(
        "--addon",
        action="store_true",
        help="set the Chat app up as a Workspace add-on (add-on events and tokens)",
    )
    return parser


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port (0 to 65535)")
    return port


def _demo(arguments: argparse.Namespace, workdir: Path) -> int:
    out = sys.stdout
    _say(out, "Starting the sandbox on 127.0.0.1 (no cloud account, no network)...")
    try:
        sandbox = Sandbox(
            findings=arguments.findings,
            event_format="addon" if arguments.addon else "classic",
            page_port=arguments.port,
            workdir=workdir,
        ).start()
    except (SandboxError, ChatOpsError) as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as error:
        where = f" on port {arguments.port}" if arguments.port else ""
        reason = error.strerror or error
        print(f"{PROG}: cannot listen{where}: {reason}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED

    try:
        _welcome(out, sandbox, arguments, workdir)
        _wait()
    except KeyboardInterrupt:
        pass
    _say(out, "\nStopping...")
    _second_interrupt_quits()
    sandbox.stop()
    _say(out, "Stopped.")
    return 0


def _smoke(arguments: argparse.Namespace, workdir: Path) -> int:
    smoke = Smoke(
        arguments.findings,
        sys.stdout,
        event_format="addon" if arguments.addon else "classic",
        workdir=workdir,
    )
    if smoke.run():
        return 0
    print(f"The sandbox log is kept at {workdir / LOG_FILE}", file=sys.stderr)
    return EXIT_FAILED


def _welcome(
    out: TextIO, sandbox: Sandbox, arguments: argparse.Namespace, workdir: Path
) -> None:
    seeding = sandbox.seeding
    source = arguments.findings or "the project's samples (sandbox/samples)"
    lines = [
        "",
        "GuardDuty chat-ops sandbox is running.",
        "",
        f"  Open the local Google Chat:  {sandbox.page_url}",
        "",
        f"  Local GuardDuty   {sandbox.guardduty.url}  "
        f"(administrator account {sandbox.guardduty.administrator})",
        f"  The bot           {sandbox.bot_url}  (the real Flask app; "
        f"{_format_words(sandbox)})",
        f"  Configuration     {sandbox.config_path}",
        f"  Log               {workdir / LOG_FILE}",
        "",
        f"GuardDuty holds {len(seeding.finding_ids)} findings from {source};",
        f'the notifier posted a card for each in "{ALERTS}".',
        *_skipped_lines(seeding),
        "",
        "Try this in the page:",
        "  1. Acting as Alex Analyst (may do everything), click Archive on a card:",
        "     GuardDuty archives the finding; the card says who archived it, when.",
        "  2. Switch 'Acting as' to Ivy Intern (may do nothing) and click a button:",
        "     the bot refuses, in a message only Ivy sees. GuardDuty is unchanged.",
        "  3. As Olu Oncall, click Escalate and give a reason: it is posted in",
        f'     "{ON_CALL}", mentioning the on-call engineer.',
        "  4. Type /gd-help in the message box.",
        "  5. Under 'Sandbox controls' (left): have GuardDuty create a sample",
        "     finding, or see a finding again (count +1), and watch its card.",
        "",
    ]
    if arguments.print_config:
        lines += [f"--- {sandbox.config_path} ---", sandbox.config_text.rstrip(), "---"]
        lines += [""]
    lines += ["Press Ctrl-C to stop."]
    _say(out, "\n".join(lines))


def _format_words(sandbox: Sandbox) -> str:
    if sandbox.event_format == "addon":
        return "Workspace add-on events"
    return "Chat app events"


def _skipped_lines(seeding: Seeding) -> list[str]:
    if not seeding.skipped:
        return []
    lines = [f"Skipped {len(seeding.skipped)} files that hold no finding:"]
    lines += [f"  {s.path.name}: {s.reason}" for s in seeding.skipped]
    return lines


def _wait() -> None:
    while True:
        time.sleep(3600)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _second_interrupt_quits() -> None:
    # Limitation: a second Ctrl-C while stopping quits at once, leaving the
    # temporary folder (key file, configuration, log) behind for the OS to clean.
    def quit_now(signum: int, frame: FrameType | None) -> None:
        os._exit(EXIT_INTERRUPTED)

    signal.signal(signal.SIGINT, quit_now)
    signal.signal(signal.SIGTERM, quit_now)


@contextlib.contextmanager
def _logging_to(path: Path) -> Iterator[None]:
    """Sends every log line, the notifier's Lambda JSON lines too, to `path`."""
    file_handler = logging.FileHandler(path, encoding="utf-8")
    file_handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    root = logging.getLogger()
    root.addHandler(file_handler)
    root.setLevel(logging.INFO)
    lambda_handlers = [
        (each, each.setStream(file_handler.stream))
        for each in logging.getLogger(handler.SERVICE).handlers
        if isinstance(each, logging.StreamHandler)
    ]
    try:
        yield
    finally:
        for each, stream in lambda_handlers:
            each.setStream(stream)
        root.removeHandler(file_handler)
        file_handler.close()


def _say(out: TextIO, text: str) -> None:
    print(text, file=out, flush=True)
