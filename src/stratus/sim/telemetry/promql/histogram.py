"""``histogram_quantile`` over classic histograms (``_bucket`` series with an ``le`` label)."""

from __future__ import annotations

import math
from itertools import pairwise

from stratus.sim.telemetry.promql.numbers import parse_float
from stratus.sim.telemetry.promql.values import (
    NAME,
    LabelKey,
    Labels,
    Points,
    Row,
    Scalar,
    Vector,
    label_key,
    merge_rows,
)

__all__ = ["bucket_quantile", "histogram_quantile"]

_TOLERANCE = 1e-12  # relative; bucket counts this close are float noise, not a real decrease


def _monotonic(counts: list[float]) -> None:
    """Repair cumulative counts in place: a bucket never holds fewer than the one below."""
    prev = counts[0]
    for i in range(1, len(counts)):
        cur = counts[i]
        if cur == prev:
            continue
        if abs(cur - prev) <= _TOLERANCE * max(abs(cur), abs(prev)) or cur < prev:
            counts[i] = prev
            continue
        prev = cur


def bucket_quantile(q: float, buckets: list[tuple[float, float]]) -> float:
    """The q-quantile of cumulative ``(upper bound, count)`` buckets, interpolating linearly
    inside the bucket it falls in, with Prometheus' answers for the edge cases."""
    if math.isnan(q) or not 0 <= q <= 1:
        return _sorted_quantile(q, [], [])
    merged: dict[float, float] = {}
    for bound, count in sorted(buckets):
        merged[bound] = merged.get(bound, 0.0) + count
    return _sorted_quantile(q, list(merged), list(merged.values()))


def _sorted_quantile(q: float, bounds: list[float], counts: list[float]) -> float:
    """``bucket_quantile`` of buckets already merged and sorted by bound (``counts`` is
    changed in place; the bounds are not)."""
    if math.isnan(q):
        return math.nan
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    if bounds[-1] != math.inf or len(bounds) < 2:
        return math.nan
    _monotonic(counts)
    observations = counts[-1]
    if observations == 0 or math.isnan(observations):
        return math.nan
    rank = q * observations
    b = next((i for i in range(len(counts) - 1) if counts[i] >= rank), len(counts) - 1)
    if b == len(counts) - 1:
        return bounds[-2]
    if b == 0 and bounds[0] <= 0:
        return bounds[0]
    start, end, count = 0.0, bounds[b], counts[b]
    if b > 0:
        start = bounds[b - 1]
        count -= counts[b - 1]
        rank -= counts[b - 1]
    fraction = rank / count if count else math.nan
    return start + (end - start) * fraction


def histogram_quantile(qs: Scalar, vector: Vector) -> Vector:
    """Series are grouped by their labels without ``le`` (and the metric name); series
    without a parsable ``le`` are ignored, as Prometheus does."""
    groups: dict[LabelKey, tuple[Labels, list[tuple[float, Row]]]] = {}
    for row in vector.rows:
        bound = parse_float(row.labels.get("le", ""))
        if bound is None:
            continue
        labels = {k: v for k, v in row.labels.items() if k not in ("le", NAME)}
        groups.setdefault(label_key(labels), (labels, []))[1].append((bound, row))
    rows = []
    for labels, members in groups.values():
        ordered = sorted(members, key=lambda member: member[0])
        bounds = [bound for bound, _ in ordered]
        distinct = all(a < b for a, b in pairwise(bounds))  # then no sorting or merging
        points: Points = []
        for i, q in enumerate(qs.points):
            counts = [row.points[i] for _, row in ordered]
            if distinct and None not in counts:
                # what merging adds each count to; 0.0 + c is c but for -0.0 (made 0.0)
                merged = [0.0 + c for c in counts if c is not None]
                points.append(_sorted_quantile(q, bounds, merged))
                continue
            buckets = [(bound, v) for bound, row in members if (v := row.points[i]) is not None]
            points.append(bucket_quantile(q, buckets) if buckets else None)
        rows.append(Row(labels, points))
    return merge_rows(rows)
