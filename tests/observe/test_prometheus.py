"""The Prometheus client against the emulated cloud's Prometheus API, and against canned
answers for what a broken or foreign endpoint may send."""

from __future__ import annotations

import math
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from stratus.observe.errors import BadResponse, EndpointUnreachable, QueryRejected
from stratus.observe.prometheus import PrometheusClient, parse_rfc3339
from tests.observe.lab import Lab

CALLS = "traces_span_metrics_calls_total"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with Lab(tmp_path_factory.mktemp("prometheus")) as lab:
        lab.inject("revoke-auth-mongodb-geo")
        yield lab


def canned(body: Any, status: int = 200, text: str | None = None) -> PrometheusClient:
    def answer(request: httpx.Request) -> httpx.Response:
        if text is not None:
            return httpx.Response(status, text=text)
        return httpx.Response(status, json=body)

    return PrometheusClient("http://prometheus.test", transport=httpx.MockTransport(answer))


def test_alerts_are_typed(lab: Lab) -> None:
    alerts = lab.prometheus.alerts()
    crash = next(a for a in alerts if a.name == "KubePodCrashLooping")
    assert crash.state == "firing"
    assert crash.severity == "warning"
    assert crash.namespace == lab.namespace
    assert crash.labels["pod"].startswith("geo-")
    assert crash.active_at is not None
    assert crash.active_at.timestamp() <= lab.cloud.clock.now()
    assert {a.severity for a in alerts if a.name == "HighRequestErrorRate"} == {"critical"}


def test_instant_query_vector_and_scalar(lab: Lab) -> None:
    samples = lab.prometheus.query(
        f'sum by (service_name) (rate({CALLS}{{namespace="{lab.namespace}"}}[1m]))'
    )
    rates = {s.labels["service_name"]: s.value for s in samples}
    assert rates["frontend"] > 10
    now = lab.cloud.clock.now()
    assert lab.prometheus.scalar("time()") == pytest.approx(now, abs=1)
    assert lab.prometheus.scalar("time()", time=now - 60) == pytest.approx(now - 60, abs=1)
    assert lab.prometheus.scalar("vector(1) unless vector(1)") is None


def test_range_query(lab: Lab) -> None:
    now = lab.cloud.clock.now()
    series = lab.prometheus.query_range(
        f'sum(rate({CALLS}{{namespace="{lab.namespace}",service_name="frontend"}}[1m]))',
        now - 120,
        now,
        30,
    )
    assert len(series) == 1
    assert [t for t, _ in series[0].points] == pytest.approx([now - 120 + 30 * i for i in range(5)])
    assert all(v > 10 for _, v in series[0].points)


def test_bad_query_is_rejected(lab: Lab) -> None:
    with pytest.raises(QueryRejected) as caught:
        lab.prometheus.query("sum(")
    assert caught.value.error_type == "bad_data"
    with pytest.raises(QueryRejected):
        lab.prometheus.query_range("up", 10, 5, 1)


def test_unreachable_endpoint(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with (
        PrometheusClient(f"http://127.0.0.1:{port}", timeout=2) as client,
        pytest.raises(EndpointUnreachable),
    ):
        client.alerts()


def test_timeout_is_unreachable() -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    client = PrometheusClient("http://prometheus.test", transport=httpx.MockTransport(hang))
    with pytest.raises(EndpointUnreachable, match="timed out"):
        client.query("up")


def test_answers_that_are_not_the_api() -> None:
    with pytest.raises(BadResponse, match="no JSON"):
        canned(None, 502, text="<html>Bad gateway</html>").query("up")
    with pytest.raises(BadResponse):
        canned({"status": "success", "data": {"resultType": "string", "result": [1, "x"]}}).query(
            "up"
        )
    with pytest.raises(BadResponse):
        canned({"status": "success", "data": {"alerts": None}}).alerts()
    with pytest.raises(BadResponse, match="unknown state"):
        canned({"status": "success", "data": {"alerts": [{"labels": {}, "state": "odd"}]}}).alerts()
    with pytest.raises(QueryRejected) as caught:
        canned(
            {"status": "error", "errorType": "execution", "error": "too many samples"}, 422
        ).query("up")
    assert caught.value.error_type == "execution"


def test_special_values_and_scalars() -> None:
    body = {
        "status": "success",
        "data": {
            "resultType": "vector",
            "result": [
                {"metric": {"a": "1"}, "value": [1.5, "NaN"]},
                {"metric": {"a": "2"}, "value": [1.5, "+Inf"]},
            ],
        },
    }
    samples = canned(body).query("x")
    assert math.isnan(samples[0].value)
    assert samples[1].value == math.inf
    scalar = {"status": "success", "data": {"resultType": "scalar", "result": [2, "3.5"]}}
    assert canned(scalar).scalar("3.5") == 3.5


def test_rfc3339_with_nanoseconds() -> None:
    assert parse_rfc3339("2026-01-01T00:06:30.123456789Z") == datetime(
        2026, 1, 1, 0, 6, 30, 123456, tzinfo=UTC
    )
    with pytest.raises(BadResponse):
        parse_rfc3339("yesterday")
