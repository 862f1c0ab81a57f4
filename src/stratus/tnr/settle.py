"""Waiting for the system to settle after writes, before severity is measured again.

Settled means: at least ``min_seconds`` passed (so rate windows and alert ``for:`` clauses
see the new state), and either every rollout in scope is complete, or every controller has
caught up (old pods replaced) and nothing changed for ``steady_seconds`` (a crash-looping
workload never becomes available; waiting longer tells nothing new). Otherwise waiting ends
at ``max_seconds``. Time comes from a ``Clock``: virtual on the emulator, wall time else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from stratus.observe.clock import Clock
from stratus.observe.cluster import ClusterObserver, ClusterSnapshot
from stratus.observe.errors import ObserveError

__all__ = ["SettleBounds", "SettleReport", "settle"]


class SettleBounds(BaseModel):
    """Defaults: 60 s at least (the SLA's rate window, and the ``for: 1m`` of most alerts),
    5 min at most (enough for an image pull and probes, short enough for a live incident),
    30 s steady (two scrapes and a few kubelet syncs), observed every 5 s."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    min_seconds: float = Field(60.0, ge=0.0)
    max_seconds: float = Field(300.0, ge=0.0)
    steady_seconds: float = Field(30.0, ge=0.0)
    step_seconds: float = Field(5.0, gt=0.0)


@dataclass(frozen=True)
class SettleReport:
    """``settled`` False means the bound passed first; ``complete`` that every rollout in
    scope finished with all replicas available."""

    settled: bool
    complete: bool
    elapsed: float
    reason: str


def settle(
    cluster: ClusterObserver,
    clock: Clock,
    bounds: SettleBounds,
    on_step: Callable[[float], None] | None = None,
) -> SettleReport:
    """Wait in steps until ``cluster`` settles or ``bounds.max_seconds`` pass; ``on_step``
    (elapsed seconds) runs after each step, e.g. to sample μ along the way. The cluster is
    observed only from ``min_seconds - steady_seconds`` on: earlier changes cannot matter."""
    start = clock.now()
    signature: object = None
    since = 0.0
    problem = "rollouts still in progress"
    while True:
        elapsed = clock.now() - start
        if elapsed >= bounds.min_seconds - bounds.steady_seconds:
            try:
                snapshot = cluster.snapshot()
            except ObserveError as exc:
                signature, problem = None, f"cannot observe the cluster: {exc}"
            else:
                problem = "rollouts still in progress"
                if snapshot.signature() != signature:
                    signature, since = snapshot.signature(), elapsed
                if elapsed >= bounds.min_seconds:
                    report = _settled(snapshot, elapsed, elapsed - since >= bounds.steady_seconds)
                    if report is not None:
                        return report
        if elapsed >= bounds.max_seconds:
            return SettleReport(False, False, elapsed, f"gave up after {elapsed:g} s: {problem}")
        clock.sleep(min(bounds.step_seconds, bounds.max_seconds - elapsed))
        if on_step is not None:
            on_step(clock.now() - start)


def _settled(snapshot: ClusterSnapshot, elapsed: float, steady: bool) -> SettleReport | None:
    if snapshot.rollouts_complete and snapshot.converged:
        return SettleReport(True, True, elapsed, "every rollout is complete")
    if snapshot.converged and steady:
        waiting = sorted(str(k) for k, w in snapshot.workloads.items() if not w.rollout_complete)
        return SettleReport(True, False, elapsed, f"steady; not available: {', '.join(waiting)}")
    return None
