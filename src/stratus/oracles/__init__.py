"""Oracles that decide whether a problem is solved: alerts cleared (for a sustained window),
user requests succeeding within the SLA, and system health against the baseline. A problem
is solved only when all pass."""

from __future__ import annotations

from stratus.observe.baseline import Baseline
from stratus.observe.clock import WALL_CLOCK, Clock
from stratus.observe.cluster import ClusterObserver
from stratus.observe.prometheus import PrometheusClient
from stratus.observe.sla import SlaPolicy
from stratus.oracles.alerts import AlertsOracle
from stratus.oracles.health import HealthOracle
from stratus.oracles.report import OracleReport, OracleResult
from stratus.oracles.requests import RequestsOracle

__all__ = [
    "AlertsOracle",
    "HealthOracle",
    "OracleReport",
    "OracleResult",
    "RequestsOracle",
    "evaluate",
]


def evaluate(
    prometheus: PrometheusClient,
    cluster: ClusterObserver,
    baseline: Baseline,
    *,
    sla: SlaPolicy | None = None,
    clock: Clock = WALL_CLOCK,
    window: float = 120.0,
    step: float = 15.0,
    cluster_alerts: bool = True,
) -> OracleReport:
    """Run the three oracles. Each is checked once; if all pass, alerts are sampled every
    ``step`` seconds for ``window`` seconds, then requests and health are checked again.
    Defaults: a 2 minute window sampled at the usual 15 s scrape interval, long enough for
    an alert whose condition returned to fire again (most rules wait ``for:`` 1-2 minutes)."""
    alerts = AlertsOracle(prometheus, cluster.namespaces, cluster_alerts=cluster_alerts)
    requests = RequestsOracle(prometheus, sla)
    health = HealthOracle(cluster)
    start = clock.now()
    first = (alerts.check(), requests.check(baseline), health.check(baseline))
    if not all(r.passed for r in first) or window <= 0:
        return OracleReport(first, 0.0)
    sustained = alerts.sustained(clock, window, step)
    results = (sustained, requests.check(baseline), health.check(baseline))
    return OracleReport(results, clock.now() - start)
