"""The emulated Prometheus and Jaeger over HTTP, against HotelReservation under its workload:
exposition text, the query API and its errors, series and labels, rules and alerts through a
breakage and its fix, and Jaeger's services, operations, traces and dependencies."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from stratus.sim.apps import load_app
from stratus.sim.clock import parse_timestamp
from stratus.sim.cloud import Cloud
from stratus.sim.telemetry.alerts import load_rules
from tests.conftest import ServedCloud

NS = "test-hotel-reservation"
WARM_UP = 400.0  # start-up crash loops settle and their alerts clear
SCRAPE = 15.0


@dataclass
class Telemetry:
    cloud: Cloud
    prometheus: httpx.Client
    jaeger: httpx.Client


def _serve_telemetry(cloud: Cloud) -> tuple[httpx.Client, httpx.Client]:
    apps = cloud.serve_telemetry()
    return (
        httpx.Client(base_url=apps["prometheus"].url, timeout=10),
        httpx.Client(base_url=apps["jaeger"].url, timeout=10),
    )


@pytest.fixture(scope="module")
def hotel() -> Iterator[Telemetry]:
    """HotelReservation under its workload, warmed up; tests only read from it."""
    cloud = Cloud(seed=7)
    app = load_app("hotel-reservation")
    cloud.deploy(app)
    cloud.start_load(app)
    cloud.settle(WARM_UP, step=5.0)
    prometheus, jaeger = _serve_telemetry(cloud)
    try:
        yield Telemetry(cloud, prometheus, jaeger)
    finally:
        prometheus.close()
        jaeger.close()
        cloud.close()


# -- the text exposition format ------------------------------------------------------------

_SAMPLE = re.compile(
    r"(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)"
    r"(?:\{(?P<labels>[^}]*)\})?"
    r" (?P<value>\S+)$"
)
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)')
_TYPE = re.compile(r"# TYPE (?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*) (?P<kind>\w+)$")


@dataclass
class Family:
    kind: str
    samples: list[tuple[str, dict[str, str], float]]


def _float(text: str) -> float:
    """A sample value as Go's ``strconv.ParseFloat`` reads it (``NaN``, ``+Inf``, ``-Inf``)."""
    assert re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|NaN|[+-]Inf", text), text
    return float(text.replace("Inf", "inf"))


def parse_exposition(text: str) -> dict[str, Family]:
    """Parse Prometheus' text format strictly: a family's ``# TYPE`` comes once, before its
    samples, and a family's samples are not interleaved with another family's."""
    assert text.endswith("\n")
    families: dict[str, Family] = {}
    current: str | None = None
    for number, line in enumerate(text.splitlines(), 1):
        where = f"line {number}: {line!r}"
        if line.startswith("# HELP "):
            continue
        if line.startswith("#"):
            typed = _TYPE.match(line)
            assert typed is not None, where
            name = typed["name"]
            assert name not in families, f"second TYPE for {name}, {where}"
            assert typed["kind"] in ("counter", "gauge", "histogram", "summary", "untyped")
            families[name] = Family(typed["kind"], [])
            current = name
            continue
        match = _SAMPLE.match(line)
        assert match is not None, where
        name = match["name"]
        assert current is not None, where
        family = families[current]
        allowed = (
            {current + "_bucket", current + "_sum", current + "_count"}
            if family.kind == "histogram"
            else {current}
        )
        assert name in allowed, f"{name} outside its family's group, {where}"
        raw = match["labels"] or ""
        labels = dict(_LABEL.findall(raw))
        rebuilt = ",".join(f'{k}="{v}"' for k, v in _LABEL.findall(raw))
        assert rebuilt == raw, where
        family.samples.append((name, labels, _float(match["value"])))
    return families


EXPOSED = {
    "kube_pod_status_ready": ("gauge", {"namespace", "pod", "condition"}),
    "kube_deployment_status_replicas_available": ("gauge", {"namespace", "deployment"}),
    "kube_pod_container_status_restarts_total": ("counter", {"namespace", "pod", "container"}),
    "kube_pod_container_status_waiting_reason": (
        "gauge",
        {"namespace", "pod", "container", "reason"},
    ),
    "container_cpu_usage_seconds_total": ("counter", {"namespace", "pod", "container", "node"}),
    "container_memory_working_set_bytes": ("gauge", {"namespace", "pod", "container"}),
    "container_cpu_cfs_throttled_periods_total": ("counter", {"namespace", "pod", "container"}),
    "traces_span_metrics_calls_total": (
        "counter",
        {"service_name", "span_name", "span_kind", "status_code"},
    ),
    "traces_span_metrics_duration_milliseconds": (
        "histogram",
        {"service_name", "span_name", "span_kind", "status_code"},
    ),
}


@pytest.fixture(scope="module")
def exposition(hotel: Telemetry) -> dict[str, Family]:
    response = hotel.prometheus.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return parse_exposition(response.text)


def test_metrics_exposition_parses_with_the_exporters_names(
    exposition: dict[str, Family],
) -> None:
    for name, (kind, labels) in EXPOSED.items():
        assert name in exposition, name
        family = exposition[name]
        assert family.kind == kind, name
        assert family.samples, name
        for _, sample_labels, _ in family.samples:
            assert labels <= set(sample_labels), (name, sample_labels)
    app_pods = {
        labels["pod"]
        for _, labels, value in exposition["kube_pod_status_ready"].samples
        if labels["namespace"] == NS and labels["condition"] == "true" and value == 1
    }
    assert any(pod.startswith("geo-") for pod in app_pods)
    assert any(pod.startswith("frontend-") for pod in app_pods)


def test_metrics_histograms_are_cumulative_and_counted(exposition: dict[str, Family]) -> None:
    family = exposition["traces_span_metrics_duration_milliseconds"]
    buckets: dict[tuple[tuple[str, str], ...], list[tuple[float, float]]] = {}
    counts: dict[tuple[tuple[str, str], ...], float] = {}
    for name, labels, value in family.samples:
        if name.endswith("_bucket"):
            key = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
            buckets.setdefault(key, []).append((_float(labels["le"]), value))
        elif name.endswith("_count"):
            counts[tuple(sorted(labels.items()))] = value
    assert buckets
    for key, series in buckets.items():
        bounds = [b for b, _ in series]
        assert bounds == sorted(bounds), key
        assert bounds[-1] == math.inf, key
        values = [v for _, v in series]
        assert values == sorted(values), key
        assert counts[key] == values[-1], key
    frontend = [
        counts[key]
        for key in counts
        if ("service_name", "frontend") in key and ("namespace", NS) in key
    ]
    assert sum(frontend) > 1000  # 20 requests a second for minutes


def test_metrics_values_keep_every_digit(hotel: Telemetry, exposition: dict[str, Family]) -> None:
    """A start time (10 significant digits) reads back as the query API reports it."""
    exposed = {
        labels["pod"]: value
        for _, labels, value in exposition["container_start_time_seconds"].samples
        if labels["namespace"] == NS
    }
    body = _query(hotel, f'container_start_time_seconds{{namespace="{NS}"}}')
    queried = {r["metric"]["pod"]: float(r["value"][1]) for r in body["data"]["result"]}
    assert queried
    assert exposed == queried
    assert all(value > 1.7e9 for value in queried.values())


# -- the query API -------------------------------------------------------------------------


def _query(hotel: Telemetry, query: str, **params: str) -> dict[str, Any]:
    response = hotel.prometheus.get("/api/v1/query", params={"query": query, **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert body["status"] == "success"
    return body


def test_instant_query_answers_in_prometheus_shape(hotel: Telemetry) -> None:
    now = hotel.cloud.clock.now()
    body = _query(hotel, f'kube_deployment_status_replicas_available{{namespace="{NS}"}}')
    data = body["data"]
    assert data["resultType"] == "vector"
    by_deployment = {}
    for row in data["result"]:
        assert set(row) == {"metric", "value"}
        assert row["metric"]["__name__"] == "kube_deployment_status_replicas_available"
        timestamp, value = row["value"]
        assert timestamp == pytest.approx(now, abs=0.001)
        assert isinstance(value, str)
        by_deployment[row["metric"]["deployment"]] = value
    assert {"frontend", "search", "geo", "rate", "mongodb-geo"} <= set(by_deployment)
    assert set(by_deployment.values()) == {"1"}

    scalar = _query(hotel, "1 + 1", time="1767225600")["data"]
    assert scalar == {"resultType": "scalar", "result": [1767225600, "2"]}


def test_instant_query_by_post_and_at_an_rfc3339_time(hotel: Telemetry) -> None:
    query = f'sum by (service_name) (traces_span_metrics_calls_total{{namespace="{NS}"}})'
    at = "2026-01-01T00:05:00Z"
    got = _query(hotel, query, time=at)
    response = hotel.prometheus.post("/api/v1/query", data={"query": query, "time": at})
    assert response.status_code == 200
    assert response.json() == got
    rows = got["data"]["result"]
    assert all(row["value"][0] == 1767225900 for row in rows)
    assert {"frontend", "search", "geo"} <= {row["metric"]["service_name"] for row in rows}


def test_rate_of_requests_matches_the_workload(hotel: Telemetry) -> None:
    query = (
        "sum(rate(traces_span_metrics_calls_total"
        f'{{namespace="{NS}",service_name="frontend",span_kind="SPAN_KIND_SERVER"}}[2m]))'
    )
    (row,) = _query(hotel, query)["data"]["result"]
    assert row["metric"] == {}
    assert float(row["value"][1]) == pytest.approx(20.0, rel=0.15)


def test_range_query_answers_a_matrix_on_the_step_grid(hotel: Telemetry) -> None:
    end = hotel.cloud.clock.now() // SCRAPE * SCRAPE
    start = end - 120
    response = hotel.prometheus.get(
        "/api/v1/query_range",
        params={
            "query": f'kube_pod_status_ready{{namespace="{NS}",condition="true"}}',
            "start": str(start),
            "end": str(end),
            "step": "15s",
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "success"
    assert body["data"]["resultType"] == "matrix"
    result = body["data"]["result"]
    pods = {row["metric"]["pod"] for row in result}
    assert len(pods) == len(result) >= 18  # every pod of the app
    for row in result:
        assert set(row) == {"metric", "values"}
        times = [t for t, _ in row["values"]]
        assert times == [start + SCRAPE * i for i in range(9)]
        assert {v for _, v in row["values"]} == {"1"}


BAD_QUERIES = [
    ("timestamp(up)", 'unsupported function "timestamp"'),
    ("day_of_week()", 'unsupported function "day_of_week"'),
    ("limitk(1, up)", 'unsupported aggregation "limitk"'),
    ("sum(rate(traces_span_metrics_calls_total[1m])", "parse error"),
    ("up{", "parse error"),
    ("rate(kube_pod_info)", "parse error: expected type matrix"),
    ("", "parse error"),
    ("{}", "vector selector must contain at least one non-empty matcher"),
    ('label_replace(up, "dst", "$1", "src", "(")', "invalid regular expression"),
]


@pytest.mark.parametrize(("query", "message"), BAD_QUERIES)
def test_a_query_outside_the_subset_is_bad_data_not_a_server_error(
    hotel: Telemetry, query: str, message: str
) -> None:
    for response in (
        hotel.prometheus.get("/api/v1/query", params={"query": query}),
        hotel.prometheus.post("/api/v1/query", data={"query": query}),
        hotel.prometheus.get(
            "/api/v1/query_range",
            params={"query": query, "start": "1767225600", "end": "1767225900", "step": "15"},
        ),
    ):
        assert response.status_code == 400, response.text
        body = response.json()
        assert body["status"] == "error"
        assert body["errorType"] == "bad_data"
        assert body["error"].startswith('invalid parameter "query": ')
        assert message in body["error"]


def test_data_dependent_failures_are_execution_errors(hotel: Telemetry) -> None:
    response = hotel.prometheus.get(
        "/api/v1/query", params={"query": "kube_pod_info + on (namespace) kube_pod_info"}
    )
    assert response.status_code == 422
    body = response.json()
    assert (body["status"], body["errorType"]) == ("error", "execution")
    assert "many-to-many matching not allowed" in body["error"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"query": "up", "start": "1767225600", "end": "1767225900"}, 'invalid parameter "step"'),
        (
            {"query": "up", "start": "1767225900", "end": "1767225600", "step": "15"},
            "end timestamp must not be before start time",
        ),
        (
            {"query": "up", "start": "1767225600", "end": "1767225900", "step": "0.001"},
            "exceeded maximum resolution of 11,000 points per timeseries",
        ),
        (
            {"query": "up", "start": "yesterday", "end": "1767225900", "step": "15"},
            'invalid parameter "start": cannot parse "yesterday" to a valid timestamp',
        ),
    ],
)
def test_range_query_parameters_are_checked(
    hotel: Telemetry, params: dict[str, str], message: str
) -> None:
    response = hotel.prometheus.get("/api/v1/query_range", params=params)
    assert response.status_code == 400
    body = response.json()
    assert (body["status"], body["errorType"]) == ("error", "bad_data")
    assert message in body["error"]


# -- series and labels ---------------------------------------------------------------------


def test_series_lists_the_matching_label_sets(hotel: Telemetry) -> None:
    response = hotel.prometheus.get(
        "/api/v1/series",
        params=[
            ("match[]", f'kube_deployment_status_replicas_available{{namespace="{NS}"}}'),
            ("match[]", 'kube_deployment_status_replicas_available{namespace="kube-system"}'),
        ],
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "success"
    series = body["data"]
    assert all(s["__name__"] == "kube_deployment_status_replicas_available" for s in series)
    deployments = {(s["namespace"], s["deployment"]) for s in series}
    assert {(NS, "geo"), (NS, "frontend"), ("kube-system", "coredns")} <= deployments
    assert len(deployments) == len(series)

    long_ago = hotel.prometheus.get(
        "/api/v1/series",
        params={"match[]": "kube_pod_info", "start": "1000000000", "end": "1000000100"},
    )
    assert long_ago.json() == {"status": "success", "data": []}

    missing = hotel.prometheus.get("/api/v1/series")
    assert missing.status_code == 400
    assert missing.json() == {
        "status": "error",
        "errorType": "bad_data",
        "error": "no match[] parameter provided",
    }


def test_labels_and_label_values(hotel: Telemetry) -> None:
    names = hotel.prometheus.get("/api/v1/labels").json()
    assert names["status"] == "success"
    assert {"__name__", "namespace", "pod", "container", "le", "service_name"} <= set(names["data"])
    assert names["data"] == sorted(names["data"])

    narrowed = hotel.prometheus.get(
        "/api/v1/labels", params={"match[]": "kube_deployment_spec_replicas"}
    ).json()["data"]
    assert "deployment" in narrowed
    assert "le" not in narrowed

    metric_names = hotel.prometheus.get("/api/v1/label/__name__/values").json()["data"]
    assert set(EXPOSED) - {"traces_span_metrics_duration_milliseconds"} <= set(metric_names)
    assert "traces_span_metrics_duration_milliseconds_bucket" in metric_names

    namespaces = hotel.prometheus.get("/api/v1/label/namespace/values").json()["data"]
    assert {NS, "kube-system"} <= set(namespaces)

    bad = hotel.prometheus.get("/api/v1/label/not-a-label/values")
    assert bad.status_code == 400
    assert bad.json()["errorType"] == "bad_data"


# -- rules and alerts ----------------------------------------------------------------------


def test_rules_list_the_shipped_rules_in_prometheus_shape(hotel: Telemetry) -> None:
    body = hotel.prometheus.get("/api/v1/rules").json()
    assert body["status"] == "success"
    listed: dict[str, dict[str, Any]] = {}
    for group in body["data"]["groups"]:
        assert {"name", "file", "rules", "interval", "evaluationTime", "lastEvaluation"} <= set(
            group
        )
        assert group["interval"] == SCRAPE
        for rule in group["rules"]:
            assert {
                "name",
                "query",
                "duration",
                "labels",
                "annotations",
                "alerts",
                "health",
                "lastError",
                "type",
                "state",
                "lastEvaluation",
                "evaluationTime",
            } <= set(rule)
            listed[rule["name"]] = rule
    shipped = load_rules()
    assert set(listed) == {rule.name for rule in shipped}
    for rule in shipped:
        served = listed[rule.name]
        assert served["query"] == rule.expr
        assert served["duration"] == rule.for_seconds
        assert served["labels"] == rule.labels
        assert served["type"] == "alerting"
        # every shipped rule evaluates in the emulated PromQL subset
        assert (served["health"], served["lastError"]) == ("ok", ""), rule.name
        assert served["state"] == "inactive", rule.name  # the app is healthy after warm-up
    assert {"ServiceEndpointDown", "KubePodCrashLooping", "HighRequestErrorRate"} <= set(listed)


def test_no_alert_is_active_on_a_healthy_app(hotel: Telemetry) -> None:
    assert hotel.prometheus.get("/api/v1/alerts").json() == {
        "status": "success",
        "data": {"alerts": []},
    }


def _alerts(prometheus: httpx.Client, name: str) -> list[dict[str, Any]]:
    body = prometheus.get("/api/v1/alerts").json()
    assert body["status"] == "success"
    return [a for a in body["data"]["alerts"] if a["labels"]["alertname"] == name]


def _active_at(alert: dict[str, Any]) -> float:
    return parse_timestamp(alert["activeAt"])


def test_an_alert_goes_pending_then_firing_and_resolves_after_the_fix(
    served: ServedCloud,
) -> None:
    cloud = served.cloud
    app = load_app("hotel-reservation")
    cloud.deploy(app)
    cloud.start_load(app)
    cloud.settle(WARM_UP, step=5.0)
    prometheus, jaeger = _serve_telemetry(cloud)
    jaeger.close()
    with prometheus:
        assert _alerts(prometheus, "ServiceEndpointDown") == []
        served.kubectl.run("scale", "deployment", "geo", "-n", NS, "--replicas=0")

        seen: list[tuple[float, str]] = []  # (virtual time, state) while the alert is active
        alert: dict[str, Any] | None = None
        for _ in range(60):
            cloud.advance(5.0)
            found = _alerts(prometheus, "ServiceEndpointDown")
            if found:
                (alert,) = found
                seen.append((cloud.clock.now(), alert["state"]))
            if sum(state == "firing" for _, state in seen) >= 6:
                break
        assert alert is not None, "ServiceEndpointDown never became active"
        active_at = _active_at(alert)
        assert seen[0][1] == "pending"
        for now, state in seen:
            # pending for the rule's 1m `for:`, firing from the first evaluation after it
            assert state == ("firing" if now >= active_at + 60 else "pending"), (now, state)
        first_firing = min(now for now, state in seen if state == "firing")
        assert active_at + 60 <= first_firing < active_at + 60 + SCRAPE + 5
        assert alert["labels"] == {
            "alertname": "ServiceEndpointDown",
            "namespace": NS,
            "endpoint": "geo",
            "severity": "critical",
        }
        assert alert["annotations"]["description"] == (
            f"Service {NS}/geo has had no ready endpoints for more than a minute."
        )
        assert float(alert["value"]) == 0.0

        rules = prometheus.get("/api/v1/rules").json()["data"]["groups"]
        rule = next(r for g in rules for r in g["rules"] if r["name"] == "ServiceEndpointDown")
        assert rule["state"] == "firing"
        assert [a["labels"]["endpoint"] for a in rule["alerts"]] == ["geo"]

        served.kubectl.run("scale", "deployment", "geo", "-n", NS, "--replicas=1")
        resolved_after = None
        for step in range(1, 61):
            cloud.advance(5.0)
            if not _alerts(prometheus, "ServiceEndpointDown"):
                resolved_after = step * 5.0
                break
        assert resolved_after is not None
        assert resolved_after <= 120
        cloud.settle(300, step=5.0)
        remaining = [
            a
            for a in prometheus.get("/api/v1/alerts").json()["data"]["alerts"]
            if a["labels"].get("namespace") == NS
        ]
        assert remaining == []


# -- Jaeger ----------------------------------------------------------------------------------


def _jaeger(hotel: Telemetry, path: str, **params: Any) -> dict[str, Any]:
    response = hotel.jaeger.get(path, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["errors"] is None
    assert set(body) == {"data", "total", "limit", "offset", "errors"}
    return body


def _services_of(trace: dict[str, Any]) -> set[str]:
    return {p["serviceName"] for p in trace["processes"].values()}


def _has_error(span: dict[str, Any]) -> bool:
    return any(t["key"] == "error" and t["value"] is True for t in span["tags"])


def test_jaeger_services_and_operations(hotel: Telemetry) -> None:
    services = _jaeger(hotel, "/api/services")
    assert {"frontend", "search", "geo", "rate", "profile", "mongodb-geo"} <= set(services["data"])
    assert services["total"] == len(services["data"])

    frontend = _jaeger(hotel, "/api/services/frontend/operations")["data"]
    assert {"HTTP GET /hotels", "HTTP GET /recommendations"} <= set(frontend)
    geo = _jaeger(hotel, "/api/operations", service="geo")
    assert geo["data"] == [{"name": "/geo.Geo/Nearby", "spanKind": "server"}]
    missing = hotel.jaeger.get("/api/operations")
    assert missing.status_code == 400
    assert missing.json()["errors"] == [{"code": 400, "msg": "parameter 'service' is required"}]


def test_jaeger_traces_by_service_and_limit(hotel: Telemetry) -> None:
    body = _jaeger(hotel, "/api/traces", service="frontend", limit=5)
    traces = body["data"]
    assert len(traces) == 5 == body["total"]
    for trace in traces:
        assert "frontend" in _services_of(trace)
        span_ids = {s["spanID"] for s in trace["spans"]}
        roots = 0
        for span in trace["spans"]:
            assert span["traceID"] == trace["traceID"]
            assert span["processID"] in trace["processes"]
            if not span["references"]:
                roots += 1
            for ref in span["references"]:
                assert ref["refType"] == "CHILD_OF"
                assert ref["spanID"] in span_ids
        assert roots == 1
    assert len({t["traceID"] for t in traces}) == 5
    everything = _jaeger(hotel, "/api/traces", service="frontend")["data"]
    assert len(everything) == 100  # Jaeger's default limit


def test_jaeger_traces_within_a_lookback_or_a_window(hotel: Telemetry) -> None:
    now_us = int(hotel.cloud.clock.now() * 1e6)
    recent = _jaeger(hotel, "/api/traces", service="geo", lookback="1m", limit=10_000)["data"]
    assert recent
    for trace in recent:
        starts = [
            s["startTime"]
            for s in trace["spans"]
            if trace["processes"][s["processID"]]["serviceName"] == "geo"
        ]
        assert max(starts) >= now_us - 60_000_000
    longer = _jaeger(hotel, "/api/traces", service="geo", lookback="1h30m", limit=10_000)["data"]
    assert len(longer) > len(recent)

    start, end = now_us - 120_000_000, now_us - 60_000_000
    window = _jaeger(hotel, "/api/traces", service="geo", start=start, end=end, limit=10_000)
    assert window["data"]
    for trace in window["data"]:
        assert any(
            start <= s["startTime"] <= end
            for s in trace["spans"]
            if trace["processes"][s["processID"]]["serviceName"] == "geo"
        )


def test_jaeger_error_tag_finds_failing_traces_only(hotel: Telemetry) -> None:
    failing = _jaeger(
        hotel, "/api/traces", service="frontend", tags=json.dumps({"error": "true"}), limit=50
    )["data"]
    assert failing  # start-up, before geo and the others were up, failed requests
    for trace in failing:
        assert any(
            _has_error(s)
            for s in trace["spans"]
            if trace["processes"][s["processID"]]["serviceName"] == "frontend"
        )
    same = _jaeger(hotel, "/api/traces", service="frontend", tag="error:true", limit=50)["data"]
    assert [t["traceID"] for t in same] == [t["traceID"] for t in failing]
    everything = _jaeger(hotel, "/api/traces", service="frontend", limit=50)["data"]
    assert any(not any(_has_error(s) for s in t["spans"]) for t in everything)


def test_jaeger_duration_filter(hotel: Telemetry) -> None:
    slow = _jaeger(hotel, "/api/traces", service="frontend", minDuration="12ms", limit=20)["data"]
    assert slow
    for trace in slow:
        assert any(
            s["duration"] >= 12_000
            for s in trace["spans"]
            if trace["processes"][s["processID"]]["serviceName"] == "frontend"
        )


def test_jaeger_trace_by_id(hotel: Telemetry) -> None:
    (listed,) = _jaeger(hotel, "/api/traces", service="search", limit=1)["data"]
    trace_id = listed["traceID"]
    body = _jaeger(hotel, f"/api/traces/{trace_id}")
    assert body["data"] == [listed]
    assert _jaeger(hotel, f"/api/traces/{trace_id.upper()}")["data"] == [listed]
    by_param = _jaeger(hotel, "/api/traces", traceID=trace_id)["data"]
    assert by_param == [listed]

    unknown = hotel.jaeger.get("/api/traces/" + "0" * 31 + "1")
    assert unknown.status_code == 404
    assert unknown.json() == {
        "data": None,
        "total": 0,
        "limit": 0,
        "offset": 0,
        "errors": [{"code": 404, "msg": "trace not found"}],
    }
    bad = hotel.jaeger.get("/api/traces/not-a-trace-id")
    assert bad.status_code == 400
    assert bad.json()["errors"] == [
        {"code": 400, "msg": 'strconv.ParseUint: parsing "not-a-trace-id": invalid syntax'}
    ]


def test_jaeger_dependencies_are_the_call_graph(hotel: Telemetry) -> None:
    links = _jaeger(hotel, "/api/dependencies", endTs=int(hotel.cloud.clock.now() * 1000))
    edges = {(d["parent"], d["child"]): d["callCount"] for d in links["data"]}
    expected = {
        ("frontend", "search"),
        ("frontend", "profile"),
        ("frontend", "recommendation"),
        ("frontend", "reservation"),
        ("search", "geo"),
        ("search", "rate"),
        ("geo", "mongodb-geo"),
        ("rate", "memcached-rate"),
        ("profile", "memcached-profile"),
        ("reservation", "memcached-reserve"),
    }
    assert expected <= set(edges)
    assert all(isinstance(n, int) and n > 0 for n in edges.values())
    assert ("geo", "search") not in edges  # edges point from caller to callee
    assert edges[("search", "geo")] <= edges[("frontend", "search")]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "parameter 'service' is required"),
        ({"service": "frontend", "limit": "many"}, 'strconv.ParseInt: parsing "many"'),
        (
            {"service": "frontend", "lookback": "2x"},
            'unable to parse param \'lookback\': time: unknown unit "x" in duration "2x"',
        ),
        (
            {"service": "frontend", "minDuration": "5"},
            "unable to parse param 'minDuration': time: missing unit in duration \"5\"",
        ),
        (
            {"service": "frontend", "start": "an hour ago"},
            "unable to parse param 'start': strconv.ParseInt: parsing \"an hour ago\"",
        ),
        ({"service": "frontend", "tags": "{"}, "malformed 'tags' parameter"),
        ({"service": "frontend", "tag": "error"}, "malformed 'tag' parameter"),
        (
            {"service": "frontend", "minDuration": "2s", "maxDuration": "1s"},
            "'maxDuration' should be greater than 'minDuration'",
        ),
        ({"traceID": "xyz"}, "cannot parse traceID param"),
    ],
)
def test_jaeger_bad_parameters_are_400s_in_jaeger_shape(
    hotel: Telemetry, params: dict[str, str], message: str
) -> None:
    response = hotel.jaeger.get("/api/traces", params=params)
    assert response.status_code == 400
    body = response.json()
    assert body["data"] is None
    assert (body["total"], body["limit"], body["offset"]) == (0, 0, 0)
    ((error),) = body["errors"]
    assert error["code"] == 400
    assert message in error["msg"]
    assert "invalid literal" not in error["msg"]  # no Python internals


def test_jaeger_dependencies_check_their_parameters(hotel: Telemetry) -> None:
    response = hotel.jaeger.get("/api/dependencies", params={"endTs": "now"})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "code": 400,
            "msg": "unable to parse param 'endTs': strconv.ParseInt: parsing \"now\": "
            "invalid syntax",
        }
    ]
