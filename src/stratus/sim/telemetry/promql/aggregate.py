"""Aggregation operators (``sum by (job) (...)`` and friends)."""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from functools import partial

import promql_parser

from stratus.sim.telemetry.promql.aggmath import fsum, max_value, min_value, quantile, variance
from stratus.sim.telemetry.promql.errors import bad_data
from stratus.sim.telemetry.promql.numbers import format_float
from stratus.sim.telemetry.promql.values import (
    NAME,
    LabelKey,
    Labels,
    Points,
    Row,
    Scalar,
    String,
    Value,
    Vector,
    label_key,
    merge_rows,
)

__all__ = ["AGGREGATIONS", "LABEL_NAME", "aggregate"]

LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")

_SIMPLE: dict[str, Callable[[list[float]], float]] = {
    "sum": fsum,
    "avg": lambda v: fsum(v) / len(v),
    "min": min_value,
    "max": max_value,
    "count": lambda v: float(len(v)),
    "group": lambda v: 1.0,
    "stddev": lambda v: math.sqrt(variance(v)),
    "stdvar": variance,
}
AGGREGATIONS = frozenset(_SIMPLE) | {"topk", "bottomk", "quantile", "count_values"}


class _Group:
    __slots__ = ("labels", "members")

    def __init__(self, labels: Labels) -> None:
        self.labels = labels
        self.members: list[Row] = []


def _grouper(modifier: promql_parser.AggModifier | None) -> Callable[[Labels], Labels]:
    if modifier is None:
        return lambda labels: {}
    names = set(modifier.labels)
    if modifier.type == promql_parser.AggModifierType.By:
        return lambda labels: {k: v for k, v in labels.items() if k in names and v}
    names.add(NAME)
    return lambda labels: {k: v for k, v in labels.items() if k not in names}


def _groups(vector: Vector, modifier: promql_parser.AggModifier | None) -> list[_Group]:
    grouping = _grouper(modifier)
    groups: dict[LabelKey, _Group] = {}
    for row in vector.rows:
        labels = grouping(row.labels)
        key = label_key(labels)
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(labels)
        group.members.append(row)
    return list(groups.values())


_present = partial(operator.is_not, None)  # filter(_present, column): the samples in it


def _simple(op: str, groups: list[_Group]) -> Vector:
    reduce = _SIMPLE[op]
    rows = []
    for group in groups:
        points: Points
        if len(group.members) == 1:  # the common case of a group of one series
            only = group.members[0].points
            if op in ("sum", "avg"):  # of one value: v + 0.0, bit for bit (-0.0 becomes 0.0)
                points = [None if v is None else v + 0.0 for v in only]
            else:
                points = [None if v is None else reduce([v]) for v in only]
        else:
            points = []
            for column in zip(*(m.points for m in group.members), strict=True):
                present = list(filter(_present, column))
                points.append(reduce(present) if present else None)
        rows.append(Row(group.labels, points))
    return merge_rows(rows)


def _k(value: float) -> int:
    if math.isnan(value):
        raise bad_data("Parameter value is NaN")
    if abs(value) >= 2.0**63:
        raise bad_data(f"Scalar value {format_float(value)} overflows int64")
    return int(value)


def _top(groups: list[_Group], ks: list[float], largest: bool) -> Vector:
    """topk/bottomk: the chosen series keep all their labels, ranked per step (NaN last)."""
    out: dict[int, Row] = {}
    n = len(ks)
    sign = -1.0 if largest else 1.0
    for i in range(n):
        k = _k(ks[i])
        if k < 1:
            continue
        for group in groups:
            present = [(v, m) for m in group.members if (v := m.points[i]) is not None]
            present.sort(key=lambda pair: (math.isnan(pair[0]), sign * pair[0]))
            for value, member in present[:k]:
                row = out.get(id(member))
                if row is None:
                    row = out[id(member)] = Row(member.labels, [None] * n)
                row.points[i] = value
    return Vector(list(out.values()))


def _quantile(groups: list[_Group], qs: list[float]) -> Vector:
    rows = []
    for group in groups:
        points: Points = []
        for q, column in zip(qs, zip(*(m.points for m in group.members), strict=True), strict=True):
            present = [v for v in column if v is not None]
            points.append(quantile(q, present) if present else None)
        rows.append(Row(group.labels, points))
    return merge_rows(rows)


def _count_values(groups: list[_Group], target: str, n: int) -> Vector:
    if LABEL_NAME.fullmatch(target) is None:
        raise bad_data(f'invalid label name "{target}"')
    out: dict[LabelKey, Row] = {}
    for group in groups:
        for i, column in enumerate(zip(*(m.points for m in group.members), strict=True)):
            for value in column:
                if value is None:
                    continue
                labels = {**group.labels, target: format_float(value)}
                key = label_key(labels)
                row = out.get(key)
                if row is None:
                    row = out[key] = Row(labels, [None] * n)
                row.points[i] = (row.points[i] or 0.0) + 1.0
    return Vector(list(out.values()))


def aggregate(
    op: str,
    vector: Vector,
    modifier: promql_parser.AggModifier | None,
    param: Value | None,
    n: int,
) -> Vector:
    groups = _groups(vector, modifier)
    if op in _SIMPLE:
        return _simple(op, groups)
    if op == "count_values":
        if not isinstance(param, String):
            raise bad_data("count_values() expects a string parameter")
        return _count_values(groups, param.value, n)
    if not isinstance(param, Scalar):
        raise bad_data(f"{op}() expects a scalar parameter")
    if op == "quantile":
        return _quantile(groups, param.points)
    if op in ("topk", "bottomk"):
        return _top(groups, param.points, largest=op == "topk")
    raise bad_data(
        f'unsupported aggregation "{op}" (the emulated Prometheus implements a subset; '
        "see stratus.sim.telemetry.promql)"
    )
