"""The runner on small problems of one's own: each result is appended to results.jsonl as
it finishes; ``resume`` skips what is done; a problem that crashes (a fault step that fails,
an agent that cannot be built) is recorded as an error with its traceback and the run goes
on; ``stratus bench --problems DIR`` runs a folder of one's own and writes the reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stratus.agents.protocols import AgentSet
from stratus.bench.agent import AgentSpec, AgentTask
from stratus.bench.results import ProblemResult, read_results
from stratus.bench.runner import RESULTS_FILE, Job, RunOptions, plan_jobs, run_jobs
from stratus.cli import app as cli
from tests.bench.problems import demo_problems, write_problems

pytestmark = [pytest.mark.kubectl, pytest.mark.timeout(180)]

runner = CliRunner()
NOOP = AgentSpec(name="noop")


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_results_are_appended_as_each_run_finishes_and_a_crash_does_not_stop_the_run(
    tmp_path: Path,
) -> None:
    problems = demo_problems(tmp_path / "problems")
    jobs = plan_jobs(
        [problems["broken-step"], problems["api-scaled-away-mitigation"]],
        [NOOP, AgentSpec(name="scale-zero")],
    )
    out = tmp_path / "out"
    seen: list[tuple[str, int, int, int]] = []

    def on_result(result: ProblemResult, done: int, total: int) -> None:
        on_disk = _lines(out / RESULTS_FILE)
        seen.append((result.key, done, total, len(on_disk)))
        assert on_disk[-1]["problem"] == result.problem
        assert on_disk[-1]["agent"] == result.agent

    results = run_jobs(jobs, RunOptions(out=out), on_result)
    assert [(done, total, lines) for _, done, total, lines in seen] == [
        (1, 4, 1),
        (2, 4, 2),
        (3, 4, 3),
        (4, 4, 4),
    ]
    assert [r.key for r in results] == [j.key for j in jobs]
    crashed = [r for r in results if r.problem == "broken-step"]
    assert [r.status for r in crashed] == ["error", "error"]
    for r in crashed:
        assert r.error.startswith("StageError: broken-step: injecting broken-step failed")
        assert "Traceback (most recent call last)" in r.error
        assert "no-such-thing" in r.error
        assert r.reason.startswith("error: StageError")
        assert not r.success
    ran = [r for r in results if r.problem == "api-scaled-away-mitigation"]
    assert [r.status for r in ran] == ["ok", "ok"]
    assert all(not r.success for r in ran), "neither doing nothing nor scaling away fixes it"
    assert ran[1].actions == ("kubectl scale deployment api --replicas=0",)
    assert "health" in ran[1].oracles
    back = read_results([out])
    assert [r.model_dump_json() for r in back] == [r.model_dump_json() for r in results]


def test_resume_skips_finished_runs_and_retries_errors(tmp_path: Path) -> None:
    problems = demo_problems(tmp_path / "problems")
    out = tmp_path / "out"
    first = plan_jobs([problems["broken-step"], problems["all-quiet"]], [NOOP])
    before = run_jobs(first, RunOptions(out=out))
    assert [r.status for r in before] == ["error", "ok"]

    more = plan_jobs(
        [problems["broken-step"], problems["all-quiet"]], [NOOP, AgentSpec(name="delete")]
    )
    ran: list[str] = []
    after = run_jobs(more, RunOptions(out=out, resume=True), lambda r, d, t: ran.append(r.key))
    assert sorted(ran) == sorted([more[0].key, more[1].key, more[3].key]), (
        "the error is run again; the finished run is not"
    )
    assert [r.key for r in after] == [j.key for j in more]
    kept = next(r for r in after if r.key == first[1].key)
    assert kept.model_dump_json() == before[1].model_dump_json(), "kept as it was"
    assert len(_lines(out / RESULTS_FILE)) == 2 + 3

    again: list[str] = []
    run_jobs(first[1:], RunOptions(out=out), lambda r, d, t: again.append(r.key))
    assert again == [first[1].key], "without resume the run starts afresh"
    assert len(_lines(out / RESULTS_FILE)) == 1


def test_an_agent_that_cannot_be_built_is_an_error_and_the_next_problem_runs(
    tmp_path: Path,
) -> None:
    problems = demo_problems(tmp_path / "problems")

    def broken(spec: AgentSpec, task: AgentTask) -> AgentSet:
        raise RuntimeError(f"no model for {spec.label} on {task.task}")

    jobs = [
        Job(problems["api-scaled-away-detection"], AgentSpec(name="stratus"), 0, 0),
        Job(problems["all-quiet"], NOOP, 0, 0),
    ]
    first, second = run_jobs(jobs, RunOptions(out=tmp_path / "out", agents=broken))
    assert first.status == "error"
    assert first.error.startswith("RuntimeError: no model for stratus/offline on detection")
    assert "Traceback (most recent call last)" in first.error
    assert "in broken" in first.error
    assert second.status == "ok"
    assert second.success, "noop says all is quiet, and it is"


def test_bench_runs_a_folder_of_ones_own_problems(tmp_path: Path) -> None:
    folder = write_problems(tmp_path / "problems")
    out = tmp_path / "out"
    got = runner.invoke(
        cli,
        [
            "bench",
            "--problems",
            str(folder),
            "--only",
            "all-quiet",
            "--only",
            "api-scaled-away-loc*",
            "--agent",
            "noop",
            "--agent",
            "delete",
            "--workers",
            "1",
            "--out",
            str(out),
        ],
    )
    assert got.exit_code == 0, got.output
    results = {(r.problem, r.agent): r for r in read_results([out])}
    assert set(results) == {
        ("all-quiet", "noop"),
        ("all-quiet", "delete"),
        ("api-scaled-away-localization", "noop"),
        ("api-scaled-away-localization", "delete"),
    }
    assert (out / "report.md").read_text().startswith("# STRATUS benchmark: problems")
    assert "<svg" in (out / "report.html").read_text()
    assert "localization" in got.output


def test_bench_refuses_a_bad_selection(tmp_path: Path) -> None:
    folder = write_problems(tmp_path / "problems")
    got = runner.invoke(cli, ["bench", "--problems", str(folder), "--only", "nothing"])
    assert got.exit_code == 2
    assert "the selection names no problem" in got.output
    got = runner.invoke(cli, ["bench", "--suite", "aiopslab", "--problems", str(folder)])
    assert got.exit_code == 2
    assert "one of --suite or --problems" in got.output
    got = runner.invoke(cli, ["bench", "--problems", str(folder), "--agent", "nobody"])
    assert got.exit_code == 2
