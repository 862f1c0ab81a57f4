"""The Prometheus and Jaeger HTTP APIs of the emulated cloud's monitoring stack."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from stratus.sim.clock import VirtualClock
from stratus.sim.telemetry.alerts import AlertManager
from stratus.sim.telemetry.promql import api as promql_api
from stratus.sim.telemetry.promql.numbers import format_float
from stratus.sim.telemetry.promql.params import go_quote
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
    content_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if request.method == "POST" and content_type == "application/x-www-form-urlencoded":
        # as Go's ParseForm reads a POSTed form (no multipart parser is installed)
        body = (await request.body()).decode("utf-8", errors="replace")
        for key, value in parse_qsl(body, keep_blank_values=True):
            multi.setdefault(key, []).append(value)
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


_DEFAULT_LIMIT = 100  # Jaeger's query service returns at most this many traces by default
_DEFAULT_LOOKBACK_US = 3_600_000_000
_INT = re.compile(r"[+-]?[0-9]+")
_HEX = re.compile(r"[0-9a-fA-F]+")
_DURATION_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)([^0-9.]*)")
_UNIT_NS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "μs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}


class _ParamError(ValueError):
    """A request Jaeger's query service rejects; the message is the one it gives."""


def _go_int(text: str, bits: int = 64) -> int:
    """Go's ``strconv.ParseInt(text, 10, bits)``, with its error messages."""
    if _INT.fullmatch(text) is None:
        raise _ParamError(f"strconv.ParseInt: parsing {go_quote(text)}: invalid syntax")
    value = int(text)
    if not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
        raise _ParamError(f"strconv.ParseInt: parsing {go_quote(text)}: value out of range")
    return value


def _go_duration_us(text: str) -> int:
    """Go's ``time.ParseDuration`` (``1h30m``, ``1.5s``, ``250ms``), in microseconds."""
    quoted = go_quote(text)
    rest, sign = text, 1
    if rest[:1] in ("+", "-"):
        sign, rest = (-1 if rest[0] == "-" else 1), rest[1:]
    if rest == "0":
        return 0
    if not rest:
        raise _ParamError(f"time: invalid duration {quoted}")
    total_ns = 0.0
    while rest:
        match = _DURATION_PART.match(rest)
        assert match is not None  # both groups may be empty
        number, unit = match.groups()
        if number in ("", "."):
            raise _ParamError(f"time: invalid duration {quoted}")
        if not unit:
            raise _ParamError(f"time: missing unit in duration {quoted}")
        if unit not in _UNIT_NS:
            raise _ParamError(f"time: unknown unit {go_quote(unit)} in duration {quoted}")
        total_ns += float(number) * _UNIT_NS[unit]
        rest = rest[match.end() :]
    return sign * int(total_ns // 1000)


def _param(query: Mapping[str, str], name: str, parse: Callable[[str], int]) -> int | None:
    """A parameter parsed by ``parse``, None when absent; errors name the parameter."""
    text = query.get(name, "")
    if not text:
        return None
    try:
        return parse(text)
    except _ParamError as exc:
        raise _ParamError(f"unable to parse param '{name}': {exc}") from None


def _trace_id(text: str) -> str:
    """Jaeger's ``TraceIDFromString``: up to 32 hex digits (shorter ids are zero-padded)."""
    if len(text) > 32:
        raise _ParamError(f"TraceID cannot be longer than 32 hex characters: {text}")
    parts = [text[:-16], text[-16:]] if len(text) > 16 else [text]
    for part in parts:
        if _HEX.fullmatch(part) is None:
            raise _ParamError(f"strconv.ParseUint: parsing {go_quote(part)}: invalid syntax")
    return text.lower().rjust(32, "0")


def _tags(simple: list[str], json_tags: list[str]) -> dict[str, str]:
    """``tag=key:value`` (repeatable) and ``tags={"key":"value"}``, merged as Jaeger does."""
    tags: dict[str, str] = {}
    for tag in simple:
        key, sep, value = tag.partition(":")
        if not sep:
            raise _ParamError(f"malformed 'tag' parameter, expecting key:value, received: {tag}")
        tags[key] = value
    for text in json_tags:
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _ParamError(
                f"malformed 'tags' parameter, cannot unmarshal JSON: {exc.msg}"
            ) from None
        if not isinstance(parsed, dict) or not all(isinstance(v, str) for v in parsed.values()):
            raise _ParamError(
                "malformed 'tags' parameter, cannot unmarshal JSON: "
                "expected an object of string values"
            )
        tags.update(parsed)
    return tags


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
        if not service:
            return _bad("parameter 'service' is required")
        with ctx.lock:
            names = ctx.traces.operations(service)
        return _jaeger([{"name": n, "spanKind": "server"} for n in names])

    async def traces(request: Request) -> Response:
        """``GET /api/traces``, its parameters checked in the order Jaeger checks them;
        ``lookback`` (a duration the UI also sends) stands in for an absent ``start``."""
        query = request.query_params
        try:
            now_us = int(ctx.clock.now() * 1e6)
            start = _param(query, "start", _go_int)
            end = _param(query, "end", _go_int)
            end = now_us if end is None else end
            lookback = _param(query, "lookback", _go_duration_us)
            if start is None:
                start = end - (lookback or _DEFAULT_LOOKBACK_US)
            tags = _tags(query.getlist("tag"), query.getlist("tags"))
            limit = _go_int(query["limit"], 32) if query.get("limit") else _DEFAULT_LIMIT
            minimum = _param(query, "minDuration", _go_duration_us)
            maximum = _param(query, "maxDuration", _go_duration_us)
            ids = []
            for text in query.getlist("traceID"):
                try:
                    ids.append(_trace_id(text))
                except _ParamError as exc:
                    raise _ParamError(f"cannot parse traceID param: {exc}") from None
            if not ids and not query.get("service"):
                raise _ParamError("parameter 'service' is required")
            if minimum and maximum and maximum < minimum:
                raise _ParamError("'maxDuration' should be greater than 'minDuration'")
        except _ParamError as exc:
            return _bad(str(exc))
        with ctx.lock:
            if ids:
                found = [spans for i in ids if (spans := ctx.traces.trace(i)) is not None]
            else:
                found = ctx.traces.find(
                    query["service"],
                    query.get("operation"),
                    start,
                    end,
                    tags,
                    minimum or None,
                    maximum or None,
                    limit if limit > 0 else _DEFAULT_LIMIT,
                )
            data = [jaeger_trace(spans) for spans in found]
        return _jaeger(data)

    async def trace(request: Request) -> Response:
        try:
            trace_id = _trace_id(request.path_params["trace_id"])
        except _ParamError as exc:
            return _bad(str(exc))
        with ctx.lock:
            spans = ctx.traces.trace(trace_id)
            if spans is None:
                return _jaeger(None, 0, [{"code": 404, "msg": "trace not found"}], 404)
            return _jaeger([jaeger_trace(spans)])

    async def dependencies(request: Request) -> Response:
        """``GET /api/dependencies``: ``endTs`` and ``lookback`` (milliseconds) are checked;
        the links counted are those of every trace recorded so far."""
        try:
            _param(request.query_params, "endTs", _go_int)
            _param(request.query_params, "lookback", _go_int)
        except _ParamError as exc:
            return _bad(str(exc))
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
    """Samples in the Prometheus text exposition format: the lines of each metric family
    together under its ``# TYPE`` line, values with every digit they have."""
    rows = list(samples)
    histograms = {
        labels["__name__"][: -len("_bucket")]
        for labels, _ in rows
        if labels["__name__"].endswith("_bucket")
    }
    families: dict[str, list[str]] = {}
    for labels, value in rows:
        name = labels["__name__"]
        stripped = re.sub(r"_(bucket|sum|count)$", "", name)
        family = stripped if stripped in histograms else name
        lines = families.get(family)
        if lines is None:
            kind = (
                "histogram"
                if family in histograms
                else ("counter" if name.endswith("_total") else "gauge")
            )
            lines = families[family] = [f"# TYPE {family} {kind}"]
        rendered = ",".join(
            f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()) if k != "__name__"
        )
        number = format_float(value)
        lines.append(f"{name}{{{rendered}}} {number}" if rendered else f"{name} {number}")
    return "".join(f"{line}\n" for lines in families.values() for line in lines)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
