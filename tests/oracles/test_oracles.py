"""The oracles on HotelReservation in the emulated cloud: they fail during a fault, each for
its own reason, and all pass once the fault is fixed and the system has settled."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from stratus.observe.baseline import capture_baseline
from stratus.oracles import HealthOracle, evaluate
from stratus.sim.faults import FaultCatalog
from tests.observe.lab import Lab

FAULT = "revoke-auth-mongodb-geo"


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    with Lab(tmp_path) as lab:
        yield lab


def test_fail_during_the_fault_and_pass_after_the_fix(lab: Lab) -> None:
    lab.inject(FAULT)
    baseline = capture_baseline(lab.prometheus, lab.cluster, lab.entrypoints)
    during = evaluate(lab.prometheus, lab.cluster, baseline, clock=lab.clock)
    assert not during.passed
    assert during.elapsed == 0  # no need to wait out a window to know
    alerts, requests, health = (during.result(n) for n in ("alerts", "requests", "health"))
    assert any("KubePodCrashLooping (pod geo-" in r for r in alerts.reasons)
    assert any("frontend fail" in r for r in requests.reasons), requests
    assert any(r.startswith("Deployment/geo") and "0/1 ready" in r for r in health.reasons)
    assert str(during).startswith("not solved")

    lab.cloud.recover(FaultCatalog().get(FAULT))
    lab.settle(600)
    after = evaluate(lab.prometheus, lab.cluster, baseline, clock=lab.clock)
    assert after.passed, str(after)
    assert after.elapsed >= 120  # alerts stayed clear for the whole window
    assert str(after).startswith("solved")


def test_a_zero_scaled_workload_is_not_healthy(lab: Lab) -> None:
    baseline = capture_baseline(lab.prometheus, lab.cluster, lab.entrypoints)
    assert evaluate(lab.prometheus, lab.cluster, baseline, clock=lab.clock, window=30).passed
    lab.scale("recommendation", 0)
    lab.settle(60)
    (problem,) = HealthOracle(lab.cluster).check(baseline).reasons
    assert problem.startswith("Deployment/recommendation")
    assert problem.endswith("scaled to zero")
    allowed = HealthOracle(lab.cluster, allow_zero=[f"{lab.namespace}/recommendation"])
    assert allowed.check(baseline).passed
