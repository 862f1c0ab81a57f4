"""What every part of the evaluator needs to know about the evaluation in progress."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import promql_parser

from stratus.sim.telemetry.promql.values import Value
from stratus.sim.telemetry.tsdb import TSDB

__all__ = ["EvalContext", "Evaluates"]


@dataclass(frozen=True, slots=True)
class EvalContext:
    """``steps`` are the evaluation timestamps; ``query_start``/``query_end`` are what
    ``@ start()`` and ``@ end()`` refer to (unchanged inside subqueries)."""

    db: TSDB
    steps: list[float]
    query_start: float
    query_end: float
    lookback: float

    @property
    def n(self) -> int:
        return len(self.steps)


class Evaluates(Protocol):
    """The evaluator as functions see it: they evaluate their own arguments."""

    @property
    def ctx(self) -> EvalContext: ...

    def eval(self, node: promql_parser.Expr) -> Value: ...
