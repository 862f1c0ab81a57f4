"""Aggregates over results: success rate, false positives, TNR violations, time, steps,
attempts, undos, tokens and cost, per any grouping (task, fault category, app, agent,
problem). An error counts as a failure (it is also counted on its own)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from stratus.bench.results import ProblemResult

__all__ = ["DIMENSIONS", "Dimension", "Summary", "group", "summarize"]

Dimension = Literal["task", "category", "app", "agent", "problem", "fault"]
DIMENSIONS: tuple[Dimension, ...] = ("task", "category", "app", "agent", "problem", "fault")


@dataclass(frozen=True)
class Summary:
    runs: int
    successes: int
    errors: int
    no_fault: int  # detection runs on no-fault problems
    false_positives: int
    tnr_checked: int
    tnr_violations: int
    virtual_seconds: float  # means over the runs
    wall_seconds: float
    agent_wall_seconds: float
    steps: float
    attempts: float
    undos: float
    input_tokens: int  # totals
    output_tokens: int
    cost_usd: float

    @property
    def rate(self) -> float:
        return self.successes / self.runs if self.runs else math.nan

    @property
    def mean_cost(self) -> float:
        return self.cost_usd / self.runs if self.runs else math.nan


def summarize(results: Sequence[ProblemResult]) -> Summary:
    ok = [r for r in results if r.status == "ok"]
    checked = [r for r in ok if r.tnr_held is not None]
    return Summary(
        runs=len(results),
        successes=sum(r.success for r in results),
        errors=len(results) - len(ok),
        no_fault=sum(1 for r in results if r.fault is None and r.task == "detection"),
        false_positives=sum(1 for r in results if r.false_positive),
        tnr_checked=len(checked),
        tnr_violations=sum(1 for r in checked if not r.tnr_held),
        virtual_seconds=_mean(r.virtual_seconds for r in ok),
        wall_seconds=_mean(r.wall_seconds for r in ok),
        agent_wall_seconds=_mean(r.agent_wall_seconds for r in ok),
        steps=_mean(r.usage.steps for r in ok),
        attempts=_mean(r.attempts for r in ok),
        undos=_mean(r.undos for r in ok),
        input_tokens=sum(r.usage.input_tokens for r in results),
        output_tokens=sum(r.usage.output_tokens for r in results),
        cost_usd=sum(r.usage.cost_usd for r in results),
    )


def group(results: Iterable[ProblemResult], *dims: Dimension) -> dict[tuple[str, ...], Summary]:
    """Summaries keyed by the values of ``dims``, keys sorted."""
    buckets: dict[tuple[str, ...], list[ProblemResult]] = {}
    for r in results:
        key = tuple(_value(r, d) for d in dims)
        buckets.setdefault(key, []).append(r)
    return {key: summarize(buckets[key]) for key in sorted(buckets)}


def _value(result: ProblemResult, dim: Dimension) -> str:
    value = getattr(result, dim)
    return "none" if value is None else str(value)


def _mean(values: Iterable[float]) -> float:
    items = list(values)
    return statistics.fmean(items) if items else math.nan
