"""System-health oracle: against the baseline, every workload is present, not scaled to
zero, its rollout complete with every replica ready; every baseline-ready node is ready."""

from __future__ import annotations

from collections.abc import Collection

from stratus.observe.baseline import Baseline
from stratus.observe.cluster import ClusterObserver
from stratus.observe.errors import ObserveError
from stratus.oracles.report import OracleResult

__all__ = ["HealthOracle"]


class HealthOracle:
    """``allow_zero`` names workloads (``namespace/name``) that may be scaled to zero."""

    name = "health"

    def __init__(self, cluster: ClusterObserver, allow_zero: Collection[str] = ()) -> None:
        self.cluster = cluster
        self.allow_zero = set(allow_zero)

    def check(self, baseline: Baseline) -> OracleResult:
        try:
            snapshot = self.cluster.snapshot()
        except ObserveError as exc:
            return OracleResult(self.name, False, (f"cannot observe the cluster: {exc}",))
        problems = []
        for base in baseline.workloads:
            key, now = base.key, snapshot.workloads.get(base.key)
            if now is None:
                problems.append(f"{key} is gone")
            elif now.desired == 0:
                if f"{key.namespace}/{key.name}" not in self.allow_zero:
                    problems.append(f"{key} is scaled to zero")
            elif not now.rollout_complete:
                problems.append(
                    f"{key}: {now.ready}/{now.desired} ready, {now.available} available, "
                    f"{now.updated} updated"
                )
        for pod in snapshot.unready_pods:
            if pod.owner is None or baseline.workload(pod.owner) is None:
                problems.append(f"pod/{pod.name} -n {pod.namespace} is not ready ({pod.reason})")
        if baseline.nodes is not None and snapshot.nodes is not None:
            problems += [
                f"node/{name} is not ready"
                for name in baseline.nodes
                if name not in snapshot.nodes or not snapshot.nodes[name].ready
            ]
        return OracleResult(self.name, not problems, tuple(problems))
