"""The Prometheus and Jaeger HTTP APIs of the emulated cloud's monitoring stack."""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from stratus.sim.clock import VirtualClock
from stratus.sim.telemetry.alerts import AlertManager
from stratus.sim.telemetry.promql import api as promql_api
from stratus.sim.telemetry.traces import TraceStore, jaeger_trace
from stratus.sim.telemetry.tsdb import TSDB

__all__ = ["ObservabilityContext", "exposition_text", "jaeger_app", "prometheus_app"]


@dataclass
class ObservabilityContext:
    tsdb: TSDB
    alerts: AlertManager
    traces: TraceStore
    clock: VirtualClock
    lock: threading.RLock
    exposition: Callable[[], str]


def _json(body: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(body, separators=(",", ":")), status_code=status, media_type="application/json"
    )


async def _params(request: Request) -> dict[str, list[str]]:
    multi: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        multi.setdefault(key, []).append(value)
    if request.method == "POST":
        form = await request.form()
        for key, item in form.multi_items():
            multi.setdefault(key, []).append(str(item))
    return multi


def prometheus_app(ctx: ObservabilityContext) -> Starlette:
    def single(multi: dict[str, list[str]]) -> dict[str, str]:
        return {k: v[-1] for k, v in multi.items()}

    async def query(request: Request) -> Response:
        multi = await _params(request)
        with ctx.lock:
            status, body = promql_api.handle_query(ctx.tsdb, single(multi), ctx.clock.now())
        return _json(body, status)

    async def query_range(request: Request) -> Response:
        multi = await _params(request)
        with ctx.lock:
            status, body = promql_api.handle_query_range(ctx.tsdb, single(multi), ctx.clock.now())
        return _json(body, status)

    async def series(request: Request) -> Response:
        multi = await _params(request)
        with ctx.lock:
            status, body = promql_api.handle_series(ctx.tsdb, multi, ctx.clock.now())
        return _json(body, status)

    async def labels(request: Request) -> Response:
        multi = await _params(request)
        with ctx.lock:
            status, body = promql_api.handle_labels(ctx.tsdb, multi, ctx.clock.now())
        return _json(body, status)

    async def label_values(request: Request) -> Response:
        multi = await _params(request)
        with ctx.lock:
            status, body = promql_api.handle_label_values(
                ctx.tsdb, request.path_params["name"], multi, ctx.clock.now()
            )
        return _json(body, status)

    async def alerts(request: Request) -> Response:
        with ctx.lock:
            return _json(ctx.alerts.alerts_body())

    async def rules(request: Request) -> Response:
        with ctx.lock:
            return _json(ctx.alerts.rules_body())

    async def buildinfo(request: Request) -> Response:
        return _json(
            {
                "status": "success",
                "data": {
                    "version": "2.54.1",
                    "revision": "stratus",
                    "branch": "HEAD",
                    "buildUser": "stratus",
                    "buildDate": "20260101-00:00:00",
                    "goVersion": "go1.22.7",
                },
            }
        )

    async def metrics(request: Request) -> Response:
        with ctx.lock:
            text = ctx.exposition()
        return PlainTextResponse(text, media_type="text/plain; version=0.0.4")

    async def ready(request: Request) -> Response:
        return PlainTextResponse("Prometheus Server is Ready.\n")

    return Starlette(
        routes=[
            Route("/api/v1/query", query, methods=["GET", "POST"]),
            Route("/api/v1/query_range", query_range, methods=["GET", "POST"]),
            Route("/api/v1/series", series, methods=["GET", "POST"]),
            Route("/api/v1/labels", labels, methods=["GET", "POST"]),
            Route("/api/v1/label/{name}/values", label_values),
            Route("/api/v1/alerts", alerts),
            Route("/api/v1/rules", rules),
            Route("/api/v1/status/buildinfo", buildinfo),
            Route("/metrics", metrics),
            Route("/federate", metrics),
            Route("/-/ready", ready),
            Route("/-/healthy", ready),
        ]
    )


_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(us|µs|ms|s|m|h)$")
_UNIT_US = {"us": 1, "µs": 1, "ms": 1000, "s": 1_000_000, "m": 60_000_000, "h": 3_600_000_000}


def _micros(text: str | None) -> int | None:
    if not text:
        return None
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"unable to parse duration {text!r}")
    return int(float(match.group(1)) * _UNIT_US[match.group(2)])


def _jaeger(
    data: Any,
    total: int | None = None,
    errors: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> Response:
    body = {
        "data": data,
        "total": total if total is not None else (len(data) if isinstance(data, list) else 0),
        "limit": 0,
        "offset": 0,
        "errors": errors,
    }
    return _json(body, status)


def _bad(message: str) -> Response:
    return _jaeger(None, 0, [{"code": 400, "msg": message}], 400)


def jaeger_app(ctx: ObservabilityContext) -> Starlette:
    async def services(request: Request) -> Response:
        with ctx.lock:
            return _jaeger(ctx.traces.services())

    async def operations_of(request: Request) -> Response:
        with ctx.lock:
            return _jaeger(ctx.traces.operations(request.path_params["service"]))

    async def operations(request: Request) -> Response:
        service = request.query_params.get("service", "")
        with ctx.lock:
            names = ctx.traces.operations(service)
        return _jaeger([{"name": n, "spanKind": "server"} for n in names])

    async def traces(request: Request) -> Response:
        query = request.query_params
        service = query.get("service")
        if not service:
            return _bad("parameter 'service' is required")
        try:
            now_us = int(ctx.clock.now() * 1e6)
            end = int(query["end"]) if query.get("end") else now_us
            lookback = _micros(query.get("lookback")) if query.get("lookback") else None
            start = (
                int(query["start"])
                if query.get("start")
                else (end - lookback if lookback else end - 3_600_000_000)
            )
            limit = int(query.get("limit") or 20)
            tags = json.loads(query["tags"]) if query.get("tags") else None
            minimum, maximum = _micros(query.get("minDuration")), _micros(query.get("maxDuration"))
        except (ValueError, json.JSONDecodeError) as exc:
            return _bad(str(exc))
        if tags is not None and not isinstance(tags, dict):
            return _bad("malformed 'tags' parameter: expected a JSON object")
        with ctx.lock:
            found = ctx.traces.find(
                service,
                query.get("operation"),
                start,
                end,
                {str(k): str(v) for k, v in (tags or {}).items()},
                minimum,
                maximum,
                limit,
            )
            data = [jaeger_trace(spans) for spans in found]
        return _jaeger(data)

    async def trace(request: Request) -> Response:
        with ctx.lock:
            spans = ctx.traces.trace(request.path_params["trace_id"])
            if spans is None:
                return _jaeger(None, 0, [{"code": 404, "msg": "trace not found"}], 404)
            return _jaeger([jaeger_trace(spans)])

    async def dependencies(request: Request) -> Response:
        with ctx.lock:
            return _jaeger(ctx.traces.dependencies())

    return Starlette(
        routes=[
            Route("/api/services", services),
            Route("/api/services/{service}/operations", operations_of),
            Route("/api/operations", operations),
            Route("/api/traces", traces),
            Route("/api/traces/{trace_id}", trace),
            Route("/api/dependencies", dependencies),
        ]
    )


def exposition_text(samples: Iterable[tuple[Mapping[str, str], float]]) -> str:
    """Samples in the Prometheus text exposition format."""
    lines: list[str] = []
    seen_types: set[str] = set()
    for labels, value in samples:
        name = labels["__name__"]
        family = re.sub(r"_(bucket|sum|count)$", "", name)
        if family not in seen_types:
            seen_types.add(family)
            kind = (
                "counter"
                if name.endswith("_total")
                else ("histogram" if name != family else "gauge")
            )
            lines.append(f"# TYPE {family} {kind}")
        rendered = ",".join(
            f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()) if k != "__name__"
        )
        number = "NaN" if math.isnan(value) else ("+Inf" if value == math.inf else f"{value:g}")
        lines.append(f"{name}{{{rendered}}} {number}" if rendered else f"{name} {number}")
    return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
