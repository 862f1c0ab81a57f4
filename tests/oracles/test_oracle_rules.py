"""Each oracle's rules on canned alerts, metrics and clusters."""

from __future__ import annotations

import socket
from typing import Any

from stratus.kube.errors import Unreachable
from stratus.observe.baseline import Baseline, WorkloadBaseline
from stratus.observe.clock import Clock
from stratus.observe.cluster import ClusterObserver, WorkloadKey
from stratus.observe.prometheus import PrometheusClient
from stratus.observe.sla import Entrypoint, EntrypointBaseline
from stratus.oracles import AlertsOracle, HealthOracle, OracleReport, OracleResult, RequestsOracle
from tests.observe.fakes import FakeKube, FakePrometheus, alert, deployment, pod

NS = "shop"


def test_alerts_in_scope_fail_it() -> None:
    prom = FakePrometheus()
    prom.alerts = [alert("Watchdog", "none"), alert("Elsewhere", "critical", namespace="other")]
    oracle = AlertsOracle(prom.client(), [NS])
    assert oracle.check().passed
    prom.alerts.append(alert("KubePodCrashLooping", "warning", namespace=NS, pod="web-1"))
    result = oracle.check()
    assert not result.passed
    assert result.reasons == ("KubePodCrashLooping (pod web-1 in shop) is firing",)
    assert AlertsOracle(prom.client(), [NS], only={"HighRequestErrorRate"}).check().passed


def test_alerts_must_stay_clear_for_the_window() -> None:
    prom = FakePrometheus()
    t = [0.0]

    def sleep(seconds: float) -> None:
        t[0] += seconds
        if t[0] >= 45:
            prom.alerts = [alert("HighRequestLatency", "warning", namespace=NS, service_name="web")]

    clock = Clock(now=lambda: t[0], sleep=sleep)
    oracle = AlertsOracle(prom.client(), [NS])
    late = oracle.sustained(clock, window=120, step=15)
    assert not late.passed
    assert t[0] == 45  # the first firing sample ends it
    prom.alerts = []
    t[0] = 0.0
    clock = Clock(now=lambda: t[0], sleep=lambda s: t.__setitem__(0, t[0] + s))
    assert oracle.sustained(clock, window=60, step=15).reasons == ("none fired for 60 s",)


def test_requests_oracle() -> None:
    prom = FakePrometheus()
    web = Entrypoint(namespace=NS, service="web")
    labels = {"namespace": NS, "service_name": "web"}
    prom.vectors = {
        "STATUS_CODE_ERROR": [],
        "histogram_quantile": [],
        "sum by": [{"metric": labels, "value": [1, "10"]}],
    }
    base = Baseline(
        captured_at=0.0,
        namespaces=(NS,),
        workloads=(),
        entrypoints=(EntrypointBaseline(entrypoint=web, rate=10.0, p95_ms=5.0),),
    )
    assert RequestsOracle(prom.client()).check(base).passed
    prom.vectors["STATUS_CODE_ERROR"] = [{"metric": labels, "value": [1, "1"]}]
    (reason,) = RequestsOracle(prom.client()).check(base).reasons
    assert reason == "10.0% of requests to shop/web fail (SLA 1.0%)"
    empty = Baseline(captured_at=0.0, namespaces=(NS,), workloads=())
    assert RequestsOracle(prom.client()).check(empty).passed
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        nowhere = PrometheusClient(f"http://127.0.0.1:{s.getsockname()[1]}", timeout=2)
    blind = RequestsOracle(nowhere).check(base)
    assert not blind.passed
    assert blind.reasons[0].startswith("cannot read request metrics")


def test_health_oracle() -> None:
    objects: dict[tuple[str, str], list[dict[str, Any]]] = {
        ("Deployment", NS): [deployment("web", 2, 2), deployment("new", 1, 0)],
        ("Pod", NS): [pod("new-abc12-x", owner=("ReplicaSet", "new-abc12"), phase="Pending")],
        ("Node", ""): [{"metadata": {"name": "n1"}, "status": {"conditions": []}}],
    }
    kube = FakeKube(objects)
    base = Baseline(
        captured_at=0.0,
        namespaces=(NS,),
        workloads=(
            WorkloadBaseline(key=WorkloadKey("Deployment", NS, "web"), replicas=2),
            WorkloadBaseline(key=WorkloadKey("Deployment", NS, "db"), replicas=1),
        ),
        nodes=("n1",),
    )
    result = HealthOracle(ClusterObserver(kube, [NS])).check(base)
    assert result.reasons == (
        f"Deployment/db -n {NS} is gone",
        f"pod/new-abc12-x -n {NS} is not ready (Pending)",
        "node/n1 is not ready",
    )
    kube.error = Unreachable("refused")
    assert (
        HealthOracle(ClusterObserver(kube, [NS]))
        .check(base)
        .reasons[0]
        .startswith("cannot observe the cluster")
    )


def test_report() -> None:
    ok, bad = OracleResult("alerts", True), OracleResult("health", False, ("web is gone",))
    assert OracleReport((ok,)).passed
    assert not OracleReport(()).passed  # nothing checked proves nothing
    report = OracleReport((ok, bad))
    assert not report.passed
    assert str(report) == "not solved (alerts passed; health failed: web is gone)"
