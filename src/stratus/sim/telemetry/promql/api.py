"""The Prometheus HTTP API (``/api/v1/...``) as pure functions returning (status, JSON body).

No web framework here: a route passes the request's parameters and the virtual clock's now.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping
from typing import Any

import promql_parser

from stratus.sim.telemetry.promql.aggregate import LABEL_NAME
from stratus.sim.telemetry.promql.engine import (
    check_interval,
    check_range,
    instant_query,
    parse,
    range_query,
)
from stratus.sim.telemetry.promql.errors import PromQLError, bad_data
from stratus.sim.telemetry.promql.params import go_quote, parse_api_duration, parse_time
from stratus.sim.telemetry.promql.selectors import matcher_groups
from stratus.sim.telemetry.promql.values import label_key
from stratus.sim.telemetry.tsdb import TSDB, Series

__all__ = [
    "Response",
    "handle_label_values",
    "handle_labels",
    "handle_query",
    "handle_query_range",
    "handle_series",
]

Response = tuple[int, dict[str, Any]]
_STATUS = {"bad_data": 400, "execution": 422}
_DEFAULT_LOOKBACK = 300.0


def _success(data: Any) -> Response:
    return 200, {"status": "success", "data": data}


def _failure(exc: PromQLError) -> Response:
    message = f'invalid parameter "{exc.param}": {exc.message}' if exc.param else exc.message
    body = {"status": "error", "errorType": exc.error_type, "error": message}
    return _STATUS[exc.error_type], body


def _time(params: Mapping[str, str], name: str, default: float | None) -> float:
    """A timestamp parameter; ``default`` None makes it required."""
    text = params.get(name, "")
    if not text and default is not None:
        return default
    value = parse_time(text)
    if value is None:
        raise bad_data(f"cannot parse {go_quote(text)} to a valid timestamp", name)
    return value


def _duration(params: Mapping[str, str], name: str) -> float | None:
    text = params.get(name, "")
    if not text:
        return None
    value = parse_api_duration(text)
    if isinstance(value, str):
        raise bad_data(value, name)
    return value


def _lookback(params: Mapping[str, str]) -> float:
    value = _duration(params, "lookback_delta")
    return value if value else _DEFAULT_LOOKBACK


def _now(now: float) -> float:
    return round(now * 1000) / 1000


def handle_query(db: TSDB, params: Mapping[str, str], now: float) -> Response:
    """``GET /api/v1/query``: ``query``, optional ``time`` (default now), ``timeout``
    (validated, otherwise ignored: evaluation is synchronous) and ``lookback_delta``."""
    try:
        t = _time(params, "time", _now(now))
        _duration(params, "timeout")
        result = instant_query(db, params.get("query", ""), t, _lookback(params))
    except PromQLError as exc:
        return _failure(exc)
    return _success(result.to_json())


def handle_query_range(db: TSDB, params: Mapping[str, str], now: float) -> Response:
    """``GET /api/v1/query_range``: ``query``, ``start``, ``end``, ``step`` (``15s`` or float
    seconds), checked in the order Prometheus checks them. ``now`` is unused (start and end
    are required) but keeps every handler's signature alike."""
    try:
        start = _time(params, "start", None)
        end = _time(params, "end", None)
        check_interval(start, end)
        step = _duration(params, "step")
        if step is None:
            raise bad_data('cannot parse "" to a valid duration', "step")
        check_range(start, end, step)
        _duration(params, "timeout")
        result = range_query(db, params.get("query", ""), start, end, step, _lookback(params))
    except PromQLError as exc:
        return _failure(exc)
    return _success(result.to_json())


def _first(params: Mapping[str, list[str]], name: str) -> dict[str, str]:
    values = params.get(name)
    return {name: values[0]} if values else {}


def _range(params: Mapping[str, list[str]]) -> tuple[float, float]:
    flat = {**_first(params, "start"), **_first(params, "end")}
    return _time(flat, "start", -math.inf), _time(flat, "end", math.inf)


def _has_samples(series: Series, start: float, end: float) -> bool:
    i = bisect.bisect_left(series.times, start)
    return i < len(series.times) and series.times[i] <= end


def _selected(db: TSDB, params: Mapping[str, list[str]], required: bool) -> list[Series]:
    """The series matching any ``match[]`` selector (all series when there is none and that
    is allowed) with samples between ``start`` and ``end``, ordered by labels."""
    start, end = _range(params)
    selectors = params.get("match[]", [])
    if not selectors and required:
        raise bad_data("no match[] parameter provided", None)
    found: dict[tuple[tuple[str, str], ...], Series] = {}
    candidates: list[Series] = list(db) if not selectors else []
    for text in selectors:
        try:
            node = parse(text)
        except PromQLError as exc:
            raise bad_data(exc.message, "match[]") from None
        if not isinstance(node, promql_parser.VectorSelector):
            raise bad_data(f"parse error: expected a series selector, got {text}", "match[]")
        for group in matcher_groups(node):
            candidates.extend(db.select(group))
    for series in candidates:
        if _has_samples(series, start, end):
            found.setdefault(label_key(series.labels), series)
    return [found[key] for key in sorted(found)]


def handle_series(
    db: TSDB, params_multi: Mapping[str, list[str]], now: float | None = None
) -> Response:
    """``GET /api/v1/series``: repeated ``match[]``, optional ``start``/``end``. ``now`` is
    unused (the default range is all of retention), accepted for a uniform signature."""
    try:
        series = _selected(db, params_multi, required=True)
    except PromQLError as exc:
        return _failure(exc)
    return _success([dict(sorted(s.labels.items())) for s in series])


def handle_labels(
    db: TSDB, params_multi: Mapping[str, list[str]] | None = None, now: float | None = None
) -> Response:
    """``GET /api/v1/labels``: label names, optionally of the series ``match[]`` selects."""
    try:
        series = _selected(db, params_multi or {}, required=False)
    except PromQLError as exc:
        return _failure(exc)
    return _success(sorted({name for s in series for name in s.labels}))


def handle_label_values(
    db: TSDB,
    name: str,
    params_multi: Mapping[str, list[str]] | None = None,
    now: float | None = None,
) -> Response:
    """``GET /api/v1/label/<name>/values``: the values of one label (``__name__`` lists the
    metric names), optionally of the series ``match[]`` selects."""
    if LABEL_NAME.fullmatch(name) is None:
        return _failure(bad_data(f"invalid label name: {go_quote(name)}", None))
    try:
        series = _selected(db, params_multi or {}, required=False)
    except PromQLError as exc:
        return _failure(exc)
    return _success(sorted({s.labels[name] for s in series if s.labels.get(name)}))
