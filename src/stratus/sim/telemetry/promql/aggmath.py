"""Reductions over a list of sample values, shared by aggregations and ``*_over_time``."""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["fsum", "max_value", "min_value", "quantile", "variance"]


def fsum(values: Sequence[float]) -> float:
    """An accurate sum (Prometheus compensates too), falling back to plain addition where
    ``math.fsum`` refuses: infinities of both signs, or intermediate overflow."""
    try:
        return math.fsum(values)
    except (OverflowError, ValueError):
        return sum(values, 0.0)


def min_value(values: Sequence[float]) -> float:
    """The minimum, NaN only when every value is NaN."""
    real = [v for v in values if not math.isnan(v)]
    return min(real) if real else math.nan


def max_value(values: Sequence[float]) -> float:
    real = [v for v in values if not math.isnan(v)]
    return max(real) if real else math.nan


def variance(values: Sequence[float]) -> float:
    """Population variance, by Welford's online update as Prometheus computes it."""
    mean = acc = 0.0
    for count, value in enumerate(values, start=1):
        delta = value - mean
        mean += delta / count
        acc += delta * (value - mean)
    return acc / len(values)


def quantile(q: float, values: Sequence[float]) -> float:
    """The q-quantile with linear interpolation between closest ranks (NaNs sort first)."""
    if not values or math.isnan(q):
        return math.nan
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    ordered = sorted(values, key=lambda v: (not math.isnan(v), v))
    rank = q * (len(ordered) - 1)
    lower = max(0, math.floor(rank))
    upper = min(len(ordered) - 1, lower + 1)
    weight = rank - math.floor(rank)
    return ordered[lower] * (1 - weight) + ordered[upper] * weight
