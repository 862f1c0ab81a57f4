"""The offline policy end to end on the emulated cloud, through the public endpoints only:
a representative fault of each app is resolved (checked by the oracles) with TNR holding;
a fault no cluster-level action can fix is escalated without any write; a one-shot run
rebuilds its reference from what the cluster records."""

from __future__ import annotations

from pathlib import Path

import pytest

from stratus.agents import build_agents
from stratus.lab import IncidentLab, LabRun
from stratus.machine import IncidentReport
from stratus.tnr.policy import Policy

pytestmark = [pytest.mark.kubectl, pytest.mark.timeout(120)]


def _run(
    fault: str, app: str, tmp_path: Path, *, one_shot: bool = False, policy: Policy | None = None
) -> LabRun:
    with IncidentLab(app, tmp_path) as lab:
        return lab.run(fault, build_agents("offline"), one_shot=one_shot, policy=policy)


def _tnr_held(report: IncidentReport) -> None:
    """No state an observer sees is worse than the initial one, and every kept
    transaction kept μ from rising."""
    assert max(report.visible_mu) <= report.mu_initial
    for attempt in report.attempts:
        tx = attempt.transaction
        if tx is not None and tx.outcome == "committed":
            assert tx.mu_post <= tx.mu_pre
        if tx is not None and tx.outcome == "aborted-and-undone":
            assert tx.undo_faithful


@pytest.mark.parametrize(
    ("fault", "app"),
    [
        ("wrong-service-selector-geo", "hotel-reservation"),
        ("misconfig-app-geo", "hotel-reservation"),
        ("target-port-misconfig-text-service", "social-network"),
        ("auth-miss-mongodb", "social-network"),
        ("missing-env-var-checkout", "astronomy-shop"),
    ],
)
def test_the_offline_policy_resolves_a_fault(fault: str, app: str, tmp_path: Path) -> None:
    report = _run(fault, app, tmp_path).report
    assert report.outcome == "resolved", report.reason
    assert report.final_oracles is not None
    assert report.final_oracles.passed
    assert report.attempts[-1].outcome == "resolved"
    _tnr_held(report)


def test_a_one_shot_run_rebuilds_its_reference_and_rolls_back(tmp_path: Path) -> None:
    run = _run("bad-image-tag-geo", "hotel-reservation", tmp_path, one_shot=True)
    assert run.reference == "reconstructed"
    assert run.report.outcome == "resolved", run.report.reason
    plan = run.report.attempts[0].mitigation.plan
    assert plan is not None
    assert "rollout undo" in plan.commands[0]
    _tnr_held(run.report)


def test_a_fault_inside_the_database_is_escalated_without_writing(tmp_path: Path) -> None:
    report = _run("revoke-auth-mongodb-geo", "hotel-reservation", tmp_path).report
    assert report.outcome == "escalated"
    assert report.attempts
    assert report.attempts[0].diagnosis.category == "credentials"
    assert all(not a.mitigation.writes for a in report.attempts)
    assert any(
        "refused by policy: Restore the MongoDB user admin" in r for r in report.recommendations
    )
    assert all(a.transaction is None or a.transaction.outcome == "empty" for a in report.attempts)
    assert any("not authorized" in r for r in report.recommendations)
    _tnr_held(report)


def test_a_policy_that_allows_exec_lets_it_restore_the_database_user(tmp_path: Path) -> None:
    report = _run(
        "revoke-auth-mongodb-geo",
        "hotel-reservation",
        tmp_path,
        policy=Policy(allow_irreversible=True),
    ).report
    assert report.outcome == "resolved", report.reason
    plan = report.attempts[0].mitigation.plan
    assert plan is not None
    assert plan.commands[0].startswith("kubectl exec deployment/mongodb-geo ")
    assert all(w.ok for w in report.attempts[0].mitigation.writes)
    _tnr_held(report)
