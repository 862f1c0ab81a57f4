"""Spans of sampled requests, kept for a while and queried the way Jaeger's API answers."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Span", "TraceStore", "jaeger_trace"]


@dataclass(slots=True)
class Span:
    trace_id: str
    span_id: str
    parent_id: str
    service: str
    operation: str
    start_us: int
    duration_us: int
    error: bool
    tags: dict[str, Any] = field(default_factory=dict)
    process: dict[str, str] = field(default_factory=dict)


class TraceStore:
    def __init__(self, max_traces: int = 20_000, retention: float = 3600.0) -> None:
        self.retention = retention
        self._traces: dict[str, list[Span]] = {}
        self._order: deque[tuple[float, str]] = deque()
        self._max = max_traces
        self._links: dict[tuple[str, str], int] = {}

    def add(self, spans: list[Span], at: float) -> None:
        if not spans:
            return
        trace_id = spans[0].trace_id
        self._traces[trace_id] = spans
        self._order.append((at, trace_id))
        by_id = {s.span_id: s for s in spans}
        for span in spans:
            parent = by_id.get(span.parent_id)
            if parent is not None and parent.service != span.service:
                key = (parent.service, span.service)
                self._links[key] = self._links.get(key, 0) + 1
        while len(self._order) > self._max:
            _, old = self._order.popleft()
            self._traces.pop(old, None)

    def trim(self, now: float) -> None:
        while self._order and self._order[0][0] < now - self.retention:
            _, old = self._order.popleft()
            self._traces.pop(old, None)

    def __len__(self) -> int:
        return len(self._traces)

    # -- queries (Jaeger's) --------------------------------------------------------------

    def services(self) -> list[str]:
        return sorted({s.service for spans in self._traces.values() for s in spans})

    def operations(self, service: str) -> list[str]:
        return sorted(
            {s.operation for spans in self._traces.values() for s in spans if s.service == service}
        )

    def find(
        self,
        service: str,
        operation: str | None = None,
        start_us: int | None = None,
        end_us: int | None = None,
        tags: dict[str, str] | None = None,
        min_duration_us: int | None = None,
        max_duration_us: int | None = None,
        limit: int = 20,
    ) -> list[list[Span]]:
        found: list[list[Span]] = []
        for _, trace_id in reversed(self._order):
            spans = self._traces.get(trace_id)
            if spans is None:
                continue
            if not any(
                _matches(
                    s, service, operation, start_us, end_us, tags, min_duration_us, max_duration_us
                )
                for s in spans
            ):
                continue
            found.append(spans)
            if len(found) >= limit:
                break
        return found

    def trace(self, trace_id: str) -> list[Span] | None:
        return self._traces.get(trace_id)

    def dependencies(self) -> list[dict[str, Any]]:
        return [
            {"parent": p, "child": c, "callCount": n} for (p, c), n in sorted(self._links.items())
        ]


def _matches(
    span: Span,
    service: str,
    operation: str | None,
    start_us: int | None,
    end_us: int | None,
    tags: dict[str, str] | None,
    min_us: int | None,
    max_us: int | None,
) -> bool:
    if span.service != service or (operation and span.operation != operation):
        return False
    if start_us is not None and span.start_us < start_us:
        return False
    if end_us is not None and span.start_us > end_us:
        return False
    if min_us is not None and span.duration_us < min_us:
        return False
    if max_us is not None and span.duration_us > max_us:
        return False
    return all(str(_tag(span, k)).lower() == str(v).lower() for k, v in (tags or {}).items())


def _tag(span: Span, key: str) -> object:
    """A span's tag as Jaeger reports it; ``error`` is set only on failed spans."""
    if key == "error":
        return "true" if span.error else ""
    return span.tags.get(key, "")


def jaeger_trace(spans: Iterable[Span]) -> dict[str, Any]:
    """One trace in the shape of Jaeger's query API (``/api/traces``)."""
    spans = list(spans)
    processes: dict[tuple[tuple[str, str], ...], str] = {}
    out_spans = []
    for span in spans:
        proc_key = tuple(sorted({"serviceName": span.service, **span.process}.items()))
        pid = processes.setdefault(proc_key, f"p{len(processes) + 1}")
        references = (
            [{"refType": "CHILD_OF", "traceID": span.trace_id, "spanID": span.parent_id}]
            if span.parent_id
            else []
        )
        tags = [
            {
                "key": k,
                "type": "bool"
                if isinstance(v, bool)
                else ("int64" if isinstance(v, int) else "string"),
                "value": v,
            }
            for k, v in span.tags.items()
        ]
        if span.error:
            tags.append({"key": "error", "type": "bool", "value": True})
        out_spans.append(
            {
                "traceID": span.trace_id,
                "spanID": span.span_id,
                "operationName": span.operation,
                "references": references,
                "startTime": span.start_us,
                "duration": span.duration_us,
                "tags": tags,
                "logs": [],
                "processID": pid,
                "warnings": None,
                "flags": 1,
            }
        )
    return {
        "traceID": spans[0].trace_id if spans else "",
        "spans": out_spans,
        "processes": {
            pid: {
                "serviceName": dict(key)["serviceName"],
                "tags": [
                    {"key": k, "type": "string", "value": v} for k, v in key if k != "serviceName"
                ],
            }
            for key, pid in processes.items()
        },
        "warnings": None,
    }
