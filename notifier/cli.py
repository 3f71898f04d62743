"""``python -m notifier``: preview the Chat message for findings, or send them.

Exit codes: 0 done, 1 some finding could not be delivered anywhere (``send``), 2 bad
input (a file that is not a GuardDuty finding, a bad configuration); each error is
one line on standard error.
"""

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from notifier import config
from notifier.aws import AwsClients
from notifier.budget import Budget
from notifier.cards import finding_message
from notifier.channels import open_channels
from notifier.delivery import deliver
from notifier.digest import digest_message
from notifier.errors import ChatOpsError, NotAFinding
from notifier.finding import Finding, read_findings
from notifier.outcome import Status
from notifier.secrets import SecretStore

EXIT_UNDELIVERED = 1
EXIT_BAD_INPUT = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    arguments = parser.parse_args(argv)
    try:
        return int(arguments.run(arguments))
    except ChatOpsError as error:
        print(f"{parser.prog}: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # the reader (head, less) went away: not an error
        sys.stderr.close()
        return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m notifier",
        description="GuardDuty findings as Google Chat cards.",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    preview = commands.add_parser(
        "preview",
        help="print the Chat message JSON for findings or EventBridge events",
    )
    preview.add_argument("files", nargs="+", type=Path, metavar="FILE")
    preview.add_argument(
        "--webhook", action="store_true", help="the webhook variant (link buttons only)"
    )
    preview.add_argument(
        "--digest", action="store_true", help="one digest card for all the findings"
    )
    preview.set_defaults(run=_preview)
    send = commands.add_parser(
        "send",
        help="deliver findings as one batch, per the configuration (CHATOPS_CONFIG)",
    )
    send.add_argument("files", nargs="+", type=Path, metavar="FILE")
    send.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="time for the whole batch, fallbacks included (default 300)",
    )
    send.add_argument("--verbose", action="store_true", help="log each step")
    send.set_defaults(run=_send)
    return parser


def _preview(arguments: argparse.Namespace) -> int:
    settings = config.load()
    findings = [finding for path in arguments.files for finding in read_file(path)]
    messages: Any
    if arguments.digest:
        messages = digest_message(
            findings, settings.cards, top=settings.digest.top, webhook=arguments.webhook
        )
    else:
        rendered = [
            finding_message(f, settings.cards, webhook=arguments.webhook)
            for f in findings
        ]
        messages = rendered[0] if len(rendered) == 1 else rendered
    json.dump(messages, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


def _send(arguments: argparse.Namespace) -> int:
    logging.basicConfig(
        level=logging.INFO if arguments.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    findings = [finding for path in arguments.files for finding in read_file(path)]
    settings = config.load()
    clients = AwsClients(settings.aws)
    channels = open_channels(settings, SecretStore(clients), clients)
    outcomes = deliver(findings, Budget.of(arguments.timeout), settings, channels)
    for outcome in dict.fromkeys(outcomes):
        print(outcome.describe())
    failed = [
        o.finding_id for o in dict.fromkeys(outcomes) if o.status is Status.FAILED
    ]
    if failed:
        print(
            f"python -m notifier: not delivered anywhere: {', '.join(failed)}",
            file=sys.stderr,
        )
        return EXIT_UNDELIVERED
    return 0


def read_file(path: Path) -> list[Finding]:
    """The findings in a JSON file.

    Raises:
        NotAFinding: the file is unreadable, not JSON, or holds no finding; the
            message names the file.
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise NotAFinding(f"{path}: cannot read: {error.strerror}") from error
    except (ValueError, UnicodeDecodeError) as error:
        raise NotAFinding(f"{path}: not JSON: {error}") from error
    except RecursionError as error:
        raise NotAFinding(f"{path}: JSON nested too deeply") from error
    try:
        return read_findings(document)
    except NotAFinding as error:
        raise NotAFinding(f"{path}: {error}") from error
    except RecursionError as error:
        raise NotAFinding(f"{path}: nested too deeply to be a finding") from error
