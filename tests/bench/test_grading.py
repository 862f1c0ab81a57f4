"""Grading and the μ trace: localization and analysis against the ground truth (component
and category matches, accepted categories), detection against whether a fault was injected
(false positives on no-fault problems), the TNR check over the visible μ path; and the same
recorded per run by the runner on problems of one's own."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from stratus.bench.agent import AgentSpec
from stratus.bench.grade import Answer, component_matches, grade
from stratus.bench.problem import Problem
from stratus.bench.runner import RunOptions, plan_jobs, run_jobs
from stratus.bench.suites import load_suite, select
from stratus.bench.trace import MuSample, MuTrace, tnr_held
from stratus.observe.clock import Clock
from stratus.observe.errors import ObserveError
from stratus.oracles.report import OracleResult
from stratus.tnr.transaction import KernelEvent
from tests.bench.problems import demo_problems

GEO = {p.id: p for p in select(load_suite("aiopslab"), ids=["revoke-auth-mongodb-geo-*"])}
QUIET = next(p for p in load_suite("aiopslab") if p.fault is None)


def _p(task: str) -> Problem:
    return GEO[f"revoke-auth-mongodb-geo-{task}"]


@pytest.mark.parametrize(
    ("answer", "right"),
    [
        ("mongodb-geo", True),
        ("Deployment/geo", True),
        ("Pod/geo-5d8c7-x2x9q", True),
        ("pods/mongodb-geo-7f-abcde", True),
        ("Service/GEO", True),
        ("Deployment/geo-v2", False),
        ("Service/geo-5d8c7", False),
        ("frontend", False),
        ("", False),
    ],
)
def test_a_component_matches_by_name_or_as_a_pod_of_it(answer: str, right: bool) -> None:
    assert component_matches(answer, ["mongodb-geo", "geo"]) is right


def test_localization_is_graded_on_the_first_component_named() -> None:
    problem = _p("localization")
    assert problem.components == ("mongodb-geo", "geo")
    right = grade(problem, Answer(components=("Deployment/mongodb-geo", "frontend")))
    assert (right.success, right.component_match) == (True, True)
    wrong = grade(problem, Answer(components=("frontend", "Deployment/geo")))
    assert (wrong.success, wrong.component_match) == (False, False)
    assert "named frontend first" in wrong.reason
    empty = grade(problem, Answer())
    assert (empty.success, empty.component_match) == (False, False)


def test_analysis_is_graded_on_the_category_or_an_accepted_one() -> None:
    problem = _p("analysis")
    assert problem.category == "credentials"
    for category, right in (
        ("credentials", True),
        ("misconfiguration", True),
        ("dependency", True),
        ("capacity", False),
    ):
        graded = grade(problem, Answer(category=category, components=("geo",)))
        assert (graded.success, graded.category_match) == (right, right), category
        assert graded.component_match is True
    unanswered = grade(problem, Answer(components=("frontend",)))
    assert (unanswered.success, unanswered.category_match, unanswered.component_match) == (
        False,
        None,
        False,
    )


def test_detection_counts_false_positives_only_on_no_fault_problems() -> None:
    assert QUIET.fault is None
    said_incident = grade(QUIET, Answer(incident=True))
    assert (said_incident.success, said_incident.false_positive) == (False, True)
    said_quiet = grade(QUIET, Answer(incident=False))
    assert (said_quiet.success, said_quiet.false_positive) == (True, False)
    silent = grade(QUIET, Answer())
    assert (silent.success, silent.false_positive) == (False, False)
    missed = grade(_p("detection"), Answer(incident=False))
    assert (missed.success, missed.false_positive) == (False, None)
    found = grade(_p("detection"), Answer(incident=True))
    assert (found.success, found.false_positive) == (True, None)


def test_mitigation_needs_every_oracle_and_at_least_one() -> None:
    problem = _p("mitigation")
    passing = [OracleResult("alerts", True, ()), OracleResult("health", True, ())]
    assert grade(problem, Answer(), passing).success
    failing = [*passing, OracleResult("check ready", False, ("Deployment/geo: 0/1 ready",))]
    graded = grade(problem, Answer(), failing)
    assert not graded.success
    assert "Deployment/geo: 0/1 ready" in graded.reason
    assert graded.oracles["check ready"] == (False, ("Deployment/geo: 0/1 ready",))
    assert not grade(problem, Answer(), []).success, "an unjudged mitigation is no success"


def _samples(*points: tuple[float, bool]) -> list[MuSample]:
    return [MuSample(t=i, mu=mu, label="", visible=v) for i, (mu, v) in enumerate(points)]


def test_tnr_holds_when_no_visible_mu_exceeds_the_initial_one() -> None:
    assert tnr_held(_samples((4, True), (9, False), (4, True), (0, True)))
    assert not tnr_held(_samples((4, True), (4.5, True), (0, True)))
    assert not tnr_held(_samples((4, True), (math.inf, True)))
    assert tnr_held(_samples((math.inf, True), (5, True)))
    assert tnr_held([])


def test_the_trace_samples_while_waiting_and_at_transaction_boundaries() -> None:
    now = [0.0]
    mus = iter([3.0, 3.5, 8.0, 9.0, 4.0, 3.0, 2.0, 1.0])

    def sleep(seconds: float) -> None:
        now[0] += seconds

    trace = MuTrace(lambda: next(mus), Clock(now=lambda: now[0], sleep=sleep), every=30)
    trace.clock.sleep(100)  # before the fault: no sample is kept
    trace.start()
    trace.clock.sleep(10)  # not yet 30 s since the last sample
    trace.clock.sleep(25)
    trace.on_kernel_event(KernelEvent("begin", 1, ""))
    trace.on_kernel_event(KernelEvent("write", 1, ""))  # not a boundary
    trace.on_kernel_event(KernelEvent("abort", 1, ""))
    trace.on_kernel_event(KernelEvent("undo", 1, ""))
    trace.on_kernel_event(KernelEvent("restored", 1, ""))
    trace.on_kernel_event(KernelEvent("commit", 2, ""))
    trace.mark("final", visible=True)
    got = [(s.t, s.mu, s.label, s.visible) for s in trace.samples]
    assert got == [
        (0.0, 3.0, "initial", True),
        (35.0, 3.5, "while waiting", False),
        (35.0, 8.0, "tx 1 begins", False),
        (35.0, 9.0, "tx 1 aborted, before its undo", False),
        (35.0, 4.0, "tx 1 undone, settling", False),
        (35.0, 3.0, "tx 1 undone", True),
        (35.0, 2.0, "tx 2 committed", True),
        (35.0, 1.0, "final", True),
    ]
    assert trace.initial == 3.0
    assert tnr_held(trace.samples)


def test_a_failed_measurement_leaves_no_sample() -> None:
    def broken() -> float:
        raise ObserveError("prometheus is down")

    trace = MuTrace(broken, Clock(now=lambda: 0.0, sleep=lambda s: None))
    trace.start()
    assert trace.samples == []
    assert math.isnan(trace.initial)


@pytest.mark.kubectl
@pytest.mark.timeout(180)
def test_the_runner_records_grades_false_positives_and_tnr_per_run(tmp_path: Path) -> None:
    problems = demo_problems(tmp_path / "problems")
    chosen = [
        problems[i]
        for i in (
            "all-quiet",
            "api-scaled-away-detection",
            "api-scaled-away-localization",
            "api-scaled-away-analysis",
            "api-scaled-away-mitigation",
        )
    ]
    # noop answers "no incident"; delete answers "incident" naming the true components
    jobs = plan_jobs(chosen, [AgentSpec(name="noop"), AgentSpec(name="delete")])
    results = {(r.problem, r.agent): r for r in run_jobs(jobs, RunOptions(out=tmp_path / "o"))}
    assert all(r.status == "ok" for r in results.values())
    quiet_noop, quiet_delete = results["all-quiet", "noop"], results["all-quiet", "delete"]
    assert (quiet_noop.success, quiet_noop.false_positive) == (True, False)
    assert (quiet_delete.success, quiet_delete.false_positive) == (False, True)
    assert results["api-scaled-away-detection", "delete"].success
    assert results["api-scaled-away-detection", "delete"].false_positive is None
    assert not results["api-scaled-away-detection", "noop"].success
    loc = results["api-scaled-away-localization", "delete"]
    assert (loc.success, loc.component_match) == (True, True)
    assert results["api-scaled-away-localization", "noop"].component_match is False
    rca = results["api-scaled-away-analysis", "delete"]
    assert (rca.success, rca.category_match) == (False, None), "it names no category"
    for r in results.values():
        visible = [s for s in r.mu if s.visible]
        assert [s.label for s in visible] == ["initial", "final"]
        assert r.mu_initial == visible[0].mu
        assert r.mu_final == visible[-1].mu
        assert r.tnr_held is (r.mu_final <= r.mu_initial)
    mit = results["api-scaled-away-mitigation", "delete"]
    assert not mit.success
    assert mit.mu_initial > 0, "the fault shows before the agent starts"
    assert results["all-quiet", "noop"].mu_initial == 0
