"""The Prometheus HTTP API handlers: exact response bodies, parameters and error paths."""

from __future__ import annotations

from typing import Any

import pytest

from stratus.sim.telemetry.promql import (
    handle_label_values,
    handle_labels,
    handle_query,
    handle_query_range,
    handle_series,
)
from stratus.sim.telemetry.promql.numbers import format_float
from stratus.sim.telemetry.tsdb import TSDB

T0 = 1_700_000_000.0  # 2023-11-14T22:13:20Z
NOW = T0 + 60


@pytest.fixture
def db() -> TSDB:
    db = TSDB()
    for t in range(0, 61, 15):
        db.append({"__name__": "up", "job": "api", "pod": "a"}, T0 + t, 1.0)
        db.append({"__name__": "up", "job": "web", "pod": "b"}, T0 + t, 0.0)
        db.append({"__name__": "reqs_total", "job": "api", "pod": "a"}, T0 + t, 4.0 * t)
    db.append({"__name__": "old", "job": "batch"}, T0 - 7200, 1.0)
    return db


def error(status: int, error_type: str, message: str) -> tuple[int, dict[str, Any]]:
    return status, {"status": "error", "errorType": error_type, "error": message}


def test_query_vector_body(db: TSDB) -> None:
    status, body = handle_query(db, {"query": "up"}, NOW)
    assert status == 200
    assert body == {
        "status": "success",
        "data": {
            "resultType": "vector",
            "result": [
                {"metric": {"__name__": "up", "job": "api", "pod": "a"}, "value": [NOW, "1"]},
                {"metric": {"__name__": "up", "job": "web", "pod": "b"}, "value": [NOW, "0"]},
            ],
        },
    }


def test_query_scalar_and_string_bodies(db: TSDB) -> None:
    assert handle_query(db, {"query": "1 / 4", "time": "100"}, NOW) == (
        200,
        {"status": "success", "data": {"resultType": "scalar", "result": [100, "0.25"]}},
    )
    assert handle_query(db, {"query": '"hi"', "time": "100.5"}, NOW) == (
        200,
        {"status": "success", "data": {"resultType": "string", "result": [100.5, "hi"]}},
    )


def test_query_time_parameter(db: TSDB) -> None:
    for text in [
        "1700000030",
        "1700000030.0001",
        "2023-11-14T22:13:50Z",
        "2023-11-14T23:13:50+01:00",
    ]:
        status, body = handle_query(db, {"query": "reqs_total", "time": text}, NOW)
        assert status == 200
        assert body["data"]["result"][0]["value"] == [T0 + 30, "120"]
    _, body = handle_query(db, {"query": "time()", "time": "2023-11-14T22:13:20.1239Z"}, NOW)
    assert body["data"]["result"] == [T0 + 0.123, format_float(T0 + 0.123)]


def test_query_defaults_to_now_and_ignores_a_valid_timeout(db: TSDB) -> None:
    status, body = handle_query(db, {"query": "time()", "timeout": "30s"}, NOW + 0.0004)
    assert (status, body["data"]["result"]) == (200, [NOW, format_float(NOW)])


def test_query_lookback_delta(db: TSDB) -> None:
    params = {"query": "up", "time": str(NOW + 100)}
    assert len(handle_query(db, params, NOW)[1]["data"]["result"]) == 2
    params["lookback_delta"] = "1m"
    assert handle_query(db, params, NOW)[1]["data"]["result"] == []


def test_query_range_matrix_body(db: TSDB) -> None:
    params = {"query": "rate(reqs_total[30s])", "start": str(T0 + 30), "end": str(T0 + 60)}
    status, body = handle_query_range(db, {**params, "step": "15s"}, NOW)
    assert status == 200
    assert body == {
        "status": "success",
        "data": {
            "resultType": "matrix",
            "result": [
                {
                    "metric": {"job": "api", "pod": "a"},
                    "values": [[T0 + 30, "4"], [T0 + 45, "4"], [T0 + 60, "4"]],
                }
            ],
        },
    }
    assert handle_query_range(db, {**params, "step": "15"}, NOW) == (status, body)


def test_query_range_with_rfc3339_times_and_fractional_steps(db: TSDB) -> None:
    params = {
        "query": "up{pod='a'}",
        "start": "2023-11-14T22:13:20Z",
        "end": "2023-11-14T22:13:21Z",
        "step": "0.25",
    }
    _, body = handle_query_range(db, params, NOW)
    times = [t for t, _ in body["data"]["result"][0]["values"]]
    assert times == [T0, T0 + 0.25, T0 + 0.5, T0 + 0.75, T0 + 1]


def test_execution_errors_are_422(db: TSDB) -> None:
    assert handle_query(db, {"query": '{__name__=~"up|reqs_total", pod="a"} + 1'}, NOW) == error(
        422, "execution", "vector cannot contain metrics with the same labelset"
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, 'invalid parameter "query": parse error: no expression found in input'),
        ({"query": "sum("}, 'invalid parameter "query": parse error: '),
        ({"query": "timestamp(up)"}, 'invalid parameter "query": unsupported function "timestamp"'),
        (
            {"query": "up", "time": "yesterday"},
            'invalid parameter "time": cannot parse "yesterday" to a valid timestamp',
        ),
        ({"query": "up", "time": "1e999"}, 'invalid parameter "time": cannot parse "1e999"'),
        ({"query": "up", "time": "NaN"}, 'invalid parameter "time": cannot parse "NaN"'),
        ({"query": "up", "time": "2023-13-01T00:00:00Z"}, 'invalid parameter "time": '),
        (
            {"query": "up", "timeout": "soon"},
            'invalid parameter "timeout": cannot parse "soon" to a valid duration',
        ),
        ({"query": "up", "lookback_delta": "-1"}, 'invalid parameter "lookback_delta": '),
    ],
)
def test_query_errors(db: TSDB, params: dict[str, str], message: str) -> None:
    status, body = handle_query(db, params, NOW)
    assert (status, body["status"], body["errorType"]) == (400, "error", "bad_data")
    assert body["error"].startswith(message)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"start": "10", "end": "20"},
            'invalid parameter "step": cannot parse "" to a valid duration',
        ),
        (
            {"end": "20", "step": "1"},
            'invalid parameter "start": cannot parse "" to a valid timestamp',
        ),
        ({"start": "10", "step": "1"}, 'invalid parameter "end": cannot parse ""'),
        (
            {"start": "10", "end": "20", "step": "1x"},
            'invalid parameter "step": cannot parse "1x" to a valid duration',
        ),
        (
            {"start": "20", "end": "10", "step": "bad"},
            'invalid parameter "end": end timestamp must not be before start time',
        ),
        (
            {"start": "10", "end": "20", "step": "0"},
            'invalid parameter "step": zero or negative '
            "query resolution step widths are not accepted. Try a positive integer",
        ),
        ({"start": "10", "end": "20", "step": "-5s"}, 'invalid parameter "step": cannot parse'),
        (
            {"start": "0", "end": "11001", "step": "1"},
            "exceeded maximum resolution of 11,000 points"
            " per timeseries. Try decreasing the query resolution (?step=XX)",
        ),
        (
            {"start": "0", "end": "60", "step": "1", "query": "up[1m]"},
            'invalid parameter "query": '
            'invalid expression type "range vector" for range query, must be Scalar or instant '
            "Vector",
        ),
        (
            {"start": "0", "end": "60", "step": "1", "query": ""},
            'invalid parameter "query": parse error: no expression found in input',
        ),
    ],
)
def test_query_range_errors(db: TSDB, params: dict[str, str], message: str) -> None:
    status, body = handle_query_range(db, {"query": "up", **params}, NOW)
    assert (status, body["errorType"]) == (400, "bad_data")
    assert body["error"].startswith(message)


def test_series(db: TSDB) -> None:
    status, body = handle_series(db, {"match[]": ['up{job="web"}', "reqs_total"]}, NOW)
    assert status == 200
    assert body == {
        "status": "success",
        "data": [
            {"__name__": "reqs_total", "job": "api", "pod": "a"},
            {"__name__": "up", "job": "web", "pod": "b"},
        ],
    }
    recent = {"match[]": ['{job=~".+"}'], "start": [str(T0 - 60)]}
    assert "old" not in {s["__name__"] for s in handle_series(db, recent, NOW)[1]["data"]}
    everything = {"match[]": ['{job=~".+"}']}
    assert "old" in {s["__name__"] for s in handle_series(db, everything, NOW)[1]["data"]}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "no match[] parameter provided"),
        (
            {"match[]": ["sum(up)"]},
            'invalid parameter "match[]": parse error: expected a series selector',
        ),
        ({"match[]": ["up{"]}, 'invalid parameter "match[]": parse error: '),
        (
            {"match[]": ["{}"]},
            'invalid parameter "match[]": parse error: vector selector must '
            "contain at least one non-empty matcher",
        ),
        ({"match[]": ["up"], "end": ["never"]}, 'invalid parameter "end": cannot parse "never"'),
    ],
)
def test_series_errors(db: TSDB, params: dict[str, list[str]], message: str) -> None:
    status, body = handle_series(db, params, NOW)
    assert (status, body["errorType"]) == (400, "bad_data")
    assert body["error"].startswith(message)


def test_labels_and_label_values(db: TSDB) -> None:
    assert handle_labels(db) == (200, {"status": "success", "data": ["__name__", "job", "pod"]})
    assert handle_labels(db, {"match[]": ["old"]}) == (
        200,
        {"status": "success", "data": ["__name__", "job"]},
    )
    assert handle_label_values(db, "job") == (
        200,
        {"status": "success", "data": ["api", "batch", "web"]},
    )
    assert handle_label_values(db, "__name__", {"match[]": ['{job="api"}']})[1]["data"] == [
        "reqs_total",
        "up",
    ]
    assert handle_label_values(db, "job", {"start": [str(T0)]})[1]["data"] == ["api", "web"]
    assert handle_label_values(db, "nope")[1]["data"] == []
    assert handle_label_values(db, "not-a-label") == error(
        400, "bad_data", 'invalid label name: "not-a-label"'
    )
    assert handle_labels(db, {"match[]": ["up{"]})[0] == 400


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1"),
        (0.5, "0.5"),
        (-2.0, "-2"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1e21, "1000000000000000000000"),
        (1.5e-7, "0.00000015"),
        (float("nan"), "NaN"),
        (float("inf"), "+Inf"),
        (float("-inf"), "-Inf"),
        (-0.0, "-0"),
    ],
)
def test_sample_values_are_formatted_like_prometheus(value: float, text: str) -> None:
    assert format_float(value) == text
