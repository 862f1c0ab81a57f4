"""Evaluation of parsed PromQL over the TSDB, and the two query entry points."""

from __future__ import annotations

import math
import re

import promql_parser

from stratus.sim.telemetry.promql.aggregate import AGGREGATIONS, aggregate
from stratus.sim.telemetry.promql.binary import binary
from stratus.sim.telemetry.promql.context import EvalContext
from stratus.sim.telemetry.promql.errors import bad_data, execution
from stratus.sim.telemetry.promql.functions import call, unsupported
from stratus.sim.telemetry.promql.result import (
    InstantSample,
    QueryResult,
    RangeSeries,
    ScalarResult,
    StringResult,
)
from stratus.sim.telemetry.promql.selectors import (
    at_time,
    matrix_selector,
    seconds,
    vector_selector,
)
from stratus.sim.telemetry.promql.values import (
    Matrix,
    RangeRow,
    Row,
    Scalar,
    String,
    Value,
    Vector,
    drop_name,
    label_key,
    merge_rows,
)
from stratus.sim.telemetry.tsdb import TSDB

__all__ = [
    "MAX_POINTS",
    "Evaluator",
    "check_interval",
    "check_range",
    "instant_query",
    "parse",
    "range_query",
]

MAX_POINTS = 11000  # per series in a range query, as Prometheus' API allows
_MAX_INNER_STEPS = 100_000  # bounds what one subquery may evaluate
_DEFAULT_SUBQUERY_STEP = 60.0  # Prometheus' default evaluation interval


# promql_parser overflows its native stack (killing the process) on deeply nested or chained
# input: a few thousand operators or brackets. Deep queries fail in the evaluator long before
# that anyway, so anything past this budget is rejected before it reaches the parser.
_NESTING = re.compile(r"[(\[{]|[-+*/%^<>]|[=!]=|\b(?:and|or|unless|atan2)\b")
_MAX_NESTING = 1000


def parse(query: str) -> promql_parser.Expr:
    """Parse ``query``, turning every failure of the parser into a ``bad_data`` error."""
    if len(_NESTING.findall(query)) > _MAX_NESTING:
        raise bad_data(
            f"query is too complex: more than {_MAX_NESTING} brackets and operators "
            "(the emulated Prometheus' limit)"
        )
    try:
        return promql_parser.parse(query)
    except Exception as exc:
        message = str(exc)
    except BaseException as exc:  # a Rust panic inside the parser surfaces as PanicException
        if type(exc).__name__ != "PanicException":
            raise
        message = str(exc)
    raise bad_data(f"parse error: {message}")


class Evaluator:
    """Evaluates an expression at every step of ``ctx`` at once."""

    def __init__(self, ctx: EvalContext) -> None:
        self._ctx = ctx

    @property
    def ctx(self) -> EvalContext:
        return self._ctx

    def eval(self, node: promql_parser.Expr) -> Value:
        ctx = self._ctx
        if isinstance(node, promql_parser.NumberLiteral):
            return Scalar([node.val] * ctx.n)
        if isinstance(node, promql_parser.StringLiteral):
            return String(node.val)
        if isinstance(node, promql_parser.ParenExpr):
            return self.eval(node.expr)
        if isinstance(node, promql_parser.UnaryExpr):
            return _negate(self.eval(node.expr))
        if isinstance(node, promql_parser.VectorSelector):
            return vector_selector(ctx, node)
        if isinstance(node, promql_parser.MatrixSelector):
            return matrix_selector(ctx, node)
        if isinstance(node, promql_parser.SubqueryExpr):
            return self._subquery(node)
        if isinstance(node, promql_parser.Call):
            return call(self, node)
        if isinstance(node, promql_parser.AggregateExpr):
            return self._aggregate(node)
        if isinstance(node, promql_parser.BinaryExpr):
            lhs, rhs = self.eval(node.lhs), self.eval(node.rhs)
            return binary(str(node.op), lhs, rhs, node.modifier, ctx.n)
        raise bad_data(f"unsupported expression {type(node).__name__}")

    def _aggregate(self, node: promql_parser.AggregateExpr) -> Value:
        op = str(node.op)
        if op not in AGGREGATIONS:
            raise unsupported("aggregation", op)
        param = None if node.param is None else self.eval(node.param)
        inner = self.eval(node.expr)
        if not isinstance(inner, Vector):
            raise bad_data("expected type instant vector in aggregation expression")
        return aggregate(op, inner, node.modifier, param, self._ctx.n)

    def _subquery(self, node: promql_parser.SubqueryExpr) -> Matrix:
        """Evaluate the inner expression at absolute multiples of the subquery step covering
        every window, then read it back as a range vector."""
        ctx = self._ctx
        span, offset = seconds(node.range), seconds(node.offset)
        step_ms = max(1, round(1000 * (seconds(node.step) or _DEFAULT_SUBQUERY_STEP)))
        fixed = at_time(ctx, node.at)
        ends = [(t if fixed is None else fixed) - offset for t in ctx.steps]
        first_ms, last_ms = round(1000 * (min(ends) - span)), round(1000 * max(ends))
        start_ms = -(-first_ms // step_ms) * step_ms  # the first aligned time >= first_ms
        count = (last_ms - start_ms) // step_ms + 1
        if count > _MAX_INNER_STEPS:
            raise execution(
                "query processing would load too many samples into memory in query execution"
            )
        steps = [(start_ms + i * step_ms) / 1000 for i in range(max(count, 0))]
        inner_ctx = EvalContext(ctx.db, steps, ctx.query_start, ctx.query_end, ctx.lookback)
        inner = Evaluator(inner_ctx).eval(node.expr) if steps else Vector([])
        if not isinstance(inner, Vector):
            raise bad_data("subquery is only allowed on instant vector")
        rows = []
        for row in inner.rows:
            present = [(t, v) for t, v in zip(steps, row.points, strict=True) if v is not None]
            rows.append(RangeRow(row.labels, [t for t, _ in present], [v for _, v in present]))
        return Matrix(rows, span, ends)


def _negate(value: Value) -> Value:
    if isinstance(value, Scalar):
        return Scalar([-v for v in value.points])
    if isinstance(value, Vector):
        return merge_rows(
            Row(drop_name(r.labels), [None if v is None else -v for v in r.points])
            for r in value.rows
        )
    raise bad_data("unary expression only allowed on expressions of type scalar or instant vector")


def _evaluate(ctx: EvalContext, query: str) -> Value:
    expr = parse(query)
    try:
        return Evaluator(ctx).eval(expr)
    except RecursionError:
        raise bad_data("query is too deeply nested") from None


def _check_lookback(lookback: float) -> None:
    if not lookback > 0 or math.isinf(lookback):
        raise bad_data("lookback delta must be a positive finite duration", "lookback_delta")


def instant_query(db: TSDB, query: str, t: float, lookback: float = 300.0) -> QueryResult:
    """Evaluate ``query`` at time ``t`` (unix seconds), as ``GET /api/v1/query`` does."""
    _check_lookback(lookback)
    value = _evaluate(EvalContext(db, [t], t, t, lookback), query)
    if isinstance(value, Scalar):
        return QueryResult("scalar", ScalarResult(t, value.points[0]))
    if isinstance(value, String):
        return QueryResult("string", StringResult(t, value.value))
    if isinstance(value, Vector):
        samples = [
            InstantSample(_metric(r.labels), t, v)
            for r in value.rows
            if (v := r.points[0]) is not None
        ]
        return QueryResult("vector", samples)
    return QueryResult("matrix", _raw_series(value))


def _metric(labels: dict[str, str]) -> dict[str, str]:
    """A result's own copy of the labels, sorted by name as Prometheus writes them."""
    return dict(sorted(labels.items()))


def _raw_series(matrix: Matrix) -> list[RangeSeries]:
    """An instant query for a range vector returns the raw samples in the window."""
    end = matrix.ends[0]
    start = end - matrix.range
    out = []
    for row in matrix.rows:
        samples = zip(row.times, row.values, strict=True)
        points = [(t, v) for t, v in samples if start < t <= end]
        if points:
            out.append(RangeSeries(_metric(row.labels), points))
    return sorted(out, key=lambda s: label_key(s.metric))


def check_interval(start: float, end: float) -> None:
    if end < start:
        raise bad_data("end timestamp must not be before start time", "end")


def check_range(start: float, end: float, step: float) -> None:
    """Reject a range query the way Prometheus' API does, before any evaluation."""
    check_interval(start, end)
    if not step > 0:
        raise bad_data(
            "zero or negative query resolution step widths are not accepted. "
            "Try a positive integer",
            "step",
        )
    if math.isinf(end - start) or (end - start) // step > MAX_POINTS:
        raise bad_data(
            "exceeded maximum resolution of 11,000 points per timeseries. "
            "Try decreasing the query resolution (?step=XX)",
            None,
        )


def range_query(
    db: TSDB, query: str, start: float, end: float, step: float, lookback: float = 300.0
) -> QueryResult:
    """Evaluate ``query`` at ``start``, ``start + step``, ... up to ``end`` (unix seconds), as
    ``GET /api/v1/query_range`` does; the result is always a matrix."""
    check_range(start, end, step)
    _check_lookback(lookback)
    start_ms, end_ms = round(start * 1000), round(end * 1000)
    step_ms = max(1, round(step * 1000))
    steps = [ms / 1000 for ms in range(start_ms, end_ms + 1, step_ms)]
    value = _evaluate(EvalContext(db, steps, start, end, lookback), query)
    if isinstance(value, Scalar):
        return QueryResult("matrix", [RangeSeries({}, list(zip(steps, value.points, strict=True)))])
    if not isinstance(value, Vector):
        kind = "string" if isinstance(value, String) else "range vector"
        raise bad_data(
            f'invalid expression type "{kind}" for range query, must be Scalar or instant Vector'
        )
    out = []
    for row in value.rows:
        points = [(t, v) for t, v in zip(steps, row.points, strict=True) if v is not None]
        if points:
            out.append(RangeSeries(_metric(row.labels), points))
    return QueryResult("matrix", sorted(out, key=lambda s: label_key(s.metric)))
