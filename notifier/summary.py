"""A finding told in words, for e-mail and SNS: a subject line and labelled facts.

Every value is the finding's text cleaned of control and bidi characters; the
channels escape it for their own format (HTML for e-mail) on top of that.
"""

from dataclasses import dataclass

from notifier import text
from notifier.activity import activity_facts
from notifier.finding import Finding
from notifier.resources import resource_facts
from notifier.settings import CardSettings
from notifier.timestamps import format_time

VALUE_BYTES = 400
DESCRIPTION_BYTES = 2000
FACTS_SHOWN = 14


@dataclass(frozen=True)
class Summary:
    """What a message says about one finding.

    Attributes:
        subject: one line, cleaned, not yet cut to any channel's limit.
        overview: the identity facts (type, account, Region, resource, when).
        resource: the affected resource's facts.
        activity: what happened (caller, remote address, ...).
        description: GuardDuty's description, cleaned, possibly multi-line.
        console_url: the finding in the GuardDuty console, if known.
    """

    subject: str
    overview: tuple[tuple[str, str], ...]
    resource: tuple[tuple[str, str], ...]
    activity: tuple[tuple[str, str], ...]
    description: str
    console_url: str | None

    def sections(self) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
        """The titled groups of facts, empty ones left out."""
        named = [
            ("Finding", self.overview),
            ("Affected resource", self.resource),
            ("Activity", self.activity),
        ]
        return [(title, facts) for title, facts in named if facts]


def summarize(finding: Finding, cards: CardSettings) -> Summary:
    """The :class:`Summary` of ``finding``, account aliases from ``cards``."""
    return Summary(
        subject=subject_line(finding),
        overview=tuple(_overview(finding, cards)),
        resource=tuple(
            (f.label, _value(f.value)) for f in resource_facts(finding)[:FACTS_SHOWN]
        ),
        activity=tuple(
            (f.label, _value(f.value)) for f in activity_facts(finding)[:FACTS_SHOWN]
        ),
        description=text.truncate_bytes(
            text.clean(finding.description or "", multiline=True, limit=4096),
            DESCRIPTION_BYTES,
        ),
        console_url=finding.console_url if cards.console_links else None,
    )


def subject_line(finding: Finding) -> str:
    """``[GuardDuty] High 8.0: TITLE``; ``[GuardDuty sample]`` for samples."""
    label = finding.severity_label.title
    score = f" {finding.severity:.1f}" if finding.severity is not None else ""
    tag = "GuardDuty sample" if finding.sample else "GuardDuty"
    return f"[{tag}] {label}{score}: {text.clean(finding.title, limit=400)}"


def plain_text(summary: Summary) -> str:
    """The summary as plain text (e-mail's text part, SNS's message)."""
    lines = [summary.subject, ""]
    for title, facts in summary.sections():
        lines.append(title)
        lines.extend(f"  {label}: {value}" for label, value in facts)
        lines.append("")
    if summary.description:
        lines.extend(["Description", summary.description, ""])
    if summary.console_url:
        lines.append(f"Open in the GuardDuty console: {summary.console_url}")
    return "\n".join(lines).rstrip() + "\n"


def _overview(finding: Finding, cards: CardSettings) -> list[tuple[str, str]]:
    account = finding.account_id or "unknown"
    alias = cards.account_name(finding.account_id)
    seen = finding.count
    facts = [
        ("Severity", _severity(finding)),
        ("Type", finding.type),
        ("Finding id", finding.id),
        ("Account", f"{alias} ({account})" if alias else account),
        ("Region", finding.region or "unknown"),
        ("Resource type", finding.resource_type or "Unknown"),
        ("First seen", format_time(finding.first_seen or finding.created_at)),
        ("Last seen", format_time(finding.last_seen or finding.updated_at)),
    ]
    if seen:
        facts.append(("Count", str(seen)))
    return [(label, _value(value)) for label, value in facts]


def _severity(finding: Finding) -> str:
    label = finding.severity_label.title
    return (
        f"{label} ({finding.severity:.1f})" if finding.severity is not None else label
    )


def _value(value: str) -> str:
    return text.truncate_bytes(text.clean(value, limit=VALUE_BYTES), VALUE_BYTES)
