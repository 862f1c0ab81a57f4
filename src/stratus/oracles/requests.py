"""User-requests oracle: every entrypoint serves its usual traffic within the SLA."""

from __future__ import annotations

from stratus.observe.baseline import Baseline
from stratus.observe.errors import ObserveError
from stratus.observe.prometheus import PrometheusClient
from stratus.observe.sla import SlaPolicy, SlaProbe, sla_violations
from stratus.oracles.report import OracleResult

__all__ = ["RequestsOracle"]


class RequestsOracle:
    """Error rate and p95 latency of each baseline entrypoint within ``policy``, and traffic
    still served. With no entrypoint in the baseline there is nothing to check: it passes."""

    name = "requests"

    def __init__(self, prometheus: PrometheusClient, policy: SlaPolicy | None = None) -> None:
        self.probe = SlaProbe(prometheus, policy)

    def check(self, baseline: Baseline) -> OracleResult:
        if not baseline.entrypoints:
            return OracleResult(self.name, True, ("no entrypoints to check",))
        try:
            readings = self.probe.read(b.entrypoint for b in baseline.entrypoints)
        except ObserveError as exc:
            return OracleResult(self.name, False, (f"cannot read request metrics: {exc}",))
        violations = sla_violations(readings, baseline.entrypoints, self.probe.policy)
        return OracleResult(self.name, not violations, tuple(map(str, violations)))
