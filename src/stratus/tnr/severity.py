"""Severity μ = w_alerts·|A| + w_sla·|V| + w_capacity·|L| (paper §4.2.1), computed from
telemetry by code, never by a model; μ = ∞ in the crash state.

- A: firing alerts in scope, each weighted by its ``severity`` label; pending ones too (their
  condition holds, only their ``for:`` hold has not passed), so that a write's harm shows
  within one rule evaluation rather than minutes later, after the transaction was judged.
  An alert the baseline
  attributed to a workload that has since been deleted or scaled to zero still counts
  (``silenced``): removing a broken workload silences its alerts, it does not fix them.
- V: SLA violations of the user-facing entrypoints (errors, p95 latency, unserved).
- L: capacity lost against the baseline: per workload the larger of its missing available
  replicas and its unready pods; a workload deleted or scaled to zero loses all its baseline
  replicas plus one for the workload itself (so removing a crash-looping workload, which
  had lost its replicas already, still counts as worse); unready pods of other workloads;
  and baseline-ready nodes that are gone or not ready.
- Crash: the Kubernetes API is unreachable, or every entrypoint is failing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from pydantic import BaseModel, ConfigDict, Field

from stratus.observe.baseline import Baseline, capture_baseline, firing_in_scope
from stratus.observe.clock import WALL_CLOCK, Clock
from stratus.observe.cluster import ClusterObserver, ClusterSnapshot, WorkloadKey
from stratus.observe.errors import EndpointUnreachable, ObserveError
from stratus.observe.prometheus import PrometheusClient
from stratus.observe.sla import Entrypoint, SlaPolicy, SlaProbe, SlaViolation, is_failing
from stratus.observe.sla import sla_violations as find_violations
from stratus.tnr.settle import SettleBounds, SettleReport, settle

__all__ = [
    "AlertPart",
    "Baseline",
    "CapacityLoss",
    "SettleBounds",
    "SettleReport",
    "Severity",
    "SeverityMeter",
    "SeverityWeights",
    "capacity_loss",
]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class SeverityWeights(BaseModel):
    """Defaults: a critical alert weighs 2 and a warning 1 (``info``/``none`` nothing: the
    kube-prometheus ``Watchdog`` always fires); an alert with another severity weighs 1; an
    SLA violation weighs 3, since users feel it while most alerts are causes; one lost
    replica, pod or node weighs 1. Integer weights keep μ an integer, as in the paper.
    ``count_pending``: pending alerts weigh as firing ones (see the module docstring)."""

    model_config = _FROZEN
    w_alerts: float = Field(1.0, ge=0.0)
    alert_severity: dict[str, float] = Field(
        default_factory=lambda: {
            "critical": 2.0,
            "error": 2.0,
            "warning": 1.0,
            "info": 0.0,
            "none": 0.0,
        }
    )
    unknown_severity: float = Field(1.0, ge=0.0)
    w_sla: float = Field(3.0, ge=0.0)
    w_capacity: float = Field(1.0, ge=0.0)
    count_pending: bool = True

    def alert_weight(self, severity: str) -> float:
        return self.w_alerts * self.alert_severity.get(severity.lower(), self.unknown_severity)


class AlertPart(BaseModel):
    model_config = _FROZEN
    name: str
    severity: str
    labels: dict[str, str]
    weight: float
    silenced: bool = False  # its workload was removed; it counts as still firing
    pending: bool = False  # its condition holds; its ``for:`` hold has not passed yet


class CapacityLoss(BaseModel):
    """``subject`` is a workload, pod or node; ``lost`` replicas, pods or nodes."""

    model_config = _FROZEN
    subject: str
    lost: int
    reason: str


class Severity(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", ser_json_inf_nan="strings")
    mu: float
    crashed: bool = False
    crash_reason: str = ""
    alerts: tuple[AlertPart, ...] = ()
    sla_violations: tuple[SlaViolation, ...] = ()
    capacity_loss: tuple[CapacityLoss, ...] = ()
    alert_score: float = 0.0
    sla_score: float = 0.0
    capacity_score: float = 0.0

    def __str__(self) -> str:
        mu = "∞" if math.isinf(self.mu) else f"{self.mu:g}"
        parts = (
            f"alerts {self.alert_score:g}, SLA {self.sla_score:g}, capacity {self.capacity_score:g}"
        )
        return f"μ={mu} ({parts})" + (f", crashed: {self.crash_reason}" if self.crashed else "")


class SeverityMeter:
    """Measures μ of the namespaces ``cluster`` observes, from ``prometheus``' alerts and span
    metrics. ``cluster_alerts`` counts alerts with no namespace (nodes) too."""

    def __init__(
        self,
        prometheus: PrometheusClient,
        cluster: ClusterObserver,
        weights: SeverityWeights | None = None,
        sla: SlaPolicy | None = None,
        *,
        cluster_alerts: bool = True,
    ) -> None:
        self.prometheus = prometheus
        self.cluster = cluster
        self.weights = weights or SeverityWeights()
        self.sla = sla or SlaPolicy()
        self.cluster_alerts = cluster_alerts

    def capture_baseline(
        self, entrypoints: Iterable[Entrypoint], normal_at: float | None = None
    ) -> Baseline:
        return capture_baseline(
            self.prometheus,
            self.cluster,
            entrypoints,
            self.sla,
            normal_at=normal_at,
            cluster_alerts=self.cluster_alerts,
        )

    def measure(self, baseline: Baseline) -> Severity:
        """μ now, against ``baseline``. An unreachable Kubernetes API is the crash state;
        any other failure to observe (Prometheus down, listing forbidden) raises
        ``ObserveError``: μ is unknown then, which is not the same as infinite."""
        try:
            snapshot: ClusterSnapshot | None = self.cluster.snapshot()
            crash = ""
        except EndpointUnreachable as exc:
            snapshot, crash = None, str(exc)
        try:
            firing = firing_in_scope(
                self.prometheus.alerts(),
                self.cluster.namespaces,
                self.cluster_alerts,
                pending=self.weights.count_pending,
            )
            readings = SlaProbe(self.prometheus, self.sla).read(
                e.entrypoint for e in baseline.entrypoints
            )
        except ObserveError:
            if crash:  # a cluster that is down may take its monitoring with it
                return Severity(mu=math.inf, crashed=True, crash_reason=crash)
            raise
        violations = tuple(find_violations(readings, baseline.entrypoints, self.sla))
        if baseline.entrypoints and all(
            is_failing(readings[b.entrypoint], b, self.sla) for b in baseline.entrypoints
        ):
            crash = crash or "every entrypoint is failing: " + ", ".join(map(str, violations))
        alerts = [
            AlertPart(
                name=a.name,
                severity=a.severity,
                labels=a.labels,
                weight=self.weights.alert_weight(a.severity),
                pending=a.state == "pending",
            )
            for a in firing
        ]
        losses: tuple[CapacityLoss, ...] = ()
        if snapshot is not None:
            alerts += _silenced(baseline, snapshot, {a.key for a in firing}, self.weights)
            losses = tuple(capacity_loss(baseline, snapshot))
        w = self.weights
        alert_score = sum(a.weight for a in alerts)
        sla_score = w.w_sla * len(violations)
        capacity_score = w.w_capacity * sum(loss.lost for loss in losses)
        return Severity(
            mu=math.inf if crash else alert_score + sla_score + capacity_score,
            crashed=bool(crash),
            crash_reason=crash,
            alerts=tuple(alerts),
            sla_violations=violations,
            capacity_loss=losses,
            alert_score=alert_score,
            sla_score=sla_score,
            capacity_score=capacity_score,
        )

    def settle(
        self,
        clock: Clock = WALL_CLOCK,
        bounds: SettleBounds | None = None,
        on_step: Callable[[float], None] | None = None,
    ) -> SettleReport:
        """Wait until the rollouts in scope settle or the bound passes (``tnr.settle``)."""
        return settle(self.cluster, clock, bounds or SettleBounds(), on_step)


def _removed(baseline: Baseline, snapshot: ClusterSnapshot) -> set[WorkloadKey]:
    return {
        w.key
        for w in baseline.workloads
        if w.replicas > 0
        and (w.key not in snapshot.workloads or snapshot.workloads[w.key].desired == 0)
    }


def _silenced(
    baseline: Baseline,
    snapshot: ClusterSnapshot,
    firing: set[tuple[tuple[str, str], ...]],
    weights: SeverityWeights,
) -> list[AlertPart]:
    removed = _removed(baseline, snapshot)
    return [
        AlertPart(
            name=a.name,
            severity=a.severity,
            labels=a.labels,
            weight=weights.alert_weight(a.severity),
            silenced=True,
        )
        for a in baseline.alerts
        if a.workload in removed and a.key not in firing
    ]


def capacity_loss(baseline: Baseline, snapshot: ClusterSnapshot) -> list[CapacityLoss]:
    """Capacity lost in ``snapshot`` against ``baseline`` (see the module's docstring)."""
    losses: list[CapacityLoss] = []
    unready = snapshot.unready_pods
    accounted: set[WorkloadKey] = set()
    for base in baseline.workloads:
        key, now = base.key, snapshot.workloads.get(base.key)
        accounted.add(key)
        if base.replicas <= 0:
            continue
        if now is None or now.desired == 0:
            how = "deleted" if now is None else "scaled to zero"
            reason = f"{how}: its {base.replicas} replicas and the workload itself are lost"
            losses.append(CapacityLoss(subject=str(key), lost=base.replicas + 1, reason=reason))
            continue
        missing = max(0, base.replicas - now.available)
        pods = [p for p in unready if p.owner == key]
        if max(missing, len(pods)) > 0:
            reason = f"{now.available}/{base.replicas} available, {len(pods)} pods not ready" + (
                f" ({', '.join(sorted({p.reason for p in pods}))})" if pods else ""
            )
            losses.append(
                CapacityLoss(subject=str(key), lost=max(missing, len(pods)), reason=reason)
            )
    for pod in unready:
        if pod.owner is None or pod.owner not in accounted:
            losses.append(
                CapacityLoss(
                    subject=f"pod/{pod.name} -n {pod.namespace}",
                    lost=1,
                    reason=f"not ready ({pod.reason})",
                )
            )
    if baseline.nodes is not None and snapshot.nodes is not None:
        for name in baseline.nodes:
            node = snapshot.nodes.get(name)
            if node is None or not node.ready:
                reason = "gone" if node is None else "not ready"
                losses.append(CapacityLoss(subject=f"node/{name}", lost=1, reason=reason))
    return losses
