"""Function calls: dispatch, the instant-vector functions, and argument checking."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

import promql_parser

from stratus.sim.telemetry.promql.context import Evaluates
from stratus.sim.telemetry.promql.errors import PromQLError, bad_data
from stratus.sim.telemetry.promql.histogram import histogram_quantile
from stratus.sim.telemetry.promql.labelfns import label_join, label_replace
from stratus.sim.telemetry.promql.rangefns import (
    RANGE_FUNCTIONS,
    apply_range_function,
    present_steps,
)
from stratus.sim.telemetry.promql.values import (
    NAME,
    Labels,
    Matrix,
    Points,
    Row,
    Scalar,
    String,
    Value,
    Vector,
    drop_name,
    merge_rows,
)

__all__ = ["SUPPORTED_FUNCTIONS", "call", "unsupported"]

Handler = Callable[[Evaluates, list[Any]], Value]  # arguments are parser nodes
_V = TypeVar("_V", Vector, Scalar, String, Matrix)


def unsupported(kind: str, name: str) -> PromQLError:
    return bad_data(
        f'unsupported {kind} "{name}" (the emulated Prometheus implements a subset; '
        "see stratus.sim.telemetry.promql)"
    )


def _expect(value: Value, kind: type[_V]) -> _V:
    """The parser type-checks arguments; this only guards the evaluator's own invariants."""
    if not isinstance(value, kind):
        raise bad_data(f"expected {kind.__name__.lower()} argument, got {type(value).__name__}")
    return value


def _vector(ev: Evaluates, node: Any) -> Vector:
    return _expect(ev.eval(node), Vector)


def _scalar(ev: Evaluates, node: Any) -> Scalar:
    return _expect(ev.eval(node), Scalar)


def _string(ev: Evaluates, node: Any) -> str:
    return _expect(ev.eval(node), String).value


def _map_values(vector: Vector, fn: Callable[[float, int], float | None]) -> Vector:
    """Apply ``fn(value, step)`` to every sample; the metric name is dropped."""
    rows = []
    for row in vector.rows:
        points: Points = [None if v is None else fn(v, i) for i, v in enumerate(row.points)]
        rows.append(Row(drop_name(row.labels), points))
    return merge_rows(rows)


def _ceil(x: float) -> float:
    return float(math.ceil(x)) if math.isfinite(x) else x


def _floor(x: float) -> float:
    return float(math.floor(x)) if math.isfinite(x) else x


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _log(base: Callable[[float], float]) -> Callable[[float], float]:
    def fn(x: float) -> float:  # Go: log(0) is -Inf, log of a negative number NaN
        if x > 0:
            return base(x)
        return -math.inf if x == 0 else math.nan

    return fn


def _sgn(x: float) -> float:
    return 1.0 if x > 0 else -1.0 if x < 0 else x


_MATH: dict[str, Callable[[float], float]] = {
    "abs": math.fabs,
    "ceil": _ceil,
    "floor": _floor,
    "sqrt": lambda x: math.sqrt(x) if x >= 0 else math.nan,
    "exp": _exp,
    "ln": _log(math.log),
    "log2": _log(math.log2),
    "log10": _log(math.log10),
    "sgn": _sgn,
}


def _math_handler(fn: Callable[[float], float]) -> Handler:
    return lambda ev, args: _map_values(_vector(ev, args[0]), lambda v, _: fn(v))


def _nan_min(a: float, b: float) -> float:
    return math.nan if math.isnan(a) or math.isnan(b) else min(a, b)


def _nan_max(a: float, b: float) -> float:
    return math.nan if math.isnan(a) or math.isnan(b) else max(a, b)


def _clamp_min(ev: Evaluates, args: list[Any]) -> Value:
    bound = _scalar(ev, args[1]).points
    return _map_values(_vector(ev, args[0]), lambda v, i: _nan_max(bound[i], v))


def _clamp_max(ev: Evaluates, args: list[Any]) -> Value:
    bound = _scalar(ev, args[1]).points
    return _map_values(_vector(ev, args[0]), lambda v, i: _nan_min(bound[i], v))


def _clamp(ev: Evaluates, args: list[Any]) -> Value:
    lo, hi = _scalar(ev, args[1]).points, _scalar(ev, args[2]).points

    def clamp(v: float, i: int) -> float | None:
        return None if hi[i] < lo[i] else _nan_max(lo[i], _nan_min(hi[i], v))

    return _map_values(_vector(ev, args[0]), clamp)


def _round(ev: Evaluates, args: list[Any]) -> Value:
    nearest = _scalar(ev, args[1]).points if len(args) > 1 else [1.0] * ev.ctx.n

    def rnd(v: float, i: int) -> float:
        inverse = 1.0 / nearest[i] if nearest[i] else math.copysign(math.inf, nearest[i])
        return _floor(v * inverse + 0.5) / inverse

    return _map_values(_vector(ev, args[0]), rnd)


def _time(ev: Evaluates, args: list[Any]) -> Value:
    return Scalar(list(ev.ctx.steps))


def _vector_fn(ev: Evaluates, args: list[Any]) -> Value:
    return Vector([Row({}, list(_scalar(ev, args[0]).points))])


def _scalar_fn(ev: Evaluates, args: list[Any]) -> Value:
    """The single sample's value at each step, NaN when there are none or several."""
    vector = _vector(ev, args[0])
    if not vector.rows:
        return Scalar([math.nan] * ev.ctx.n)
    points = []
    for column in zip(*(r.points for r in vector.rows), strict=True):
        present = [v for v in column if v is not None]
        points.append(present[0] if len(present) == 1 else math.nan)
    return Scalar(points)


def absent_labels(node: Any) -> Labels:
    """The labels ``absent(x{...})`` reports: those fixed by equality matchers, except any
    label matched more than once or otherwise (Prometheus' historic behaviour)."""
    if isinstance(node, promql_parser.MatrixSelector):
        node = node.vector_selector
    if not isinstance(node, promql_parser.VectorSelector):
        return {}
    labels: Labels = {}
    seen: set[str] = set()
    for m in node.matchers.matchers:
        if m.name == NAME:
            continue
        if m.op == promql_parser.MatchOp.Equal and m.name not in seen:
            labels[m.name] = m.value
            seen.add(m.name)
        else:
            labels.pop(m.name, None)
    return {k: v for k, v in labels.items() if v}


def _absent(ev: Evaluates, args: list[Any]) -> Value:
    present = [False] * ev.ctx.n
    for row in _vector(ev, args[0]).rows:
        for i, v in enumerate(row.points):
            present[i] = present[i] or v is not None
    points: Points = [None if p else 1.0 for p in present]
    return merge_rows([Row(absent_labels(args[0]), points)])


def _absent_over_time(ev: Evaluates, args: list[Any]) -> Value:
    points: Points = [None if p else 1.0 for p in present_steps(_expect(ev.eval(args[0]), Matrix))]
    return merge_rows([Row(absent_labels(args[0]), points)])


def _sorter(descending: bool) -> Handler:
    """sort/sort_desc order an instant query's result by value, NaN last; a range query's
    result is ordered by labels regardless, as in Prometheus."""

    def handler(ev: Evaluates, args: list[Any]) -> Value:
        rows = list(_vector(ev, args[0]).rows)
        sign = -1.0 if descending else 1.0

        def key(row: Row) -> tuple[bool, float]:
            v = row.points[0]
            return (True, 0.0) if v is None or math.isnan(v) else (False, sign * v)

        return Vector(sorted(rows, key=key))

    return handler


def _histogram_quantile(ev: Evaluates, args: list[Any]) -> Value:
    return histogram_quantile(_scalar(ev, args[0]), _vector(ev, args[1]))


def _label_replace(ev: Evaluates, args: list[Any]) -> Value:
    dst, replacement, src, regex = (_string(ev, a) for a in args[1:5])
    return label_replace(_vector(ev, args[0]), dst, replacement, src, regex)


def _label_join(ev: Evaluates, args: list[Any]) -> Value:
    dst, separator, *sources = (_string(ev, a) for a in args[1:])
    return label_join(_vector(ev, args[0]), dst, separator, sources)


_HANDLERS: dict[str, Handler] = {
    **{name: _math_handler(fn) for name, fn in _MATH.items()},
    "clamp": _clamp,
    "clamp_min": _clamp_min,
    "clamp_max": _clamp_max,
    "round": _round,
    "time": _time,
    "vector": _vector_fn,
    "scalar": _scalar_fn,
    "absent": _absent,
    "absent_over_time": _absent_over_time,
    "sort": _sorter(descending=False),
    "sort_desc": _sorter(descending=True),
    "histogram_quantile": _histogram_quantile,
    "label_replace": _label_replace,
    "label_join": _label_join,
}
SUPPORTED_FUNCTIONS = frozenset(_HANDLERS) | frozenset(RANGE_FUNCTIONS)


def call(ev: Evaluates, node: promql_parser.Call) -> Value:
    name, args = node.func.name, list(node.args)
    handler = _HANDLERS.get(name)
    if handler is not None:
        return handler(ev, args)
    if name not in RANGE_FUNCTIONS:
        raise unsupported("function", name)
    matrix_at = RANGE_FUNCTIONS[name][2]
    matrix = _expect(ev.eval(args[matrix_at]), Matrix)
    params = [_scalar(ev, a) for i, a in enumerate(args) if i != matrix_at]
    return apply_range_function(name, matrix, params, ev.ctx.steps)
