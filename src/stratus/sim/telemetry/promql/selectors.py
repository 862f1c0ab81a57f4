"""Vector and range-vector selectors: from PromQL matchers to rows out of the TSDB."""

from __future__ import annotations

import bisect
import math
import re
import warnings
from datetime import timedelta

import promql_parser

from stratus.sim.telemetry.promql.context import EvalContext
from stratus.sim.telemetry.promql.errors import bad_data
from stratus.sim.telemetry.promql.values import NAME, Matrix, RangeRow, Row, Vector
from stratus.sim.telemetry.tsdb import Matcher, Series

__all__ = [
    "at_time",
    "eval_times",
    "matcher_groups",
    "matrix_selector",
    "seconds",
    "select_series",
    "vector_selector",
]

# The parser's enums are not hashable, hence pairs rather than a dict.
_OPS = (
    (promql_parser.MatchOp.Equal, "="),
    (promql_parser.MatchOp.NotEqual, "!="),
    (promql_parser.MatchOp.Re, "=~"),
    (promql_parser.MatchOp.NotRe, "!~"),
)


def seconds(delta: timedelta | None) -> float:
    return 0.0 if delta is None else delta.total_seconds()


def at_time(ctx: EvalContext, at: promql_parser.AtModifier | None) -> float | None:
    """The fixed evaluation time an ``@`` modifier asks for, if any."""
    if at is None:
        return None
    if at.type == promql_parser.AtModifierType.Start:
        return ctx.query_start
    if at.type == promql_parser.AtModifierType.End:
        return ctx.query_end
    try:
        stamp = at.at
        return None if stamp is None else stamp.timestamp()
    except (OverflowError, ValueError) as exc:  # pragma: no cover - parser clamps @ values
        raise bad_data(f"invalid @ modifier: {exc}") from exc


def eval_times(
    ctx: EvalContext, offset: timedelta | None, at: promql_parser.AtModifier | None
) -> list[float]:
    """The time each step reads data at, after ``@`` and ``offset``."""
    shift = seconds(offset)
    fixed = at_time(ctx, at)
    if fixed is not None:
        return [fixed - shift] * ctx.n
    return [t - shift for t in ctx.steps] if shift else ctx.steps


def _matcher(m: promql_parser.Matcher) -> Matcher:
    op = next(text for kind, text in _OPS if m.op == kind)
    if op in ("=~", "!~"):
        try:
            with warnings.catch_warnings():  # e.g. FutureWarning for RE2's [[:alpha:]]
                warnings.simplefilter("ignore")
                re.compile(m.value)
        except re.error as exc:
            raise bad_data(f"invalid regular expression {m.value!r} in matcher: {exc}") from exc
    return Matcher(m.name, op, m.value)


def matcher_groups(node: promql_parser.VectorSelector) -> list[list[Matcher]]:
    """The selector's matchers; several groups when it uses ``{a="1" or b="2"}``."""
    base = [Matcher(NAME, "=", node.name)] if node.name else []
    sets = node.matchers
    groups = [sets.matchers] if sets.matchers or not sets.or_matchers else []
    groups.extend(sets.or_matchers)
    return [base + [_matcher(m) for m in group] for group in groups]


def select_series(ctx: EvalContext, node: promql_parser.VectorSelector) -> list[Series]:
    """Matching series, ordered by labels as Prometheus' storage returns them."""
    found: dict[tuple[tuple[str, str], ...], Series] = {}
    for group in matcher_groups(node):
        for series in ctx.db.select(group):
            found.setdefault(series.key, series)  # label_key(series.labels), kept by the TSDB
    return [found[key] for key in sorted(found)]


def _lookup(series: Series, times: list[float], lookback: float) -> list[float | None]:
    """Per time, the latest sample within ``lookback`` unless it is a staleness marker."""
    stamps, values = series.times, series.values
    out: list[float | None] = []
    for t in times:
        i = bisect.bisect_right(stamps, t) - 1
        if i >= 0 and stamps[i] > t - lookback and not math.isnan(values[i]):
            out.append(values[i])
        else:
            out.append(None)
    return out


def vector_selector(ctx: EvalContext, node: promql_parser.VectorSelector) -> Vector:
    times = eval_times(ctx, node.offset, node.at)
    rows = [Row(s.labels, _lookup(s, times, ctx.lookback)) for s in select_series(ctx, node)]
    return Vector(rows)


def matrix_selector(ctx: EvalContext, node: promql_parser.MatrixSelector) -> Matrix:
    inner = node.vector_selector
    span = seconds(node.range)
    ends = eval_times(ctx, inner.offset, inner.at)
    lo, hi = min(ends) - span, max(ends)
    rows = [RangeRow(s.labels, *s.window(lo, hi)) for s in select_series(ctx, inner)]
    return Matrix(rows, span, ends)
