"""Functions of a range vector: each step reduces the samples in its window to one value."""

from __future__ import annotations

import bisect
import math
import operator
from collections.abc import Callable
from itertools import pairwise

from stratus.sim.telemetry.promql.aggmath import (
    fsum,
    max_value,
    min_value,
    quantile,
    variance,
)
from stratus.sim.telemetry.promql.values import (
    Matrix,
    Points,
    RangeRow,
    Row,
    Scalar,
    Vector,
    drop_name,
    merge_rows,
)

__all__ = ["RANGE_FUNCTIONS", "RangeFunction", "apply_range_function", "present_steps"]


class Window:
    """The samples ``row.times[lo:hi]`` in ``(end - span, end]``, seen at evaluation time ``t``
    (``t`` differs from ``end`` under ``offset``/``@``)."""

    __slots__ = ("end", "hi", "lo", "row", "span", "t")

    def __init__(self, row: RangeRow, span: float) -> None:
        self.row, self.span = row, span
        self.lo = self.hi = 0
        self.end = self.t = 0.0

    @property
    def values(self) -> list[float]:
        return self.row.values[self.lo : self.hi]

    @property
    def count(self) -> int:
        return self.hi - self.lo


# (window, scalar parameters at this step) -> value, or None for no output at this step
RangeFunction = Callable[[Window, tuple[float, ...]], float | None]


def _extrapolated(is_counter: bool, is_rate: bool) -> RangeFunction:
    """rate/increase/delta: the change over the window, extrapolated as Prometheus does: to a
    window edge when the nearest sample is within 1.1 average sample intervals of it, else by
    half an interval, and for a counter never back past its zero point."""

    def fn(w: Window, _: tuple[float, ...]) -> float | None:
        lo, hi, row = w.lo, w.hi, w.row
        n = hi - lo
        if n < 2:
            return None
        times, vals = row.times, row.values
        first_t, last_t, first_v = times[lo], times[hi - 1], vals[lo]
        result = vals[hi - 1] - first_v
        if is_counter:
            resets = row.reset_counts()
            if resets[hi - 1] != resets[lo]:
                for j in range(lo + 1, hi):
                    if vals[j] < vals[j - 1]:
                        result += vals[j - 1]
        sampled = last_t - first_t
        average = sampled / (n - 1)
        threshold = average * 1.1
        to_start = first_t - (w.end - w.span)
        to_end = w.end - last_t
        if to_start >= threshold:
            to_start = average / 2
        if is_counter and result > 0 and first_v >= 0:
            to_zero = sampled * (first_v / result)
            to_start = min(to_start, to_zero)
        if to_end >= threshold:
            to_end = average / 2
        factor = (sampled + to_start + to_end) / sampled
        if is_rate:
            factor /= w.span
        return result * factor

    return fn


# A range function over every step of one series at once: (row, range, window ends) -> points.
# The ends must not decrease (they never do: steps ascend), so windows only move forward.
RowFunction = Callable[[RangeRow, float, list[float]], Points]


def _extrapolated_row(is_counter: bool, is_rate: bool) -> RowFunction:
    """``_extrapolated`` for all steps of a series in one loop (the same arithmetic, in the
    same order): rate() over a long range is most of what dashboards and alerts ask."""

    def fn(row: RangeRow, span: float, ends: list[float]) -> Points:
        times, vals = row.times, row.values
        resets = row.reset_counts() if is_counter else []
        # no drop anywhere in the series: no window needs the scan for resets
        is_reset_free = not is_counter or not resets[-1]
        points: Points = []
        append = points.append
        count = len(times)
        lo = hi = 0  # the window is times[lo:hi], as the two bisections would find it
        for end in ends:
            while hi < count and times[hi] <= end:
                hi += 1
            start = end - span
            while lo < hi and times[lo] <= start:
                lo += 1
            n = hi - lo
            if n < 2:
                append(None)
                continue
            first_t, last_t, first_v = times[lo], times[hi - 1], vals[lo]
            result = vals[hi - 1] - first_v
            if not is_reset_free and resets[hi - 1] != resets[lo]:
                for j in range(lo + 1, hi):
                    if vals[j] < vals[j - 1]:
                        result += vals[j - 1]
            sampled = last_t - first_t
            average = sampled / (n - 1)
            threshold = average * 1.1
            to_start = first_t - start
            to_end = end - last_t
            if to_start >= threshold:
                to_start = average / 2
            if is_counter and result > 0 and first_v >= 0:
                to_zero = sampled * (first_v / result)
                to_start = to_zero if to_zero < to_start else to_start  # min(), no call
            if to_end >= threshold:
                to_end = average / 2
            factor = (sampled + to_start + to_end) / sampled
            if is_rate:
                factor /= span
            append(result * factor)
        return points

    return fn


def _instant(is_rate: bool) -> RangeFunction:
    """irate/idelta: from the last two samples of the window only."""

    def fn(w: Window, _: tuple[float, ...]) -> float | None:
        if w.count < 2:
            return None
        times, vals, hi = w.row.times, w.row.values, w.hi
        last, prev = vals[hi - 1], vals[hi - 2]
        result = last if is_rate and last < prev else last - prev
        interval = times[hi - 1] - times[hi - 2]
        return result / interval if is_rate else result

    return fn


def _regression(w: Window, intercept_at: float) -> tuple[float, float] | None:
    """Least-squares slope and the intercept at ``intercept_at`` of the window's samples."""
    if w.count < 2:
        return None
    xs = [t - intercept_at for t in w.row.times[w.lo : w.hi]]
    ys = w.values
    if all(y == ys[0] for y in ys):
        return (math.nan, math.nan) if math.isinf(ys[0]) else (0.0, ys[0])
    n = float(len(xs))
    sum_x, sum_y = fsum(xs), fsum(ys)
    cov = fsum([x * y for x, y in zip(xs, ys, strict=True)]) - sum_x * sum_y / n
    var = fsum([x * x for x in xs]) - sum_x * sum_x / n
    slope = cov / var
    return slope, sum_y / n - slope * sum_x / n


def _deriv(w: Window, _: tuple[float, ...]) -> float | None:
    fit = _regression(w, w.row.times[w.lo])
    return None if fit is None else fit[0]


def _predict_linear(w: Window, params: tuple[float, ...]) -> float | None:
    fit = _regression(w, w.t)
    return None if fit is None else fit[0] * params[0] + fit[1]


def _changes(w: Window, _: tuple[float, ...]) -> float | None:
    v = w.values
    if not v:
        return None
    changed = (a != b and not (math.isnan(a) and math.isnan(b)) for a, b in pairwise(v))
    return float(sum(changed))


def _resets(w: Window, _: tuple[float, ...]) -> float | None:
    v = w.values
    return float(sum(b < a for a, b in pairwise(v))) if v else None


def _over_time(reduce: Callable[[list[float]], float]) -> RangeFunction:
    def fn(w: Window, _: tuple[float, ...]) -> float | None:
        return reduce(w.values) if w.count else None

    return fn


def _quantile_over_time(w: Window, params: tuple[float, ...]) -> float | None:
    return quantile(params[0], w.values) if w.count else None


# name -> (function, keeps the metric name, index of the range-vector argument)
RANGE_FUNCTIONS: dict[str, tuple[RangeFunction, bool, int]] = {
    "rate": (_extrapolated(is_counter=True, is_rate=True), False, 0),
    "increase": (_extrapolated(is_counter=True, is_rate=False), False, 0),
    "delta": (_extrapolated(is_counter=False, is_rate=False), False, 0),
    "irate": (_instant(is_rate=True), False, 0),
    "idelta": (_instant(is_rate=False), False, 0),
    "deriv": (_deriv, False, 0),
    "predict_linear": (_predict_linear, False, 0),
    "changes": (_changes, False, 0),
    "resets": (_resets, False, 0),
    "avg_over_time": (_over_time(lambda v: fsum(v) / len(v)), False, 0),
    "sum_over_time": (_over_time(fsum), False, 0),
    "min_over_time": (_over_time(min_value), False, 0),
    "max_over_time": (_over_time(max_value), False, 0),
    "count_over_time": (_over_time(lambda v: float(len(v))), False, 0),
    "last_over_time": (_over_time(lambda v: v[-1]), True, 0),
    "present_over_time": (_over_time(lambda v: 1.0), False, 0),
    "stddev_over_time": (_over_time(lambda v: math.sqrt(variance(v))), False, 0),
    "stdvar_over_time": (_over_time(variance), False, 0),
    "quantile_over_time": (_quantile_over_time, False, 1),
}


# functions with a whole-series implementation (and no scalar parameters)
_ROW_FUNCTIONS: dict[str, RowFunction] = {
    "rate": _extrapolated_row(is_counter=True, is_rate=True),
    "increase": _extrapolated_row(is_counter=True, is_rate=False),
    "delta": _extrapolated_row(is_counter=False, is_rate=False),
}


def apply_range_function(
    name: str, matrix: Matrix, params: list[Scalar], steps: list[float]
) -> Vector:
    fn, keeps_name, _ = RANGE_FUNCTIONS[name]
    ascending = all(map(operator.le, matrix.ends, matrix.ends[1:]))
    row_fn = _ROW_FUNCTIONS.get(name) if ascending and not params else None
    span = matrix.range
    rows: list[Row] = []
    for row in matrix.rows:
        times = row.times
        if not times:
            continue
        labels = row.labels if keeps_name else drop_name(row.labels)
        if row_fn is not None:
            rows.append(Row(labels, row_fn(row, span, matrix.ends)))
            continue
        w = Window(row, span)  # functions never keep it, so one per row is reused per step
        points: Points = []
        for i, (end, t) in enumerate(zip(matrix.ends, steps, strict=True)):
            w.hi = hi = bisect.bisect_right(times, end)
            w.lo = bisect.bisect_right(times, end - span, 0, hi)
            if w.lo == hi:
                points.append(None)
                continue
            w.end, w.t = end, t
            points.append(fn(w, tuple(p.points[i] for p in params) if params else ()))
        rows.append(Row(labels, points))
    return merge_rows(rows)


def present_steps(matrix: Matrix) -> list[bool]:
    """Per step, whether any series has a sample in its window (for absent_over_time)."""
    present = [False] * len(matrix.ends)
    for row in matrix.rows:
        for i, end in enumerate(matrix.ends):
            if not present[i]:
                hi = bisect.bisect_right(row.times, end)
                present[i] = hi > bisect.bisect_right(row.times, end - matrix.range, 0, hi)
    return present
