"""Binary operators: arithmetic, comparisons and set operators, with vector matching."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable

import promql_parser

from stratus.sim.telemetry.promql.errors import bad_data, execution
from stratus.sim.telemetry.promql.numbers import format_label_set
from stratus.sim.telemetry.promql.values import (
    NAME,
    LabelKey,
    Labels,
    Points,
    Row,
    Scalar,
    Value,
    Vector,
    drop_name,
    label_key,
    merge_rows,
)

__all__ = ["ARITHMETIC", "COMPARISONS", "SET_OPERATORS", "binary"]

Card = promql_parser.VectorMatchCardinality


def _div(a: float, b: float) -> float:
    try:
        return a / b
    except ZeroDivisionError:  # Go: x/0 is ±Inf, 0/0 is NaN
        if a == 0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)


def _mod(a: float, b: float) -> float:
    try:
        return math.fmod(a, b)
    except ValueError:  # Go's math.Mod: NaN for x%0 and Inf%y
        return math.nan


def _pow(a: float, b: float) -> float:
    try:
        return math.pow(a, b)
    except OverflowError:
        odd = b.is_integer() and int(b) % 2 == 1
        return -math.inf if a < 0 and odd else math.inf
    except ValueError:  # 0 to a negative power is ±Inf in Go; a negative base's root is NaN
        if a == 0:
            odd = b.is_integer() and int(b) % 2 == 1
            return math.copysign(math.inf, a) if odd else math.inf
        return math.nan


ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": _div,
    "%": _mod,
    "^": _pow,
    "atan2": math.atan2,
}
COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
    ">=": operator.ge,
    "<=": operator.le,
}
SET_OPERATORS = frozenset({"and", "or", "unless"})


def _element(op: str, a: float, b: float, return_bool: bool) -> tuple[float, bool]:
    """The value of ``a op b`` and whether a comparison keeps it (``a`` when filtering)."""
    compare = COMPARISONS.get(op)
    if compare is None:
        return ARITHMETIC[op](a, b), True
    keep = compare(a, b)
    if return_bool:
        return (1.0 if keep else 0.0), True
    return a, keep


def _scalars(op: str, lhs: Scalar, rhs: Scalar, return_bool: bool) -> Scalar:
    pairs = zip(lhs.points, rhs.points, strict=True)
    return Scalar([_element(op, a, b, return_bool)[0] for a, b in pairs])


def _vector_scalar(
    op: str, vector: Vector, scalar: Scalar, vector_left: bool, return_bool: bool
) -> Vector:
    """A vector against a scalar; a filtering comparison keeps the vector's own value."""
    dropped = op in ARITHMETIC or return_bool
    rows = []
    for row in vector.rows:
        points: Points = []
        for v, s in zip(row.points, scalar.points, strict=True):
            if v is None:
                points.append(None)
                continue
            value, keep = (
                _element(op, v, s, return_bool) if vector_left else _element(op, s, v, return_bool)
            )
            if op in COMPARISONS and not return_bool:
                value = v
            points.append(value if keep else None)
        rows.append(Row(drop_name(row.labels) if dropped else row.labels, points))
    return merge_rows(rows)


class _Matching:
    """How two vectors' series pair up: ``on``/``ignoring`` labels and cardinality."""

    def __init__(self, modifier: promql_parser.BinModifier | None) -> None:
        matching = modifier.matching if modifier else None
        self.on = matching is not None and matching.type == promql_parser.LabelModifierType.Include
        self.names = list(matching.labels) if matching else []
        self.card = modifier.card if modifier else Card.OneToOne
        self.include = list(modifier.group_labels or []) if modifier else []
        self.return_bool = modifier.return_bool if modifier else False

    def signature(self, labels: Labels) -> LabelKey:
        if self.on:
            return tuple((name, labels.get(name, "")) for name in sorted(self.names))
        skip = {*self.names, NAME}
        return tuple(sorted((k, v) for k, v in labels.items() if k not in skip))

    def result_labels(self, op: str, many: Labels, one: Labels) -> Labels:
        out = dict(many)
        if op in ARITHMETIC or self.return_bool:
            out.pop(NAME, None)
        if self.card == Card.OneToOne:
            if self.on:
                out = {k: v for k, v in out.items() if k in self.names}
            else:
                for name in self.names:
                    out.pop(name, None)
        for name in self.include:
            if one.get(name):
                out[name] = one[name]
            else:
                out.pop(name, None)
        return out


def _one_side_index(
    m: _Matching, one: Vector, sigs: list[LabelKey], i: int
) -> dict[LabelKey, tuple[int, float]]:
    """Signature -> (row, value) of the "one" side's samples at step ``i``."""
    index: dict[LabelKey, tuple[int, float]] = {}
    for j, row in enumerate(one.rows):
        value = row.points[i]
        if value is None:
            continue
        other, _ = index.setdefault(sigs[j], (j, value))
        if other != j:
            side = "left" if m.card == Card.OneToMany else "right"
            group = {k: v for k, v in sigs[j] if v}
            raise execution(
                f"found duplicate series for the match group {format_label_set(group)} on the "
                f"{side} hand-side of the operation: [{format_label_set(row.labels)}, "
                f"{format_label_set(one.rows[other].labels)}];many-to-many matching not "
                "allowed: matching labels must be unique on one side"
            )
    return index


def _match(op: str, lhs: Vector, rhs: Vector, m: _Matching, n: int) -> Vector:
    """Arithmetic or comparison between two vectors, step by step as Prometheus pairs them."""
    swapped = m.card == Card.OneToMany
    many, one = (rhs, lhs) if swapped else (lhs, rhs)
    many_sigs = [m.signature(r.labels) for r in many.rows]
    one_sigs = [m.signature(r.labels) for r in one.rows]
    labels_for: dict[tuple[int, int], tuple[Labels, LabelKey]] = {}
    out: list[Row] = []
    row_for: dict[LabelKey, Row] = {}
    for i in range(n):
        index = _one_side_index(m, one, one_sigs, i)
        matched: dict[LabelKey, set[LabelKey]] = {}
        for j, row in enumerate(many.rows):
            v = row.points[i]
            found = index.get(many_sigs[j]) if v is not None else None
            if v is None or found is None:
                continue
            k, w = found
            value, keep = (
                _element(op, w, v, m.return_bool) if swapped else _element(op, v, w, m.return_bool)
            )
            if not keep:
                continue
            cached = labels_for.get((j, k))
            if cached is None:
                labels = m.result_labels(op, row.labels, one.rows[k].labels)
                cached = labels_for[j, k] = (labels, label_key(labels))
            labels, key = cached
            seen = matched.setdefault(many_sigs[j], set())
            if m.card == Card.OneToOne and seen:
                raise execution(
                    "multiple matches for labels: many-to-one matching must be explicit "
                    "(group_left/group_right)"
                )
            if key in seen:
                raise execution(
                    "multiple matches for labels: grouping labels must ensure unique matches"
                )
            seen.add(key)
            target = row_for.get(key)
            if target is None:
                target = row_for[key] = Row(labels, [None] * n)
                out.append(target)
            if target.points[i] is not None:
                raise execution("vector cannot contain metrics with the same labelset")
            target.points[i] = value
    return Vector(out)


def _signatures_per_step(m: _Matching, vector: Vector, n: int) -> list[set[LabelKey]]:
    """For each step, the signatures of the series that have a sample then."""
    out: list[set[LabelKey]] = [set() for _ in range(n)]
    for row in vector.rows:
        sig = m.signature(row.labels)
        for i, v in enumerate(row.points):
            if v is not None:
                out[i].add(sig)
    return out


def _filtered(row: Row, sig: LabelKey, per_step: list[set[LabelKey]], wanted: bool) -> Row:
    """``row`` keeping the steps where ``sig in per_step[step]`` is ``wanted``."""
    points: Points = [
        v if v is not None and (sig in per_step[i]) == wanted else None
        for i, v in enumerate(row.points)
    ]
    return Row(row.labels, points)


def _set_operation(op: str, lhs: Vector, rhs: Vector, m: _Matching, n: int) -> Vector:
    """and/or/unless: which series survive, judged by label signature at each step. The
    survivors keep all their labels, metric name included."""
    if op == "or":
        left = _signatures_per_step(m, lhs, n)
        extra = [_filtered(r, m.signature(r.labels), left, wanted=False) for r in rhs.rows]
        return merge_rows([*lhs.rows, *extra])
    right = _signatures_per_step(m, rhs, n)
    wanted = op == "and"
    return merge_rows([_filtered(r, m.signature(r.labels), right, wanted) for r in lhs.rows])


def binary(
    op: str, lhs: Value, rhs: Value, modifier: promql_parser.BinModifier | None, n: int
) -> Value:
    return_bool = modifier.return_bool if modifier else False
    if modifier is not None and (
        modifier.fill_values.lhs is not None or modifier.fill_values.rhs is not None
    ):
        raise bad_data("fill modifiers are not supported by the emulated Prometheus")
    if op not in ARITHMETIC and op not in COMPARISONS and op not in SET_OPERATORS:
        raise bad_data(f'unsupported binary operator "{op}"')
    if isinstance(lhs, Scalar) and isinstance(rhs, Scalar):
        return _scalars(op, lhs, rhs, return_bool)
    if isinstance(lhs, Vector) and isinstance(rhs, Scalar):
        return _vector_scalar(op, lhs, rhs, vector_left=True, return_bool=return_bool)
    if isinstance(lhs, Scalar) and isinstance(rhs, Vector):
        return _vector_scalar(op, rhs, lhs, vector_left=False, return_bool=return_bool)
    if isinstance(lhs, Vector) and isinstance(rhs, Vector):
        m = _Matching(modifier)
        if op in SET_OPERATORS:
            return _set_operation(op, lhs, rhs, m, n)
        return _match(op, lhs, rhs, m, n)
    raise bad_data("binary expression must contain only scalar and instant vector types")
