"""``/gd-finding``: one finding's full card, found by id, ARN or console link.

An ARN or a console link names the finding's Region; a bare id is looked for in
every Region the bot searches, side by side, and the first Region that has it
answers. The card is the notifier's own, with its buttons, posted for the whole
space: it is the card people act on together, and its edits show who did what.
"""

import logging
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from bot.commands import CommandContext
from bot.errors import BotError, Refusal
from bot.events import ChatEvent
from bot.guardduty import FindingRef
from bot.regions import Swept, problem_lines
from bot.responses import Answer, NewMessage, Notice
from notifier.cards import finding_message
from notifier.errors import NotAFinding
from notifier.finding import REGION, Finding
from notifier.jsonview import JsonView

logger = logging.getLogger(__name__)

USAGE = (
    "Usage: /gd-finding ID, where ID is a finding id, a finding ARN "
    "(arn:aws:guardduty:REGION:ACCOUNT:detector/DETECTOR/finding/ID) or a "
    "GuardDuty console link with fId=ID."
)
_ID = re.compile(r"^[A-Za-z0-9_-]{1,300}$")
_CONSOLE_HOSTS = (
    "console.aws.amazon.com",
    "console.amazonaws.cn",
    "console.amazonaws-us-gov.com",
)


class AddressError(BotError):
    """The argument of ``/gd-finding`` names no finding; says why."""


@dataclass(frozen=True)
class FindingAddress:
    """Which finding a person asked for, and in which Region if they said."""

    finding_id: str
    region: str | None = None


def parse_address(argument: str) -> FindingAddress:
    """Reads a finding id, a finding ARN or a GuardDuty console link.

    Raises:
        AddressError: anything else, or more than one word.
    """
    text = argument.strip()
    # Chat may hand a link over as <url> or <url|label>.
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].split("|")[0]
    words = text.split()
    if not words:
        raise AddressError("Which finding?")
    if len(words) > 1:
        raise AddressError("Give one finding at a time.")
    word = words[0]
    if word.lower().startswith("arn:"):
        return _from_arn(word)
    if word.lower().startswith(("https://", "http://")):
        return _from_link(word)
    if _ID.match(word):
        return FindingAddress(word)
    raise AddressError("That is not a finding id.")


class FindingLookup:
    """Answers ``/gd-finding``."""

    def __init__(self, context: CommandContext) -> None:
        self._context = context

    def answer(self, event: ChatEvent) -> Answer:
        refused = self._context.refusal(event)
        if refused is not None:
            return refused
        try:
            address = parse_address(event.argument_text)
        except AddressError as error:
            return Notice(f"{error} {USAGE}", "INVALID_ARGUMENT")
        wanted = (address.region,) if address.region else ()
        regions, problem = self._context.regions_for(wanted)
        if problem is not None:
            return problem
        swept = self._context.sweep.run(
            regions,
            lambda region: self._get(region, address.finding_id),
            self._context.budget(),
            enough=lambda found: found is not None,
        )
        found = next((f for f in swept.results.values() if f is not None), None)
        logger.info(
            "/gd-finding %s by %s: %s",
            address.finding_id,
            event.user.name,
            f"found in {found.region}" if found else "not found",
        )
        if found is None:
            return Notice(_not_found(address.finding_id, swept), "NOT_FOUND")
        # Limitation: the card is a message of its own, not the finding's upserted
        # card, so the notifier's later edits of the finding (and the history
        # kept on that card) do not reach it; posting it through the Chat API
        # under the finding's client message id would.
        return NewMessage(finding_message(found, self._context.cards))

    def _get(self, region: str, finding_id: str) -> Finding | None:
        response = self._context.guardduty.call(
            region, "get_findings", FindingIds=[finding_id]
        )
        for item in JsonView(response).at("Findings").items():
            try:
                finding = Finding.from_document(item.raw)
            except NotAFinding:
                continue
            if finding.id == finding_id:
                return finding
        return None


def _not_found(finding_id: str, swept: Swept[Finding | None]) -> str:
    searched = " or ".join(swept.results) or "no Region"
    words = (
        f"GuardDuty has no finding `{finding_id}` in {searched} for the bot's "
        "account. It keeps findings for 90 days, and only the administrator "
        "account sees its members' findings."
    )
    if swept.problems:
        words += " Not searched: " + "; ".join(problem_lines(swept.problems)) + "."
    return words


def _from_arn(word: str) -> FindingAddress:
    try:
        ref = FindingRef.parse(word)
    except Refusal:
        raise AddressError("That is not a GuardDuty finding ARN.") from None
    return FindingAddress(ref.finding_id, ref.region)


def _from_link(word: str) -> FindingAddress:
    parts = urlsplit(word)
    host = (parts.hostname or "").lower()
    console = any(host == name or host.endswith("." + name) for name in _CONSOLE_HOSTS)
    if parts.scheme != "https" or not console or "guardduty" not in parts.path:
        raise AddressError("That is not a GuardDuty console link.")
    query = parse_qs(parts.query)
    # The console keeps its own query after the "#": #/findings?fId=ID
    inner = parse_qs(parts.fragment.partition("?")[2])
    ids = inner.get("fId") or query.get("fId") or _searched_ids(inner)
    region = (query.get("region") or inner.get("region") or [host.split(".")[0]])[0]
    if not ids or not _ID.match(ids[0]):
        raise AddressError("That console link names no finding (fId=...).")
    if not REGION.match(region):
        raise AddressError("That console link names no Region (region=...).")
    return FindingAddress(ids[0], region)


def _searched_ids(inner: dict[str, list[str]]) -> list[str]:
    """The id in an older console link: ``#/findings?search=id=ID``."""
    for search in inner.get("search", []):
        key, _, value = search.partition("=")
        if key == "id" and value:
            return [value]
    return []
