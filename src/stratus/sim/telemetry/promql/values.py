"""The values expressions evaluate to, each holding every step of the evaluation at once.

Evaluating a whole range query in one pass (rather than once per step) means series are
selected, grouped and matched once, and only the arithmetic runs per step.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterable
from dataclasses import dataclass

from stratus.sim.telemetry.promql.errors import execution

__all__ = [
    "NAME",
    "LabelKey",
    "Labels",
    "Matrix",
    "Points",
    "RangeRow",
    "Row",
    "Scalar",
    "String",
    "Value",
    "Vector",
    "drop_name",
    "label_key",
    "merge_rows",
]

NAME = "__name__"
Labels = dict[str, str]  # never mutated once built: rows share them freely
LabelKey = tuple[tuple[str, str], ...]
Points = list[float | None]  # one entry per step; None where the series has no sample


def label_key(labels: Labels) -> LabelKey:
    return tuple(sorted(labels.items()))


def drop_name(labels: Labels) -> Labels:
    if NAME not in labels:
        return labels
    return {k: v for k, v in labels.items() if k != NAME}


@dataclass(slots=True)
class Row:
    """One series of an instant vector, across all steps."""

    labels: Labels
    points: Points


@dataclass(slots=True)
class Vector:
    """An instant vector per step; row label sets are unique."""

    rows: list[Row]


@dataclass(slots=True)
class Scalar:
    points: list[float]


@dataclass(slots=True)
class String:
    value: str


@dataclass(slots=True)
class RangeRow:
    """The non-stale samples of one series over the span every step's window falls in."""

    labels: Labels
    times: list[float]
    values: list[float]
    _resets: list[int] | None = None

    def reset_counts(self) -> list[int]:
        """Element ``i`` counts the counter resets (drops from the previous sample) at or
        before sample ``i``; lets rate() skip the reset scan for windows without any."""
        if self._resets is None:
            values = self.values
            drops = map(operator.lt, values[1:], values[:-1])  # value i+1 < value i
            self._resets = list(itertools.accumulate(drops, initial=0))  # ints: 0 + True is 1
        return self._resets


@dataclass(slots=True)
class Matrix:
    """A range vector: step ``i`` sees the samples in ``(ends[i] - range, ends[i]]``."""

    rows: list[RangeRow]
    range: float
    ends: list[float]


Value = Vector | Scalar | String | Matrix


def merge_rows(rows: Iterable[Row]) -> Vector:
    """A vector of ``rows`` without the empty ones, combining rows whose labels are equal (as
    after dropping the metric name); two samples for one label set at one step is an error."""
    merged: dict[LabelKey, Row] = {}
    copied: set[LabelKey] = set()
    for row in rows:
        if all(p is None for p in row.points):
            continue
        key = label_key(row.labels)
        have = merged.get(key)
        if have is None:
            merged[key] = row
            continue
        if key not in copied:  # input rows may share their points lists with other values
            have = merged[key] = Row(have.labels, list(have.points))
            copied.add(key)
        for i, value in enumerate(row.points):
            if value is not None:
                if have.points[i] is not None:
                    raise execution("vector cannot contain metrics with the same labelset")
                have.points[i] = value
    return Vector(list(merged.values()))
