"""Checks a configuration file against the stack it is about to be deployed with.

The configuration is bundled into the code package, so a wrong name in it costs a
redeployment. This reads it with the product's own loader (which refuses literal
secrets and unknown keys) and compares the names it gives to the names the stack
creates. Run by infra/deploy.sh and infra/gcp/deploy.sh; needs Python 3.11+ only.

    python infra/preflight.py CONFIG [--stack NAME --partition P --region R
                                      --account ID]

Exit status: 0 fine, 1 a problem (printed), 2 bad usage.
"""

import argparse
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class StackNames:
    """What the main stack (infra/template.yaml) creates under fixed names."""

    alerts_topic_arn: str
    escalation_topic_arn: str
    records_table: str

    @classmethod
    def of(cls, stack: str, partition: str, region: str, account: str) -> "StackNames":
        topic = f"arn:{partition}:sns:{region}:{account}:{stack}"
        return cls(
            alerts_topic_arn=f"{topic}-alerts",
            escalation_topic_arn=f"{topic}-escalations",
            records_table=f"{stack}-deliveries",
        )


def mismatches(document: Mapping[str, Any], names: StackNames) -> list[str]:
    """Where the configuration names something the stack does not create."""
    found = []
    checks = (
        (("sns", "topic_arn"), names.alerts_topic_arn, "the alerts topic"),
        (
            ("bot", "escalation", "topic_arn"),
            names.escalation_topic_arn,
            "the escalation topic",
        ),
        (
            ("delivery", "records_table"),
            names.records_table,
            "the delivery records table (deploy with DeliveryRecords=true)",
        ),
    )
    for path, expected, what in checks:
        value = _lookup(document, path)
        if value is not None and value != expected:
            found.append(
                f"{'.'.join(path)} is {value!r}, but the stack's functions may only "
                f"use {what}: {expected!r}"
            )
    return found


def _lookup(document: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = document
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def validate(path: Path) -> list[str]:
    """The configuration's own errors, as the notifier would report them at start."""
    sys.path.insert(0, str(ROOT))
    from bot.settings import read as read_bot_settings
    from notifier.config import check_deliverable, load
    from notifier.errors import ConfigError

    try:
        settings = load(path)
        check_deliverable(settings)
        if settings.bot:  # the bot reads [bot] at start: refuse what it refuses
            read_bot_settings(settings)
    except ConfigError as error:
        return [str(error)]
    return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", type=Path)
    parser.add_argument("--stack")
    parser.add_argument("--partition", default="aws")
    parser.add_argument("--region")
    parser.add_argument("--account")
    args = parser.parse_args(argv)
    stack_args = (args.stack, args.region, args.account)
    if any(stack_args) and not all(stack_args):
        parser.error("--stack, --region and --account go together")

    problems = validate(args.config)
    if not problems and args.stack:
        names = StackNames.of(args.stack, args.partition, args.region, args.account)
        document = tomllib.loads(args.config.read_text(encoding="utf-8"))
        problems = mismatches(document, names)
    for problem in problems:
        print(f"preflight: {problem}", file=sys.stderr)
    if not problems:
        print(f"preflight: {args.config} is ready")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
