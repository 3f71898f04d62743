"""Routing: which route a finding takes, and so which channels it is sent to.

The first route whose conditions all match decides. A finding no route matches is
not a failure: delivery logs it (one line) and reports it as unrouted, so a
configuration that means to ignore some findings (samples, say) can do so on purpose.
"""

import fnmatch
from collections.abc import Sequence

from notifier.finding import Finding
from notifier.settings import Route


def choose(finding: Finding, routes: Sequence[Route]) -> Route | None:
    """The first route in ``routes`` that ``finding`` matches, or None."""
    return next((route for route in routes if matches(route, finding)), None)


def matches(route: Route, finding: Finding) -> bool:
    """Whether every condition of ``route`` holds for ``finding``.

    An empty list matches anything. A finding whose severity could not be read
    (UNKNOWN) matches every severity range, so a range never routes it away.
    """
    return (
        _in_range(route, finding.severity)
        and _any_pattern(route.types, finding.type)
        and _listed(route.accounts, finding.account_id)
        and _listed(route.regions, finding.region)
        and _listed_folded(route.resource_types, finding.resource_type)
        and (route.sample is None or route.sample == finding.sample)
    )


def _in_range(route: Route, score: float | None) -> bool:
    if score is None:
        return True
    return route.min_severity <= score <= route.max_severity


def _any_pattern(patterns: Sequence[str], value: str) -> bool:
    # fnmatchcase: finding types are case-sensitive on every platform.
    return not patterns or any(fnmatch.fnmatchcase(value, p) for p in patterns)


def _listed(allowed: Sequence[str], value: str | None) -> bool:
    return not allowed or value in allowed


def _listed_folded(allowed: Sequence[str], value: str | None) -> bool:
    """Resource types compare without case: "instance" names "Instance"."""
    if not allowed:
        return True
    return value is not None and value.casefold() in {a.casefold() for a in allowed}
