"""Who may do what to a finding: each action lists the people allowed to take it.

A rule is an e-mail address, ``*@domain`` (everyone whose address is in exactly that
domain) or ``*`` (every person). Actions without a list of their own fall back to
``default``; without a ``default`` nobody may take them. Bots never act.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from notifier.handling import Action

DEFAULT = "default"
EVERYONE = "*"
# The permission names [bot.permissions] accepts: one per action, and "default".
NAMES = (*(action.value for action in Action), DEFAULT)

_EMAIL = re.compile(r"^[^@\s*<>\"]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_DOMAIN = re.compile(r"^\*@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def is_rule(text: str) -> bool:
    """Whether ``text`` is an e-mail address, ``*@domain`` or ``*``."""
    return text == EVERYONE or bool(_EMAIL.match(text) or _DOMAIN.match(text))


@dataclass(frozen=True)
class Permissions:
    """The allowed people per permission name (lower-case rules)."""

    rules: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    @classmethod
    def of(cls, rules: Mapping[str, Iterable[str]]) -> "Permissions":
        lowered = {
            name: tuple(r.lower() for r in items) for name, items in rules.items()
        }
        return cls(MappingProxyType(lowered))

    def allows(self, action: Action, email: str | None) -> bool:
        """Whether the person with ``email`` (None when Chat sent none) may act."""
        rules = self.rules.get(action.value, self.rules.get(DEFAULT, ()))
        if EVERYONE in rules:
            return True
        if not email:
            return False
        address = email.strip().lower()
        domain = address.rpartition("@")[2]
        return address in rules or f"*@{domain}" in rules
