"""Alerts oracle: no alert about the system in scope fires, for a sustained window."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from stratus.observe.baseline import firing_in_scope
from stratus.observe.clock import Clock
from stratus.observe.errors import ObserveError
from stratus.observe.prometheus import PrometheusClient
from stratus.oracles.report import OracleResult

__all__ = ["AlertsOracle"]


class AlertsOracle:
    """Firing alerts in ``namespaces`` (and, with ``cluster_alerts``, those with no namespace)
    fail it; severities in ``ignore`` (``info``, ``none``: e.g. the always-firing
    ``Watchdog``) do not; ``only`` restricts it to the named alerts (e.g. the initial ones)."""

    name = "alerts"

    def __init__(
        self,
        prometheus: PrometheusClient,
        namespaces: Sequence[str],
        *,
        ignore: Collection[str] = ("info", "none"),
        only: Collection[str] | None = None,
        cluster_alerts: bool = True,
    ) -> None:
        self.prometheus = prometheus
        self.namespaces = tuple(namespaces)
        self.ignore = {s.lower() for s in ignore}
        self.only = None if only is None else set(only)
        self.cluster_alerts = cluster_alerts

    def check(self) -> OracleResult:
        try:
            alerts = self.prometheus.alerts()
        except ObserveError as exc:
            return OracleResult(self.name, False, (f"cannot read alerts: {exc}",))
        firing = sorted(
            {
                _describe(a.name, a.labels)
                for a in firing_in_scope(alerts, self.namespaces, self.cluster_alerts)
                if a.severity.lower() not in self.ignore
                and (self.only is None or a.name in self.only)
            }
        )
        return OracleResult(self.name, not firing, tuple(f"{f} is firing" for f in firing))

    def sustained(self, clock: Clock, window: float, step: float) -> OracleResult:
        """``check`` every ``step`` seconds for ``window`` seconds; the first failure ends it."""
        start = clock.now()
        result = self.check()
        while result.passed and clock.now() - start < window:
            clock.sleep(step)
            result = self.check()
        if result.passed:
            return OracleResult(self.name, True, (f"none fired for {clock.now() - start:g} s",))
        return result


def _describe(name: str, labels: dict[str, str]) -> str:
    subject = next(
        (
            f"{key} {labels[key]}"
            for key in (
                "pod",
                "deployment",
                "statefulset",
                "daemonset",
                "endpoint",
                "service_name",
                "node",
            )
            if labels.get(key)
        ),
        "",
    )
    where = f" in {labels['namespace']}" if labels.get("namespace") else ""
    return f"{name} ({subject}{where})" if subject or where else name
