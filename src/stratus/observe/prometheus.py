"""A client for the Prometheus HTTP API (``/api/v1``): alerts, instant and range queries.

Works against Prometheus and anything that speaks its API (Thanos, Mimir, VictoriaMetrics,
the emulated cloud). Results are typed; failures raise the observe error tree.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from stratus.observe.errors import BadResponse, QueryRejected
from stratus.observe.http import EndpointClient, Params

__all__ = ["Alert", "AlertState", "PrometheusClient", "Sample", "Series", "parse_rfc3339"]

AlertState = Literal["firing", "pending", "inactive"]


@dataclass(frozen=True)
class Alert:
    """One alert of ``/api/v1/alerts``; ``severity`` is its ``severity`` label ("" if none)."""

    name: str
    state: AlertState
    severity: str
    labels: dict[str, str]
    annotations: dict[str, str] = field(default_factory=dict)
    active_at: datetime | None = None
    value: float | None = None

    @property
    def namespace(self) -> str | None:
        return self.labels.get("namespace")

    @property
    def key(self) -> tuple[tuple[str, str], ...]:
        """What identifies the alert across queries: its labels, sorted."""
        return tuple(sorted(self.labels.items()))


@dataclass(frozen=True)
class Sample:
    """A point of an instant vector (or a scalar, with no labels)."""

    labels: dict[str, str]
    time: float
    value: float


@dataclass(frozen=True)
class Series:
    """A series of a range query: its labels and (time, value) points."""

    labels: dict[str, str]
    points: list[tuple[float, float]]


class PrometheusClient(EndpointClient):
    """``PrometheusClient("http://prometheus:9090")``; ``timeout`` in seconds per request."""

    what = "Prometheus"

    def alerts(self) -> list[Alert]:
        """Every pending and firing alert the server knows."""
        data = self._data("/api/v1/alerts", {})
        raw = data.get("alerts") if isinstance(data, dict) else None
        if not isinstance(raw, list):
            raise BadResponse("Prometheus /api/v1/alerts has no list of alerts")
        return [_alert(item) for item in raw]

    def query(self, expr: str, time: float | None = None) -> list[Sample]:
        """An instant query at ``time`` (unix seconds; the server's now if None). A scalar
        result comes back as one sample without labels."""
        params = {"query": expr} | ({} if time is None else {"time": _num(time)})
        data = self._data("/api/v1/query", params)
        kind, result = _result(data)
        if kind == "vector":
            return [_sample(item) for item in _list(result)]
        if kind == "scalar":
            return [Sample({}, *_point(result))]
        raise BadResponse(f"Prometheus answered a {kind} to an instant query of {expr!r}")

    def scalar(self, expr: str, time: float | None = None) -> float | None:
        """The value of the first sample of ``expr``; None when empty or not a number."""
        samples = self.query(expr, time)
        if not samples or math.isnan(samples[0].value):
            return None
        return samples[0].value

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[Series]:
        """A range query from ``start`` to ``end`` (unix seconds) every ``step`` seconds."""
        params = {"query": expr, "start": _num(start), "end": _num(end), "step": _num(step)}
        kind, result = _result(self._data("/api/v1/query_range", params))
        if kind != "matrix":
            raise BadResponse(f"Prometheus answered a {kind} to a range query of {expr!r}")
        return [
            Series(_labels(item.get("metric")), [_point(p) for p in _list(item.get("values"))])
            for item in _list(result)
            if isinstance(item, dict)
        ]

    def _data(self, path: str, params: Params) -> Any:
        status, body = self._http.get(path, params)
        if not isinstance(body, dict):
            raise BadResponse(f"Prometheus answered {path} with HTTP {status} and no object")
        if body.get("status") == "error":
            kind = str(body.get("errorType") or f"http_{status}")
            raise QueryRejected(kind, str(body.get("error")))
        if body.get("status") != "success" or status >= 300:
            raise BadResponse(f"Prometheus answered {path} with HTTP {status}: {body}"[:300])
        return body.get("data")


_STATES: dict[str, AlertState] = {"firing": "firing", "pending": "pending", "inactive": "inactive"}
_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_rfc3339(text: str) -> datetime:
    """Prometheus' timestamps (``2026-01-01T00:06:30.123456789Z``, nanoseconds and all)."""
    try:
        return datetime.fromisoformat(_FRACTION.sub(r"\1", text).replace("Z", "+00:00"))
    except ValueError:
        raise BadResponse(f"not an RFC 3339 timestamp: {text!r}") from None


def _num(value: float) -> str:
    return repr(float(value))


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise BadResponse(f"expected a list in Prometheus' answer, got {type(value).__name__}")
    return value


def _labels(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise BadResponse("expected a label set in Prometheus' answer")
    return {str(k): str(v) for k, v in value.items()}


def _point(value: Any) -> tuple[float, float]:
    try:
        t, v = value
        return float(t), float(v)
    except (TypeError, ValueError):
        raise BadResponse(f"not a [time, value] pair: {value!r}") from None


def _result(data: Any) -> tuple[str, Any]:
    if not isinstance(data, dict) or "resultType" not in data:
        raise BadResponse("Prometheus' answer has no resultType")
    return str(data["resultType"]), data.get("result")


def _sample(item: Any) -> Sample:
    if not isinstance(item, dict) or "value" not in item:
        raise BadResponse(f"not a float sample (native histograms are not read): {item!r}"[:200])
    return Sample(_labels(item.get("metric")), *_point(item["value"]))


def _alert(item: Any) -> Alert:
    if not isinstance(item, dict):
        raise BadResponse("an alert is not an object")
    labels = _labels(item.get("labels") or {})
    state = _STATES.get(str(item.get("state", "")))
    if state is None:
        raise BadResponse(
            f"alert {labels.get('alertname')} has unknown state {item.get('state')!r}"
        )
    active = item.get("activeAt")
    try:
        value = float(item["value"]) if item.get("value") is not None else None
    except (TypeError, ValueError):
        value = None
    return Alert(
        name=labels.get("alertname", ""),
        state=state,
        severity=labels.get("severity", ""),
        labels=labels,
        annotations=_labels(item.get("annotations") or {}),
        active_at=parse_rfc3339(active) if isinstance(active, str) and active else None,
        value=value,
    )
