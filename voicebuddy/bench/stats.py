"""Order statistics for noisy timings: percentiles, medians and ratios of medians."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def percentile(values: Sequence[float], q: float) -> float:
    """The `q`-th percentile (0-100), interpolating linearly between ranks (numpy's default)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0..100, not {q}")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


def ratio_of_medians(numerator: Sequence[float], denominator: Sequence[float]) -> float:
    """median(numerator) / median(denominator): VoiceBuddy's time over the raw engine's."""
    bottom = median(denominator)
    if bottom <= 0:
        raise ValueError("the denominator's median must be positive")
    return median(numerator) / bottom


def alternate(a: Callable[[], T], b: Callable[[], T], pairs: int) -> tuple[list[T], list[T]]:
    """Run a, b, a, b, ... (`pairs` of each); interleaving spreads a shared machine's drifting
    load evenly over both."""
    a_results: list[T] = []
    b_results: list[T] = []
    for _ in range(pairs):
        a_results.append(a())
        b_results.append(b())
    return a_results, b_results
