"""A client for Jaeger's query API (``/api/services``, ``/api/traces``, ``/api/dependencies``),
the one the Jaeger UI and Grafana use; spans and traces come back typed."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from stratus.observe.errors import BadResponse, QueryRejected
from stratus.observe.http import EndpointClient, Params

__all__ = ["Dependency", "JaegerClient", "Span", "Trace"]


@dataclass(frozen=True)
class Span:
    """One span; ``parent_id`` is empty for a root, times are in microseconds."""

    trace_id: str
    span_id: str
    parent_id: str
    service: str
    operation: str
    start_us: int
    duration_us: int
    error: bool
    tags: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Trace:
    trace_id: str
    spans: list[Span]

    @property
    def root(self) -> Span | None:
        ids = {s.span_id for s in self.spans}
        return next((s for s in self.spans if s.parent_id not in ids), None)

    @property
    def error(self) -> bool:
        return any(s.error for s in self.spans)

    @property
    def services(self) -> set[str]:
        return {s.service for s in self.spans}

    def children(self, span: Span) -> list[Span]:
        return [s for s in self.spans if s.parent_id == span.span_id]


@dataclass(frozen=True)
class Dependency:
    """An edge of the service call graph: ``parent`` called ``child`` ``call_count`` times."""

    parent: str
    child: str
    call_count: int


class JaegerClient(EndpointClient):
    """``JaegerClient("http://jaeger-query:16686")``; ``timeout`` in seconds per request."""

    what = "Jaeger"

    def services(self) -> list[str]:
        return sorted(str(s) for s in _list(self._data("/api/services", {})))

    def operations(self, service: str) -> list[str]:
        path = f"/api/services/{quote(service, safe='')}/operations"
        return sorted(str(op) for op in _list(self._data(path, {})))

    def traces(
        self,
        service: str,
        *,
        lookback: float = 3600.0,
        limit: int = 20,
        tags: Mapping[str, str] | None = None,
        operation: str | None = None,
        min_duration_ms: float | None = None,
        end: float | None = None,
    ) -> list[Trace]:
        """Traces through ``service`` that started in the last ``lookback`` seconds (before
        ``end``, unix seconds; the server's now if None), at most ``limit``, matching every
        tag (``{"error": "true"}`` finds failed ones)."""
        params: dict[str, str] = {"service": service, "limit": str(limit)}
        params["lookback"] = f"{max(1, round(lookback))}s"
        if end is not None:
            params["end"] = str(int(end * 1e6))
            params["start"] = str(int((end - lookback) * 1e6))
        if tags:
            params["tags"] = json.dumps(dict(tags), separators=(",", ":"))
        if operation:
            params["operation"] = operation
        if min_duration_ms is not None:
            params["minDuration"] = f"{min_duration_ms}ms"
        return [_trace(item) for item in _list(self._data("/api/traces", params))]

    def trace(self, trace_id: str) -> Trace:
        traces = _list(self._data(f"/api/traces/{trace_id}", {}))
        if not traces:
            raise BadResponse(f"Jaeger returned no trace for {trace_id}")
        return _trace(traces[0])

    def dependencies(self, lookback: float = 3600.0, end: float | None = None) -> list[Dependency]:
        """Service-to-service call counts (``end``: unix seconds, else the server's now)."""
        params = {"lookback": str(int(lookback * 1000))}
        if end is not None:
            params["endTs"] = str(int(end * 1000))
        out = []
        for item in _list(self._data("/api/dependencies", params)):
            if not isinstance(item, dict):
                raise BadResponse("a dependency is not an object")
            out.append(
                Dependency(str(item["parent"]), str(item["child"]), int(item.get("callCount", 0)))
            )
        return out

    def _data(self, path: str, params: Params) -> Any:
        status, body = self._http.get(path, params)
        if not isinstance(body, dict):
            raise BadResponse(f"Jaeger answered {path} with HTTP {status} and no object")
        errors = body.get("errors")
        if errors:
            first = errors[0] if isinstance(errors, list) and errors else {}
            code = first.get("code", status) if isinstance(first, dict) else status
            message = first.get("msg", str(errors)) if isinstance(first, dict) else str(errors)
            raise QueryRejected(f"http_{code}", str(message))
        if status >= 300:
            raise BadResponse(f"Jaeger answered {path} with HTTP {status}")
        return body.get("data")


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadResponse(f"expected a list in Jaeger's answer, got {type(value).__name__}")
    return value


def _tags(raw: Any) -> dict[str, Any]:
    return {str(t["key"]): t.get("value") for t in _list(raw) if isinstance(t, dict) and "key" in t}


def _failed(tags: Mapping[str, Any]) -> bool:
    error = tags.get("error")
    return error is True or str(error).lower() == "true" or tags.get("otel.status_code") == "ERROR"


def _trace(item: Any) -> Trace:
    if not isinstance(item, dict):
        raise BadResponse("a trace is not an object")
    processes = item.get("processes") or {}
    spans = []
    for raw in _list(item.get("spans")):
        if not isinstance(raw, dict):
            raise BadResponse("a span is not an object")
        process = raw.get("process") or processes.get(raw.get("processID"), {})
        parents = [
            r.get("spanID", "")
            for r in _list(raw.get("references"))
            if isinstance(r, dict) and r.get("traceID", raw.get("traceID")) == raw.get("traceID")
        ]
        tags = _tags(raw.get("tags"))
        try:
            spans.append(
                Span(
                    trace_id=str(raw["traceID"]),
                    span_id=str(raw["spanID"]),
                    parent_id=str(parents[0] if parents else raw.get("parentSpanID") or ""),
                    service=str(process.get("serviceName", "")),
                    operation=str(raw.get("operationName", "")),
                    start_us=int(raw.get("startTime", 0)),
                    duration_us=int(raw.get("duration", 0)),
                    error=_failed(tags),
                    tags=tags,
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise BadResponse(f"malformed span in Jaeger's answer: {exc}") from None
    return Trace(str(item.get("traceID", "")), spans)
