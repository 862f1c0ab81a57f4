"""What users experience at the user-facing services (entrypoints): request rate, error rate
and p95 latency from OpenTelemetry span metrics in Prometheus, and the SLA they must meet.

The metric and label names default to the OpenTelemetry collector's ``spanmetrics``
connector with the ``traces_span_metrics`` namespace; all of them are configurable.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from stratus.observe.prometheus import PrometheusClient, Sample

__all__ = [
    "Entrypoint",
    "EntrypointBaseline",
    "ServiceReading",
    "SlaPolicy",
    "SlaProbe",
    "SlaViolation",
    "SpanMetrics",
    "is_failing",
    "sla_violations",
]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class SpanMetrics(BaseModel):
    """Where request metrics live: a calls counter and a duration histogram of server spans."""

    model_config = _FROZEN
    calls: str = "traces_span_metrics_calls_total"
    duration_bucket: str = "traces_span_metrics_duration_milliseconds_bucket"
    service_label: str = "service_name"
    namespace_label: str = "namespace"
    span_kind_label: str = "span_kind"
    server_span_kind: str = "SPAN_KIND_SERVER"
    status_label: str = "status_code"
    error_status: str = "STATUS_CODE_ERROR"


class SlaPolicy(BaseModel):
    """The SLA of every entrypoint. Defaults: more than 1% failing requests violates it (the
    benchmark's definition of healthy, and a common 99% success objective); p95 latency may
    rise to twice its baseline (and at least 50 ms above it, so fast services do not flap),
    never above 1 s (the ``HighRequestLatency`` alert's bound); an entrypoint that served
    requests at baseline and now serves under 10% of that rate is unserved; one failing 99% of
    requests, or unserved, is failing. Rates are read over a 1 minute window, the window the
    request alerts use."""

    model_config = _FROZEN
    error_rate: float = Field(0.01, ge=0.0, le=1.0)
    p95_ceiling_ms: float = Field(1000.0, gt=0.0)
    p95_factor: float = Field(2.0, ge=1.0)
    p95_slack_ms: float = Field(50.0, ge=0.0)
    p95_overrides: dict[str, float] = Field(default_factory=dict)  # "ns/service" or "service"
    unserved_fraction: float = Field(0.1, ge=0.0, le=1.0)
    failing_error_rate: float = Field(0.99, ge=0.0, le=1.0)
    window: str = "1m"
    metrics: SpanMetrics = SpanMetrics()

    def p95_limit(self, baseline: EntrypointBaseline) -> float:
        ep = baseline.entrypoint
        override = self.p95_overrides.get(str(ep), self.p95_overrides.get(ep.service))
        if override is not None:
            return override
        normal = baseline.p95_ms
        if normal is None:
            return self.p95_ceiling_ms
        return min(self.p95_ceiling_ms, max(normal * self.p95_factor, normal + self.p95_slack_ms))


class Entrypoint(BaseModel):
    """A user-facing service: the namespace and the service name its spans carry."""

    model_config = _FROZEN
    namespace: str
    service: str

    @classmethod
    def parse(cls, text: str) -> Entrypoint:
        """``namespace/service``."""
        namespace, sep, service = text.partition("/")
        if not sep or not namespace or not service:
            raise ValueError(f"an entrypoint is namespace/service, not {text!r}")
        return cls(namespace=namespace, service=service)

    def __str__(self) -> str:
        return f"{self.namespace}/{self.service}"


class EntrypointBaseline(BaseModel):
    """An entrypoint's normal request rate (per second) and p95 latency (None if unknown)."""

    model_config = _FROZEN
    entrypoint: Entrypoint
    rate: float | None = None
    p95_ms: float | None = None


@dataclass(frozen=True)
class ServiceReading:
    entrypoint: Entrypoint
    rate: float
    error_rate: float | None  # None when no request was served
    p95_ms: float | None


class SlaViolation(BaseModel):
    model_config = _FROZEN
    entrypoint: Entrypoint
    kind: Literal["error_rate", "latency", "unserved"]
    value: float
    limit: float

    def __str__(self) -> str:
        if self.kind == "error_rate":
            return f"{self.value:.1%} of requests to {self.entrypoint} fail (SLA {self.limit:.1%})"
        if self.kind == "latency":
            return f"p95 of {self.entrypoint} is {self.value:.0f} ms (SLA {self.limit:.0f} ms)"
        return f"{self.entrypoint} serves {self.value:.2f} req/s (normal ≥ {self.limit:.2f})"


class SlaProbe:
    """Reads every entrypoint with three PromQL queries (rate, errors, p95)."""

    def __init__(self, prometheus: PrometheusClient, policy: SlaPolicy | None = None) -> None:
        self.prometheus = prometheus
        self.policy = policy or SlaPolicy()

    def read(
        self, entrypoints: Iterable[Entrypoint], time: float | None = None
    ) -> dict[Entrypoint, ServiceReading]:
        """Readings over the policy's window ending at ``time`` (the server's now if None)."""
        eps = list(entrypoints)
        if not eps:
            return {}
        m = self.policy.metrics
        match = (
            f"{m.span_kind_label}={_quote(m.server_span_kind)},"
            f"{m.namespace_label}=~{_alternatives(e.namespace for e in eps)},"
            f"{m.service_label}=~{_alternatives(e.service for e in eps)}"
        )
        by = f"{m.namespace_label}, {m.service_label}"
        w = self.policy.window
        total = self._by_entrypoint(f"sum by ({by}) (rate({m.calls}{{{match}}}[{w}]))", time)
        errors = self._by_entrypoint(
            f"sum by ({by}) (rate({m.calls}{{{match},{m.status_label}="
            f"{_quote(m.error_status)}}}[{w}]))",
            time,
        )
        p95 = self._by_entrypoint(
            f"histogram_quantile(0.95, sum by ({by}, le) "
            f"(rate({m.duration_bucket}{{{match}}}[{w}])))",
            time,
        )
        readings = {}
        for ep in eps:
            rate = total.get(ep) or 0.0
            failed = errors.get(ep) or 0.0
            readings[ep] = ServiceReading(
                ep, rate, failed / rate if rate > 0 else None, p95.get(ep) if rate > 0 else None
            )
        return readings

    def _by_entrypoint(self, expr: str, time: float | None) -> dict[Entrypoint, float | None]:
        m = self.policy.metrics
        return {
            Entrypoint(
                namespace=s.labels.get(m.namespace_label, ""),
                service=s.labels.get(m.service_label, ""),
            ): _number(s)
            for s in self.prometheus.query(expr, time)
        }


def sla_violations(
    readings: Mapping[Entrypoint, ServiceReading],
    baselines: Iterable[EntrypointBaseline],
    policy: SlaPolicy,
) -> list[SlaViolation]:
    """Every way each baselined entrypoint misses its SLA now."""
    found = []
    for base in baselines:
        ep = base.entrypoint
        reading = readings.get(ep) or ServiceReading(ep, 0.0, None, None)
        floor = _unserved_floor(base, policy)
        if floor is not None and reading.rate < floor:
            found.append(
                SlaViolation(entrypoint=ep, kind="unserved", value=reading.rate, limit=floor)
            )
        if reading.error_rate is not None and reading.error_rate > policy.error_rate:
            found.append(
                SlaViolation(
                    entrypoint=ep,
                    kind="error_rate",
                    value=reading.error_rate,
                    limit=policy.error_rate,
                )
            )
        limit = policy.p95_limit(base)
        if reading.p95_ms is not None and reading.p95_ms > limit:
            found.append(
                SlaViolation(entrypoint=ep, kind="latency", value=reading.p95_ms, limit=limit)
            )
    return found


def is_failing(reading: ServiceReading, base: EntrypointBaseline, policy: SlaPolicy) -> bool:
    """Users get (almost) nothing from this entrypoint: unserved, or nearly every request fails."""
    floor = _unserved_floor(base, policy)
    if floor is not None and reading.rate < floor:
        return True
    return reading.error_rate is not None and reading.error_rate >= policy.failing_error_rate


def _unserved_floor(base: EntrypointBaseline, policy: SlaPolicy) -> float | None:
    if not base.rate or base.rate <= 0:
        return None
    return base.rate * policy.unserved_fraction


def _number(sample: Sample) -> float | None:
    """NaN (nothing observed) is None; +Inf (beyond the last bucket) is kept: it is slow."""
    return None if math.isnan(sample.value) else sample.value


def _quote(value: str) -> str:
    return json.dumps(value)


def _alternatives(values: Iterable[str]) -> str:
    return _quote("|".join(re.escape(v) for v in sorted(set(values))))
