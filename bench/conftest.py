"""Benchmarks report speed as ratios against a baseline measured in the same run.

Each group has a baseline (a cheap operation every machine does at its own speed) and
targets; a target's median divided by the baseline's median must stay under the
group's limit. Absolute times are printed, never asserted.
"""

from typing import Any

import pytest

MEDIANS: dict[str, float] = {}


def record(benchmark: Any, name: str) -> float:
    """Keeps ``benchmark``'s median under ``name`` and returns it."""
    median = float(benchmark.stats.stats.median)
    MEDIANS[name] = median
    return median


def ratio(name: str, baseline: str) -> float:
    if baseline not in MEDIANS:
        pytest.skip(f"baseline {baseline!r} did not run first")
    return MEDIANS[name] / MEDIANS[baseline]
