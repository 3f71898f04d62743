"""The filter language of ``/gd-findings`` and ``/gd-stats``.

    /gd-findings severity>=high type:Recon*,Trojan* account:111122223333 since:24h

Words are separated by spaces; each word is one filter and every filter applies.
A filter with several values separated by commas matches any of them. Each
filter becomes a ListFindings criterion, except type patterns (``Recon*``):
ListFindings has no wildcard, so :mod:`bot.criteria` turns a pattern into the
type names it matches first. ``region:`` chooses where to search instead.
"""

import re
from datetime import timedelta
from typing import Any

from bot.errors import BotError
from bot.query import BANDS, DEFAULT_LIMIT, MAX_VALUES, Bound, Query, bound
from notifier.severity import Severity

MAX_LIMIT = 50
MAX_WINDOW = timedelta(days=90)  # GuardDuty keeps findings for 90 days
MAX_WORDS = 40
TYPE_PATTERN_ALPHABET = r"A-Za-z0-9:/._!&\-"
# Resource types as GuardDuty spells them, so "resource:instance" finds them.
RESOURCE_TYPES = (
    "AccessKey",
    "Container",
    "EBSVolume",
    "ECSCluster",
    "EKSCluster",
    "Instance",
    "KubernetesCluster",
    "Lambda",
    "RDSDBInstance",
    "RDSLimitlessDB",
    "S3Bucket",
    "S3Object",
)
# (example, meaning): the grammar as people read it in help and error answers.
SYNTAX = (
    ("severity>=high", "low, medium, high, critical or a whole number 1-10"),
    ("severity:critical", "one band; also severity>7, severity<4, severity<=high"),
    ("type:Recon*", "a finding type, or its start ending in *"),
    ("account:111122223333", "an AWS account"),
    ("region:eu-west-1", "search this Region only"),
    ("resource:Instance", "a resource type, e.g. AccessKey, S3Bucket, EKSCluster"),
    ("since:24h", "updated in the last 30m, 24h or 7d (up to 90d)"),
    ("archived", "archived findings only; archived:any for all"),
    ("limit:20", "how many findings to show, 1-50 (10 by default)"),
)
COMMA_HINT = "Values separated by commas match any of them: type:Recon*,Trojan*"

_WORD = re.compile(r"^(?P<key>[A-Za-z]+)(?P<operator>>=|<=|[:=<>])(?P<value>.*)$")
_ACCOUNT = re.compile(r"^\d{12}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")
_TYPE = re.compile(rf"^[{TYPE_PATTERN_ALPHABET}]{{1,100}}$")
_RESOURCE = re.compile(r"^[A-Za-z0-9]{1,64}$")
_WINDOW = re.compile(r"^(?P<amount>\d{1,6})(?P<unit>[mhdw])$")
_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}
_EQUALITY = (":", "=")


class FilterError(BotError):
    """A word of a filter that does not parse.

    Attributes:
        word: the word as the person typed it (untrusted: escape to show).
        reason: what is wrong with it, in the bot's own words.
    """

    def __init__(self, word: str, reason: str) -> None:
        super().__init__(f"{word}: {reason}")
        self.word = word
        self.reason = reason


def parse_filters(text: str, *, limit: bool = True) -> Query:
    """Reads the filters typed after a command.

    Args:
        text: the command's argument text.
        limit: whether ``limit:`` is allowed (``/gd-stats`` counts everything).

    Raises:
        FilterError: naming the first word that does not parse, and why.
    """
    words = text.split()
    if len(words) > MAX_WORDS:
        raise FilterError(words[MAX_WORDS], f"at most {MAX_WORDS} filters")
    builder = _Builder(allow_limit=limit)
    for word in words:
        builder.add(word)
    return builder.query()


def parse_window(word: str, value: str) -> timedelta:
    """A ``since:`` value: a whole number of minutes, hours, days or weeks.

    Raises:
        FilterError: not such a number, zero, or longer than GuardDuty keeps
            findings.
    """
    match = _WINDOW.match(value.strip().lower())
    if not match:
        raise FilterError(word, "expected a time such as 30m, 24h or 7d")
    window = timedelta(seconds=int(match["amount"]) * _UNITS[match["unit"]])
    if not timedelta(0) < window <= MAX_WINDOW:
        raise FilterError(word, "expected a time from 1m to 90d")
    return window


class _Builder:
    """Collects words into a :class:`Query`, refusing what cannot combine."""

    def __init__(self, *, allow_limit: bool) -> None:
        self._allow_limit = allow_limit
        self._lower: Bound | None = None
        self._upper: Bound | None = None
        self._lists: dict[str, list[str]] = {
            "type": [],
            "prefix": [],
            "account": [],
            "region": [],
            "resource": [],
        }
        self._single: dict[str, Any] = {}

    def add(self, word: str) -> None:
        if word.lower() == "archived":
            self._once(word, "archived", True)
            return
        match = _WORD.match(word)
        if not match:
            raise FilterError(word, "not a filter; filters look like key:value")
        key, operator, value = match["key"].lower(), match["operator"], match["value"]
        if key == "severity":
            self._severity(word, operator, value)
            return
        if operator not in _EQUALITY:
            raise FilterError(word, "only severity compares with < and >")
        if not value:
            raise FilterError(word, f"{key} needs a value")
        self._keyed(word, key, value)

    def query(self) -> Query:
        lists = {
            name: tuple(dict.fromkeys(values)) for name, values in self._lists.items()
        }
        return Query(
            lower=self._lower,
            upper=self._upper,
            types=lists["type"],
            type_prefixes=lists["prefix"],
            accounts=lists["account"],
            regions=lists["region"],
            resources=lists["resource"],
            since=self._single.get("since"),
            archived=self._single.get("archived", False),
            limit=self._single.get("limit", DEFAULT_LIMIT),
        )

    def _keyed(self, word: str, key: str, value: str) -> None:
        if key == "since":
            self._once(word, key, parse_window(word, value))
        elif key == "limit":
            self._once(word, key, _limit(word, value, self._allow_limit))
        elif key == "archived":
            self._once(word, key, _archived(word, value))
        elif key in ("type", "account", "region", "resource"):
            for item in value.split(","):
                self._value(word, key, item.strip())
        else:
            raise FilterError(word, f"there is no filter called {key}")

    def _value(self, word: str, key: str, item: str) -> None:
        if key == "type":
            key, item = _type(word, item)
        elif key == "account" and not _ACCOUNT.match(item):
            raise FilterError(word, "an account is 12 digits")
        elif key == "region" and not _REGION.match(item):
            raise FilterError(word, "expected a Region name such as eu-west-1")
        elif key == "resource":
            item = _resource(word, item)
        values = self._lists[key]
        values.append(item)
        if len(values) > MAX_VALUES:
            raise FilterError(word, f"at most {MAX_VALUES} values for {key}")

    def _once(self, word: str, key: str, value: Any) -> None:
        if key in self._single:
            raise FilterError(word, f"{key} is given twice")
        self._single[key] = value

    def _severity(self, word: str, operator: str, value: str) -> None:
        lower, upper = _severity_bounds(word, operator, value)
        if lower is not None:
            self._lower = _tighter(self._lower, lower, upward=True)
        if upper is not None:
            self._upper = _tighter(self._upper, upper, upward=False)
        if _empty(self._lower, self._upper):
            raise FilterError(
                word, "no severity is left with the other severity filters"
            )


def _severity_bounds(
    word: str, operator: str, value: str
) -> tuple[Bound | None, Bound | None]:
    """The range ``severity<operator><value>`` means, as (lower, upper)."""
    name = value.strip().lower()
    if name in ("low", "medium", "high", "critical"):
        return _band_bounds(word, operator, Severity.parse(name))
    if re.fullmatch(r"\d{1,2}", name) and int(name) <= 10:
        return _number_bounds(operator, int(name))
    if re.fullmatch(r"\d{1,2}\.\d+", name):
        raise FilterError(word, "GuardDuty compares severity in whole numbers only")
    raise FilterError(word, "expected low, medium, high, critical or a whole number")


def _number_bounds(operator: str, number: int) -> tuple[Bound | None, Bound | None]:
    """``severity:7`` is 7 up to 8; ``severity>7`` any score above 7."""
    if operator in _EQUALITY:
        return Bound(number), Bound(number + 1, strict=True)
    if operator in (">=", ">"):
        return Bound(number, strict=operator == ">"), None
    return None, Bound(number, strict=operator == "<")


def _band_bounds(
    word: str, operator: str, band: Severity
) -> tuple[Bound | None, Bound | None]:
    """``severity>high`` starts at Critical; ``severity<=high`` ends below it."""
    low, high = BANDS[band]
    if operator in _EQUALITY:
        return bound(low, False), bound(high, True)
    if operator == ">=":
        return bound(low, False), None
    if operator == "<=":
        return None, bound(high, True)
    if operator == ">":
        if high is None:
            raise FilterError(word, "nothing is more severe than Critical")
        return Bound(high), None
    if low is None:
        raise FilterError(word, "nothing is less severe than Low")
    return None, Bound(low, strict=True)


def _tighter(old: Bound | None, new: Bound, *, upward: bool) -> Bound:
    """The narrower of two lower (``upward``) or two upper bounds."""
    if old is None:
        return new
    if old.value != new.value:
        wins = new.value > old.value if upward else new.value < old.value
        return new if wins else old
    return new if new.strict else old


def _empty(lower: Bound | None, upper: Bound | None) -> bool:
    if lower is None or upper is None:
        return False
    if lower.value != upper.value:
        return lower.value > upper.value
    return lower.strict or upper.strict


def _type(word: str, item: str) -> tuple[str, str]:
    """("type", name) for a type name, ("prefix", start) for ``Start*``."""
    name = item.rstrip("*")
    if item == "*" or not name:
        raise FilterError(word, "type:* matches every type; leave it out")
    if "*" in name or not _TYPE.match(name):
        raise FilterError(word, "expected a finding type, or its start ending in one *")
    return ("prefix", name) if item.endswith("*") else ("type", name)


def _resource(word: str, item: str) -> str:
    for known in RESOURCE_TYPES:
        if known.lower() == item.lower():
            return known
    if not _RESOURCE.match(item):
        raise FilterError(word, "expected a resource type such as Instance")
    return item


def _limit(word: str, value: str, allowed: bool) -> int:
    if not allowed:
        raise FilterError(word, "counts cover every finding; there is no limit")
    if not re.fullmatch(r"\d{1,3}", value) or not 1 <= int(value) <= MAX_LIMIT:
        raise FilterError(word, f"expected a whole number from 1 to {MAX_LIMIT}")
    return int(value)


def _archived(word: str, value: str) -> bool | None:
    choices = {"true": True, "yes": True, "false": False, "no": False, "any": None}
    if value.lower() not in choices:
        raise FilterError(word, "expected archived, archived:no or archived:any")
    return choices[value.lower()]
