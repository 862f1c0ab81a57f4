"""The baseline: what the system in scope looked like when the incident was detected, so
later states are judged against it (capacity that disappeared, latency that grew).

It records every workload with its desired replicas and pods, the ready nodes, the firing
alerts (each attributed to the workload it is about, when that can be told), and each
entrypoint's normal request rate and p95 latency.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from pydantic import BaseModel, ConfigDict

from stratus.observe.cluster import ClusterObserver, ClusterSnapshot, WorkloadKey
from stratus.observe.prometheus import Alert, PrometheusClient
from stratus.observe.sla import Entrypoint, EntrypointBaseline, SlaPolicy, SlaProbe

__all__ = [
    "Baseline",
    "BaselineAlert",
    "WorkloadBaseline",
    "attribute",
    "capture_baseline",
    "firing_in_scope",
]

_FROZEN = ConfigDict(frozen=True, extra="forbid")
_WORKLOAD_LABELS = (
    ("Deployment", "deployment"),
    ("StatefulSet", "statefulset"),
    ("DaemonSet", "daemonset"),
)
_SERVICE_LABELS = ("service_name", "endpoint", "service")
_LOOK_BEFORE = 300.0  # normal latency is read this long before the first alert went pending


class WorkloadBaseline(BaseModel):
    model_config = _FROZEN
    key: WorkloadKey
    replicas: int
    pods: tuple[str, ...] = ()


class BaselineAlert(BaseModel):
    model_config = _FROZEN
    name: str
    severity: str
    labels: dict[str, str]
    workload: WorkloadKey | None = None

    @property
    def key(self) -> tuple[tuple[str, str], ...]:
        return tuple(sorted(self.labels.items()))


class Baseline(BaseModel):
    """``captured_at`` is the monitoring server's clock (unix seconds); ``nodes`` the nodes
    that were ready (None when nodes were not observed)."""

    model_config = _FROZEN
    captured_at: float
    namespaces: tuple[str, ...]
    workloads: tuple[WorkloadBaseline, ...]
    entrypoints: tuple[EntrypointBaseline, ...] = ()
    nodes: tuple[str, ...] | None = None
    alerts: tuple[BaselineAlert, ...] = ()

    def workload(self, key: WorkloadKey) -> WorkloadBaseline | None:
        return next((w for w in self.workloads if w.key == key), None)


def firing_in_scope(
    alerts: Iterable[Alert],
    namespaces: Sequence[str],
    cluster_alerts: bool = True,
    *,
    pending: bool = False,
) -> list[Alert]:
    """Firing alerts about the namespaces in scope (and pending ones, whose condition holds
    but whose ``for:`` has not yet passed, when ``pending``); alerts with no namespace
    (nodes, the cluster) too when ``cluster_alerts``."""
    states = ("firing", "pending") if pending else ("firing",)
    return [
        a
        for a in alerts
        if a.state in states and (a.namespace in namespaces if a.namespace else cluster_alerts)
    ]


def attribute(
    labels: Mapping[str, str],
    snapshot: ClusterSnapshot,
    service_labels: Sequence[str] = _SERVICE_LABELS,
) -> WorkloadKey | None:
    """The workload an alert is about: named by a ``deployment``/``statefulset``/``daemonset``
    label, owning its ``pod``, or named like its service (``service_name``, ``endpoint``)."""
    ns = labels.get("namespace")
    if not ns:
        return None
    for kind, label in _WORKLOAD_LABELS:
        if labels.get(label):
            return WorkloadKey(kind, ns, labels[label])
    pod = labels.get("pod")
    if pod:
        return next((p.owner for p in snapshot.pods if p.namespace == ns and p.name == pod), None)
    for label in service_labels:
        name = labels.get(label)
        named = [k for k in snapshot.workloads if k.namespace == ns and k.name == name]
        if name and len(named) == 1:
            return named[0]
    return None


def capture_baseline(
    prometheus: PrometheusClient,
    cluster: ClusterObserver,
    entrypoints: Iterable[Entrypoint],
    policy: SlaPolicy | None = None,
    *,
    normal_at: float | None = None,
    cluster_alerts: bool = True,
) -> Baseline:
    """Capture the baseline now. Normal latency and rate are read at ``normal_at`` (unix
    seconds) and now, keeping the lower p95 and the higher rate; by default ``normal_at`` is
    five minutes before the first in-scope alert went pending (now when none fires)."""
    policy = policy or SlaPolicy()
    snapshot = cluster.snapshot()
    now = prometheus.scalar("time()")
    if now is None:
        raise ValueError("the monitoring server did not answer time()")
    firing = firing_in_scope(prometheus.alerts(), cluster.namespaces, cluster_alerts)
    if normal_at is None:
        started = [a.active_at.timestamp() for a in firing if a.active_at is not None]
        normal_at = min(started) - _LOOK_BEFORE if started else now
    eps = list(dict.fromkeys(entrypoints))
    probe = SlaProbe(prometheus, policy)
    earlier, current = probe.read(eps, normal_at), probe.read(eps, now)
    service_labels = (policy.metrics.service_label, *_SERVICE_LABELS)
    return Baseline(
        captured_at=now,
        namespaces=cluster.namespaces,
        workloads=tuple(
            WorkloadBaseline(
                key=key, replicas=w.desired, pods=tuple(p.name for p in snapshot.pods_of(key))
            )
            for key, w in sorted(snapshot.workloads.items())
        ),
        entrypoints=tuple(
            EntrypointBaseline(
                entrypoint=ep,
                rate=max(earlier[ep].rate, current[ep].rate),
                p95_ms=_lowest(earlier[ep].p95_ms, current[ep].p95_ms),
            )
            for ep in eps
        ),
        nodes=None
        if snapshot.nodes is None
        else tuple(sorted(n.name for n in snapshot.nodes.values() if n.ready)),
        alerts=tuple(
            BaselineAlert(
                name=a.name,
                severity=a.severity,
                labels=a.labels,
                workload=attribute(a.labels, snapshot, service_labels),
            )
            for a in firing
        ),
    )


def _lowest(*values: float | None) -> float | None:
    known = [v for v in values if v is not None]
    return min(known) if known else None
