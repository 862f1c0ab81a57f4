"""Severity μ of HotelReservation under load in the emulated cloud, seen only through the
Kubernetes and Prometheus APIs: zero when healthy, raised by a workload scaled to zero,
infinite when every entrypoint or the API is gone. (Each test takes one warmed-up cloud
through several steps: warming up is the slow part.) Faults: ``test_severity_faults``."""

from __future__ import annotations

import json
import math
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from stratus.kube.errors import Unreachable
from stratus.observe.cluster import ClusterObserver
from stratus.observe.errors import EndpointUnreachable
from stratus.observe.prometheus import PrometheusClient
from stratus.tnr.severity import Baseline, Severity, SeverityMeter, SeverityWeights
from tests.observe.fakes import FakeKube
from tests.observe.lab import Lab


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    with Lab(tmp_path) as lab:
        yield lab


def meter(lab: Lab, weights: SeverityWeights | None = None) -> SeverityMeter:
    return SeverityMeter(lab.prometheus, lab.cluster, weights)


def test_healthy_is_zero_and_a_zero_scaled_workload_is_lost_capacity(lab: Lab) -> None:
    m = meter(lab)
    baseline = m.capture_baseline(lab.entrypoints)
    assert len(baseline.workloads) == 19
    assert baseline.alerts == ()
    (ep,) = baseline.entrypoints
    assert ep.rate is not None
    assert ep.rate > 10
    assert ep.p95_ms is not None
    assert ep.p95_ms < 50
    healthy = m.measure(baseline)
    assert healthy.mu == 0, str(healthy)
    assert not healthy.crashed

    lab.scale("profile", 0)
    assert m.settle(lab.clock).complete
    severity = m.measure(baseline)
    (loss,) = severity.capacity_loss
    assert loss.subject.startswith("Deployment/profile")
    assert "scaled to zero" in loss.reason
    assert severity.capacity_score == 2  # its one replica, and the workload itself
    assert severity.mu > 0
    assert not severity.crashed


def test_every_entrypoint_failing_then_no_api_is_a_crash(lab: Lab) -> None:
    m = meter(lab)
    baseline = m.capture_baseline(lab.entrypoints)
    lab.scale("frontend", 0)
    m.settle(lab.clock)
    severity = m.measure(baseline)
    assert severity.crashed
    assert math.isinf(severity.mu)
    assert "every entrypoint is failing" in severity.crash_reason
    assert [v.kind for v in severity.sla_violations] == ["unserved"]

    lab.api.stop()
    severity = m.measure(baseline)
    assert severity.crashed
    assert math.isinf(severity.mu)
    assert "Kubernetes API is unreachable" in severity.crash_reason
    assert str(severity).startswith("μ=∞")
    assert json.loads(severity.model_dump_json())["mu"] == "Infinity"
    assert Severity.model_validate_json(severity.model_dump_json()).mu == math.inf
    assert Baseline.model_validate_json(baseline.model_dump_json()) == baseline


def test_unreachable_prometheus_is_an_error_unless_the_api_is_gone_too() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{s.getsockname()[1]}"
    cluster = ClusterObserver(FakeKube({}), ["shop"], nodes=False)
    baseline = Baseline(captured_at=0.0, namespaces=("shop",), workloads=())
    blind = SeverityMeter(PrometheusClient(nowhere, timeout=2), cluster)
    with pytest.raises(EndpointUnreachable, match="Prometheus"):
        blind.measure(baseline)
    # with the Kubernetes API gone too, the cluster is down: that is the crash state
    kube = FakeKube({})
    kube.error = Unreachable("connection refused")
    down = SeverityMeter(PrometheusClient(nowhere, timeout=2), ClusterObserver(kube, ["shop"]))
    severity = down.measure(baseline)
    assert severity.crashed
    assert "connection refused" in severity.crash_reason
