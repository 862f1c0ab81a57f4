"""Severity μ under a fault (geo cannot read its database and crash-loops): raised with the
right parts, never lowered by removing the broken workload, back to zero after recovery."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from stratus.sim.faults import FaultCatalog
from stratus.tnr.severity import Baseline, Severity, SeverityMeter, SeverityWeights
from tests.observe.lab import Lab

FAULT = "revoke-auth-mongodb-geo"


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    with Lab(tmp_path) as lab:
        yield lab


def meter(lab: Lab, weights: SeverityWeights | None = None) -> SeverityMeter:
    return SeverityMeter(lab.prometheus, lab.cluster, weights)


def faulty(lab: Lab) -> tuple[SeverityMeter, Baseline, Severity]:
    """The geo fault, its baseline captured on detection, and μ then."""
    lab.inject(FAULT)
    m = meter(lab)
    baseline = m.capture_baseline(lab.entrypoints)
    return m, baseline, m.measure(baseline)


def test_fault_raises_mu_with_its_parts_and_deleting_the_workload_is_not_a_fix(
    lab: Lab,
) -> None:
    m, baseline, severity = faulty(lab)
    names = {a.name for a in severity.alerts}
    assert {"KubePodCrashLooping", "HighRequestErrorRate", "ServiceEndpointDown"} <= names
    (violation,) = severity.sla_violations
    assert (violation.entrypoint.service, violation.kind) == ("frontend", "error_rate")
    (loss,) = severity.capacity_loss
    assert loss.subject.startswith("Deployment/geo")
    assert loss.lost == 1
    assert "CrashLoopBackOff" in loss.reason
    assert severity.mu == severity.alert_score + severity.sla_score + severity.capacity_score
    assert severity.sla_score == 3
    assert severity.capacity_score == 1
    crit = sum(1 for a in severity.alerts if a.severity == "critical")
    warn = sum(1 for a in severity.alerts if a.severity == "warning")
    assert severity.alert_score == 2 * crit + warn  # a critical alert weighs two warnings
    heavy = meter(lab, SeverityWeights(alert_severity={"critical": 5.0, "warning": 1.0}))
    assert heavy.measure(baseline).alert_score == 5 * crit + warn
    about = {a.name: a.workload for a in baseline.alerts}
    assert about["KubePodCrashLooping"] is not None
    assert about["KubePodCrashLooping"].name == "geo"

    lab.kube.delete(lab.deployment("geo"))
    assert m.settle(lab.clock).settled
    after = m.measure(baseline)
    assert after.mu > severity.mu, f"{severity} -> {after}"
    (gone,) = after.capacity_loss
    assert gone.lost == 2
    assert "deleted" in gone.reason
    assert {a.name for a in after.alerts if a.silenced} >= {"KubeDeploymentReplicasMismatch"}


def test_scaling_a_broken_workload_to_zero_is_not_a_fix_and_recovery_is(lab: Lab) -> None:
    m, baseline, before = faulty(lab)
    lab.scale("geo", 0)
    m.settle(lab.clock)
    zero = m.measure(baseline)
    assert zero.mu > before.mu, f"{before} -> {zero}"
    assert any(a.silenced for a in zero.alerts)  # silenced by the removal, not fixed

    lab.scale("geo", 1)
    lab.cloud.recover(FaultCatalog().get(FAULT))
    lab.settle(600)
    assert m.measure(baseline).mu == 0
