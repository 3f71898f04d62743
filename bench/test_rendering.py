"""How much rendering a card costs, against decoding and encoding the finding's JSON.

Targets (ratios of medians, same run):
- one finding's card: under 40x a JSON round trip of the finding;
- a card for a finding whose every string is 40 kB (hostile input): under 40x the
  round trip of that same document, so huge text costs no more than what is shown;
- a digest of 60 findings: under 40x the round trip of those 60 findings.
"""

import json
from pathlib import Path
from typing import Any

from bench.conftest import ratio, record
from notifier.cards import finding_message
from notifier.digest import digest_message
from notifier.finding import Finding, read_findings
from notifier.settings import CardSettings

SAMPLES = Path(__file__).resolve().parent.parent / "sandbox" / "samples"
CARDS = CardSettings()
DOCUMENT = json.loads((SAMPLES / "s3bucket-data-access.json").read_text())


def hostile(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: hostile(value) for key, value in node.items()}
    if isinstance(node, list):
        return [hostile(item) for item in node]
    return "<users/all>" + "x" * 40_000 if isinstance(node, str) else node


HOSTILE = hostile(DOCUMENT)
BURST = [{**DOCUMENT, "id": f"{n:032x}", "severity": 1 + n % 9} for n in range(60)]


def round_trip(document: Any) -> Any:
    return json.loads(json.dumps(document))


def test_baseline_json_round_trip(benchmark: Any) -> None:
    benchmark(round_trip, DOCUMENT)
    record(benchmark, "round trip")


def test_finding_card(benchmark: Any) -> None:
    benchmark(lambda: finding_message(Finding(round_trip(DOCUMENT)), CARDS))
    record(benchmark, "card")
    assert ratio("card", "round trip") < 40


def test_baseline_hostile_round_trip(benchmark: Any) -> None:
    benchmark(round_trip, HOSTILE)
    record(benchmark, "hostile round trip")


def test_hostile_finding_card(benchmark: Any) -> None:
    benchmark(lambda: finding_message(Finding(round_trip(HOSTILE)), CARDS))
    record(benchmark, "hostile card")
    assert ratio("hostile card", "hostile round trip") < 40


def test_baseline_burst_round_trip(benchmark: Any) -> None:
    benchmark(round_trip, BURST)
    record(benchmark, "burst round trip")


def test_digest_of_a_burst(benchmark: Any) -> None:
    benchmark(lambda: digest_message(read_findings(round_trip(BURST)), CARDS))
    record(benchmark, "digest")
    assert ratio("digest", "burst round trip") < 40
