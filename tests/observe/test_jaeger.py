"""The Jaeger client against the emulated cloud's Jaeger query API, and canned answers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from stratus.observe.errors import BadResponse, QueryRejected
from stratus.observe.jaeger import Dependency, JaegerClient
from tests.observe.lab import Lab


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with Lab(tmp_path_factory.mktemp("jaeger")) as lab:
        lab.inject("revoke-auth-mongodb-geo")
        yield lab


def canned(body: Any, status: int = 200) -> JaegerClient:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json=body)

    return JaegerClient("http://jaeger.test", transport=httpx.MockTransport(answer))


def test_services_and_operations(lab: Lab) -> None:
    services = lab.jaeger.services()
    assert {"frontend", "search", "geo"} <= set(services)
    assert lab.jaeger.operations("frontend")


def test_failing_traces_through_search(lab: Lab) -> None:
    traces = lab.jaeger.traces("search", lookback=300, limit=10, tags={"error": "true"})
    assert 0 < len(traces) <= 10
    trace = traces[0]
    assert trace.error
    assert {"frontend", "search"} <= trace.services
    root = trace.root
    assert root is not None
    assert root.parent_id not in {s.span_id for s in trace.spans}
    failed = [s for s in trace.spans if s.error and s.service == "search"]
    assert failed
    assert failed[0].tags.get("error.message")
    assert trace.children(root)
    assert lab.jaeger.trace(trace.trace_id).trace_id == trace.trace_id


def test_traces_window_by_end(lab: Lab) -> None:
    now = lab.cloud.clock.now()
    slow = lab.jaeger.traces("frontend", lookback=300, min_duration_ms=5.0, limit=5)
    assert all(t.root is not None and t.root.duration_us >= 5000 for t in slow)
    assert lab.jaeger.traces("frontend", lookback=60, end=now, limit=5)
    assert lab.jaeger.traces("frontend", lookback=60, end=now - 7200, limit=5) == []


def test_dependencies(lab: Lab) -> None:
    edges = lab.jaeger.dependencies()
    assert all(isinstance(e, Dependency) for e in edges)
    assert any(e.parent == "frontend" and e.child == "search" and e.call_count > 0 for e in edges)


def test_rejections_and_bad_answers(lab: Lab) -> None:
    with pytest.raises(QueryRejected) as caught:
        lab.jaeger.trace("not-hex")
    assert caught.value.error_type == "http_400"
    assert "ParseUint" in caught.value.message
    with pytest.raises(QueryRejected, match="http_400"):
        canned({"data": None, "errors": [{"code": 400, "msg": "bad"}]}, 400).services()
    with pytest.raises(BadResponse):
        canned({"data": {"not": "a list"}}).services()
    with pytest.raises(BadResponse):
        canned({"data": [{"traceID": "1", "spans": [{"spanID": "2"}]}]}).traces("x")


def test_otel_error_status_and_inline_process() -> None:
    body = {
        "data": [
            {
                "traceID": "t",
                "spans": [
                    {
                        "traceID": "t",
                        "spanID": "a",
                        "operationName": "GET /",
                        "references": [],
                        "startTime": 1,
                        "duration": 2,
                        "tags": [{"key": "otel.status_code", "value": "ERROR"}],
                        "process": {"serviceName": "web"},
                    }
                ],
            }
        ]
    }
    (trace,) = canned(body).traces("web")
    assert trace.spans[0].service == "web"
    assert trace.error
