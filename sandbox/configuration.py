"""The configuration file the sandbox runs the product with.

It is an ordinary `CHATOPS_CONFIG` file, read by the product's own loader. Only the
settings marked "sandbox:" differ from a production file: they point the product
at the stand-ins on 127.0.0.1 (`chat.api_url`, the key file's `token_uri`,
`bot.verify.certs_url`, `aws.endpoint_url`). Everything else, from who may do
what to where escalations go, is configured as a team would configure it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from sandbox.chat_people import Person
from sandbox.guardduty import ADMINISTRATOR, MEMBER

HOME_REGION = "us-east-1"
ACCOUNT_ALIASES: Mapping[str, str] = MappingProxyType(
    {ADMINISTRATOR: "production", MEMBER: "staging"}
)
# What the on-call engineer may do besides reading: the rest is the analyst's.
ON_CALL_ACTIONS = ("acknowledge", "escalate", "refresh", "show")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Wiring:
    """Where the stand-ins listen, and how the Chat app is set up in them.

    Attributes:
        chat_url: the local Chat API root.
        key_file: the Chat app's service-account key (its `token_uri` is local).
        alerts_space: where finding cards go, `spaces/ID`.
        oncall_space: where escalations go, `spaces/ID`.
        audience: the token audience: the project number or the bot's URL.
        issuer: who signs the tokens (the add-on's service account, or Chat).
        certs_url: where the signing certificates are published (locally).
        guardduty_url: the local GuardDuty endpoint.
        action_function: what card buttons call: a name, or the bot's URL for
            an app built as a Workspace add-on.
        regions: the Regions the bot may act in and searches.
        analyst: may do everything.
        on_call: may acknowledge, escalate, refresh and look findings up, and
            is mentioned in escalations.
    """

    chat_url: str
    key_file: Path
    alerts_space: str
    oncall_space: str
    audience: str
    issuer: str
    certs_url: str
    guardduty_url: str
    action_function: str
    analyst: Person
    on_call: Person
    regions: tuple[str, ...] = (HOME_REGION,)
    aliases: Mapping[str, str] = field(default_factory=lambda: ACCOUNT_ALIASES)


def permissions(analyst: Person, on_call: Person) -> dict[str, list[str]]:
    """`[bot.permissions]`: the analyst may do everything, the on-call engineer
    may acknowledge and escalate, and nobody else may do anything."""
    rules = {"default": [analyst.email]}
    for action in ON_CALL_ACTIONS:
        rules[action] = [analyst.email, on_call.email]
    return rules


def config_text(wiring: Wiring) -> str:
    """The TOML configuration file for `wiring`, with comments for a reader."""
    lines = [
        "# GuardDuty chat-ops, as the sandbox runs it (written by python -m sandbox).",
        "# Lines marked 'sandbox:' point the product at the local stand-ins on",
        "# 127.0.0.1; everything else is configured as for production.",
        "",
        "[chat]",
        "# sandbox: the local Google Chat API.",
        _line("api_url", wiring.chat_url),
        "# sandbox: the key's token_uri is the local Chat's OAuth token endpoint.",
        _line("credentials", f"file:{wiring.key_file}"),
        _line("space", wiring.alerts_space),
        _line("action_function", wiring.action_function),
        "",
        "[cards.account_aliases]",
        *(_line(account, name) for account, name in wiring.aliases.items()),
        "",
        "[aws]",
        _line("region", HOME_REGION),
        _line("regions", list(wiring.regions)),
        "# sandbox: the local GuardDuty (access keys are made up).",
        _line("endpoint_url", wiring.guardduty_url),
        "",
        "[bot.verify]",
        _line("audience", wiring.audience),
        _line("issuer", wiring.issuer),
        "# sandbox: the local Chat publishes the keys it signs tokens with.",
        _line("certs_url", wiring.certs_url),
        "",
        "[bot.permissions]",
        *_table(permissions(wiring.analyst, wiring.on_call)),
        "",
        "[bot.escalation]",
        _line("space", wiring.oncall_space),
        _line("mentions", [wiring.on_call.name]),
    ]
    return "\n".join(lines) + "\n"


def _table(values: Mapping[str, Sequence[str]]) -> list[str]:
    return [_line(key, list(value)) for key, value in values.items()]


def _line(key: str, value: str | list[str]) -> str:
    # A JSON string is a valid TOML basic string, and a JSON list of them a
    # valid TOML array.
    name = key if _BARE_KEY.fullmatch(key) else json.dumps(key)
    return f"{name} = {json.dumps(value)}"
