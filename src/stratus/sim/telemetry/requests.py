"""Request metrics as the OpenTelemetry span-metrics connector reports them: a call counter
and a duration histogram per service, span name, kind and status."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

__all__ = ["BUCKETS_MS", "RequestMetrics"]

BUCKETS_MS = (
    2.0,
    4.0,
    6.0,
    8.0,
    10.0,
    50.0,
    100.0,
    200.0,
    400.0,
    800.0,
    1000.0,
    1400.0,
    2000.0,
    5000.0,
    10000.0,
    15000.0,
)
_PREFIX = "traces_span_metrics"


@dataclass(slots=True)
class _Counts:
    calls: int = 0
    total_ms: float = 0.0
    buckets: list[int] = field(default_factory=lambda: [0] * (len(BUCKETS_MS) + 1))


class RequestMetrics:
    def __init__(self) -> None:
        self._series: dict[tuple[str, str, str, str, str], _Counts] = {}

    def observe(
        self,
        namespace: str,
        service: str,
        span: str,
        ok: bool,
        latency_ms: float,
        kind: str = "SPAN_KIND_SERVER",
    ) -> None:
        key = (namespace, service, span, kind, "STATUS_CODE_UNSET" if ok else "STATUS_CODE_ERROR")
        counts = self._series.get(key)
        if counts is None:
            counts = self._series[key] = _Counts()
        counts.calls += 1
        counts.total_ms += latency_ms
        counts.buckets[bisect_left(BUCKETS_MS, latency_ms)] += 1

    def samples(self) -> Iterator[tuple[Mapping[str, str], float]]:
        for (namespace, service, span, kind, status), counts in self._series.items():
            labels = {
                "service_name": service,
                "span_name": span,
                "span_kind": kind,
                "status_code": status,
                "namespace": namespace,
                "job": "spanmetrics",
            }
            yield {"__name__": f"{_PREFIX}_calls_total", **labels}, float(counts.calls)
            yield {"__name__": f"{_PREFIX}_duration_milliseconds_sum", **labels}, counts.total_ms
            yield (
                {"__name__": f"{_PREFIX}_duration_milliseconds_count", **labels},
                float(counts.calls),
            )
            running = 0
            for bound, count in zip((*BUCKETS_MS, float("inf")), counts.buckets, strict=True):
                running += count
                le = "+Inf" if bound == float("inf") else f"{bound:g}"
                yield (
                    {"__name__": f"{_PREFIX}_duration_milliseconds_bucket", **labels, "le": le},
                    float(running),
                )
