"""The problem files: every shipped problem loads and agrees with the fault catalogue and its
task's needs; a malformed file is refused naming its path and the reason (through the
loading API and ``stratus bench check``); a file of one's own loads and selects."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from stratus.agents.results import CATEGORIES
from stratus.bench.errors import ProblemError, SuiteError
from stratus.bench.loading import load_problem_file, load_problems
from stratus.bench.problem import Problem
from stratus.bench.suites import load_suite, select, suite_dir
from stratus.cli import app as cli
from stratus.sim.faults import FaultCatalog

runner = CliRunner()
SUITES = ("aiopslab", "sregym")
CATALOG = FaultCatalog()
ALL = [p for suite in SUITES for p in load_suite(suite)]


def _ids(problems: list[Problem]) -> list[str]:
    return [p.id for p in problems]


@pytest.mark.parametrize("suite", SUITES)
def test_every_suite_loads_and_has_every_task(suite: str) -> None:
    problems = load_suite(suite)
    assert problems
    assert len(set(_ids(problems))) == len(problems), "ids are unique in a suite"
    tasks = {p.task for p in problems}
    assert "mitigation" in tasks
    assert all(p.origin.startswith(str(suite_dir(suite))) for p in problems)
    assert all(suite in p.doc.tags for p in problems), "reports find a run's suite by its tag"


def test_the_suites_hold_what_the_docs_say() -> None:
    aiopslab = load_suite("aiopslab")
    assert len([p for p in aiopslab if p.task == "mitigation"]) == 14
    assert {p.task for p in aiopslab} == {"detection", "localization", "analysis", "mitigation"}
    assert any(p.fault is None for p in aiopslab), "no-fault detection problems"
    assert len(load_suite("all")) == len(ALL)


@pytest.mark.parametrize("problem", ALL, ids=_ids(ALL))
def test_a_shipped_problem_is_consistent(problem: Problem) -> None:
    doc, gt = problem.doc, problem.doc.ground_truth
    if problem.fault is not None:
        assert isinstance(doc.fault, str), "shipped problems name catalogue faults"
        fault = CATALOG.get(doc.fault)
        assert fault == problem.fault
        assert fault.app == problem.app_name
        assert problem.components, "the fault names its components"
        assert problem.category in CATEGORIES
        for accepted in gt.accept:
            assert accepted in CATEGORIES
    else:
        assert problem.task == "detection"
        assert problem.category == "none"
    if problem.task == "localization":
        assert problem.components
    if problem.task == "analysis":
        assert gt.category is not None
    if problem.task == "mitigation":
        oracle = doc.oracle
        assert oracle.kernel, "a mitigation problem has an oracle"
        assert oracle.checks, "and checks of its own beyond the kernel's generic oracles"
        assert "health" in oracle.kernel, "so removing a workload never passes"
    assert problem.entrypoints, "the load's target is the user-facing service"


def _write(tmp_path: Path, text: str, name: str = "problem.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


GOOD = """\
id: my-geo-selector
app: hotel-reservation
task: {task}
fault: wrong-service-selector-geo
ground_truth: {{category: service-routing}}
tags: [mine]
"""


@pytest.mark.parametrize(
    ("text", "field", "reason"),
    [
        ("id: x\napp: [unclosed\n", "", "cannot read problem file"),
        (GOOD.format(task="mitigation") + "colour: blue\n", "colour", "Extra inputs"),
        (GOOD.format(task="mitigation") + "load: {rate: fast}\n", "load.rate", "valid number"),
        (
            GOOD.format(task="mitigation").replace("wrong-service-selector-geo", "no-such-fault"),
            "fault",
            "no fault named 'no-such-fault'",
        ),
        (GOOD.format(task="repair"), "task", "'detection'"),
        (GOOD.format(task="[detection, repair]"), "task", "unknown task 'repair'"),
        (
            GOOD.format(task="mitigation").replace("hotel-reservation", "no-such-app"),
            "app",
            "neither a built-in app nor a folder",
        ),
        (
            GOOD.format(task="mitigation").replace(
                "wrong-service-selector-geo", "target-port-misconfig-text-service"
            ),
            "fault",
            "breaks social-network, not hotel-reservation",
        ),
        ("id: x\napp: hotel-reservation\ntask: localization\n", "", "needs a fault"),
        (
            GOOD.format(task="mitigation")
            + "oracle:\n  checks:\n    - field: {kind: Service, name: geo, path: spec}\n",
            "oracle.checks[0].field",
            "exactly one of equals",
        ),
        (
            GOOD.format(task="mitigation")
            + "oracle:\n  checks:\n    - ready: {workloads: [geo]}\n",
            "oracle.checks[0].ready",
            "expected Kind/name",
        ),
        ("problems: []\n", "problems", "non-empty list"),
        ("problems: [{id: a}]\nextra: 1\n", "extra", "unknown key"),
    ],
    ids=[
        "bad-yaml",
        "unknown-field",
        "wrong-type",
        "unknown-fault",
        "unknown-task",
        "unknown-task-in-list",
        "unknown-app",
        "fault-of-another-app",
        "no-fault",
        "check-without-comparator",
        "ready-without-kind",
        "empty-list",
        "unknown-top-key",
    ],
)
def test_a_malformed_problem_is_refused_with_its_path_and_reason(
    tmp_path: Path, text: str, field: str, reason: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ProblemError) as caught:
        load_problems([tmp_path])
    error = caught.value
    assert error.path == str(path)
    assert field in error.field
    assert reason in error.reason
    assert str(path) in str(error)
    result = runner.invoke(cli, ["bench", "check", str(path)])
    assert result.exit_code == 2
    assert result.output.startswith("invalid: ")
    assert str(path) in result.output
    assert reason in result.output


def test_check_accepts_valid_files_and_counts_their_problems(tmp_path: Path) -> None:
    _write(tmp_path, GOOD.format(task="[detection, localization, mitigation]"))
    result = runner.invoke(cli, ["bench", "check", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "3 problems, all valid" in result.output
    result = runner.invoke(cli, ["bench", "check", str(suite_dir("aiopslab"))])
    assert result.exit_code == 0, result.output
    assert f"{len(load_suite('aiopslab'))} problems" in result.output


def test_a_task_list_expands_to_one_problem_per_task(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.format(task="[detection, mitigation]"))
    detection, mitigation = load_problem_file(path)
    assert (detection.id, detection.task) == ("my-geo-selector-detection", "detection")
    assert (mitigation.id, mitigation.task) == ("my-geo-selector-mitigation", "mitigation")
    assert mitigation.components == ("geo",), "from the catalogue fault"
    assert mitigation.namespace == "test-hotel-reservation"
    assert mitigation.entrypoints == ("frontend",)


def test_a_duplicate_id_across_files_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, GOOD.format(task="mitigation"), "a.yaml")
    second = _write(tmp_path, GOOD.format(task="mitigation"), "b.yaml")
    with pytest.raises(ProblemError, match="also defined in") as caught:
        load_problems([tmp_path])
    assert caught.value.path == str(second)


def test_an_inline_fault_gets_its_ground_truth_from_the_problem(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """\
id: scale-geo
app: hotel-reservation
task: mitigation
fault:
  inject: [{kubectl: "scale deployment geo -n {namespace} --replicas=0"}]
  settle: 120
ground_truth: {components: [geo], category: capacity}
""",
    )
    [problem] = load_problem_file(path)
    assert problem.fault is not None
    assert problem.fault.name == "scale-geo"
    assert problem.fault.components == ["geo"]
    assert problem.fault.settle == 120
    assert problem.category == "capacity"


def test_select_filters_and_refuses_an_empty_selection() -> None:
    problems = load_suite("aiopslab")
    chosen = select(problems, tasks=["mitigation"], ids=["revoke-auth-*"])
    assert _ids(chosen) == [
        "revoke-auth-mongodb-geo-mitigation",
        "revoke-auth-mongodb-rate-mitigation",
    ]
    assert {p.task for p in select(problems, tags=["symptomatic"])} <= {
        "detection",
        "localization",
    }
    with pytest.raises(SuiteError, match="names no problem"):
        select(problems, ids=["nothing-like-this"])
    with pytest.raises(SuiteError, match="no task"):
        select(problems, tasks=["repair"])
    with pytest.raises(SuiteError, match="no suite"):
        load_suite("nope")
