"""``stratus bench``: run problem suites against an agent, and report on the results."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from stratus.bench.problem import Problem
    from stratus.bench.results import ProblemResult

__all__ = ["bench_app"]

bench_app = typer.Typer(
    help="Benchmark agents on problem suites in fresh emulated clouds (see docs/benchmark.md).",
    invoke_without_command=True,
)
_console = Console(highlight=False)
_err = Console(stderr=True, highlight=False)


@bench_app.callback(invoke_without_command=True)
def bench(
    ctx: typer.Context,
    suite: Annotated[
        str | None, typer.Option(help="A shipped suite: aiopslab, sregym or all.")
    ] = None,
    problems: Annotated[
        list[Path] | None, typer.Option(help="Problem files or folders (repeatable).")
    ] = None,
    task: Annotated[
        list[str] | None,
        typer.Option(help="Only these tasks: detection, localization, analysis, mitigation."),
    ] = None,
    only: Annotated[
        list[str] | None, typer.Option(help="Only these problem ids (a trailing * matches).")
    ] = None,
    agent: Annotated[
        list[str] | None,
        typer.Option(
            help="stratus, no-retry, naive-retry, react, or a scripted actor (noop, delete, "
            "scale-zero, cordon); repeat to run several."
        ),
    ] = None,
    model: Annotated[str, typer.Option(help="offline, or provider:name.")] = "offline",
    brain: Annotated[
        str, typer.Option(help="model, or stochastic (the TNR ablation's seeded policy).")
    ] = "model",
    p_right: Annotated[
        float, typer.Option(min=0, max=1, help="Stochastic policy: chance a proposal is right.")
    ] = 0.3,
    p_harmful: Annotated[
        float, typer.Option(min=0, max=1, help="Stochastic policy: chance a wrong one harms.")
    ] = 0.5,
    kernel_policy: Annotated[
        Path | None, typer.Option(help="Safety-kernel policy file for the agents (YAML).")
    ] = None,
    attempts: Annotated[int, typer.Option(min=1, help="Mitigation attempts per problem.")] = 5,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Problems run in parallel (default: cores).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of each cloud (repeat r adds r).")] = 0,
    repeat: Annotated[int, typer.Option(min=1, help="Runs of each problem.")] = 1,
    out: Annotated[
        Path | None, typer.Option(help="Results folder (default: bench-results/<suite>).")
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Skip runs already in the results file.")
    ] = False,
    warmup: Annotated[
        float | None, typer.Option(min=0, help="Virtual warm-up seconds for every problem.")
    ] = None,
    keep: Annotated[
        bool, typer.Option("--keep", help="Keep each run's kubeconfig and journal.")
    ] = False,
    warm_cache: Annotated[
        bool,
        typer.Option(
            "--warm-cache",
            help="Warm each app up once per worker and start every run from a copy of it "
            "(same results, less time).",
        ),
    ] = False,
) -> None:
    """Run problems (a suite, or your own files) and write results.jsonl, report.md and
    report.html into --out."""
    if ctx.invoked_subcommand is not None:
        return
    from stratus.bench.agent import AgentSpec
    from stratus.bench.errors import BenchError
    from stratus.bench.reports import write_reports
    from stratus.bench.runner import RunOptions, plan_jobs, run_jobs
    from stratus.cli.bench_progress import BenchProgress

    try:
        chosen = _problems(suite, problems, task, only)
        specs = [
            AgentSpec.model_validate(
                {
                    "name": name,
                    "model": model,
                    "brain": brain,
                    "kernel_policy": str(kernel_policy) if kernel_policy else None,
                    "attempts": attempts,
                    "p_right": p_right,
                    "p_harmful": p_harmful,
                }
            )
            for name in agent or ["stratus"]
        ]
    except (BenchError, ValueError) as exc:
        _err.print(f"[red]error:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(2) from exc
    folder = out or Path("bench-results") / (suite or "problems")
    jobs = plan_jobs(chosen, specs, seed=seed, repeats=repeat)
    options = RunOptions(
        out=folder,
        workers=workers or os.cpu_count() or 1,
        resume=resume,
        warmup=warmup,
        keep=keep,
        warm=warm_cache,
    )
    with BenchProgress(_console, len(jobs)) as progress:
        results = run_jobs(jobs, options, progress.finished)
    md, html = write_reports(results, folder, f"STRATUS benchmark: {suite or 'problems'}")
    _summary(results)
    _console.print(f"results: {folder / 'results.jsonl'}\nreports: {md}, {html}")


def _problems(
    suite: str | None, files: list[Path] | None, tasks: list[str] | None, ids: list[str] | None
) -> list[Problem]:
    from stratus.bench.errors import SuiteError
    from stratus.bench.loading import load_problems
    from stratus.bench.suites import load_suite, select

    if (suite is None) == (not files):
        raise SuiteError("give one of --suite or --problems")
    found = load_suite(suite) if suite is not None else load_problems(files or [])
    return select(found, tasks=tasks or (), ids=ids or ())


def _summary(results: list[ProblemResult]) -> None:
    from stratus.bench.metrics import group
    from stratus.bench.report_md import agent_title

    for (task, agent), s in group(results, "task", "agent").items():
        rate = f"{100 * s.rate:.1f}%" if s.runs else "-"
        _console.print(
            f"{task:<13} {agent_title(agent):<28} {rate:>6} ({s.successes}/{s.runs})"
            + (f"  errors {s.errors}" if s.errors else "")
        )


@bench_app.command("report")
def report(
    results: Annotated[list[Path], typer.Argument(help="results.jsonl files or run folders.")],
    out: Annotated[
        Path | None, typer.Option(help="Where to write the reports (default: beside the first).")
    ] = None,
    title: Annotated[str, typer.Option(help="The reports' title.")] = "STRATUS benchmark",
) -> None:
    """Re-render report.md and report.html from results files."""
    from stratus.bench.errors import ResultsError
    from stratus.bench.reports import write_reports
    from stratus.bench.results import read_results

    try:
        found = read_results(results)
    except ResultsError as exc:
        _err.print(f"[red]error:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(2) from exc
    first = results[0]
    folder = out or (first if first.is_dir() else first.parent)
    md, html = write_reports(found, folder, title)
    _summary(found)
    _console.print(f"reports: {md}, {html}")


@bench_app.command("compare")
def compare(
    a: Annotated[Path, typer.Argument(help="The first run (results.jsonl or its folder).")],
    b: Annotated[Path, typer.Argument(help="The second run.")],
    out: Annotated[Path | None, typer.Option(help="Write the comparison here.")] = None,
) -> None:
    """Two runs side by side: success, time and cost per task and agent; changed verdicts."""
    from stratus.bench.compare import compare_report
    from stratus.bench.errors import ResultsError
    from stratus.bench.results import read_results

    try:
        text = compare_report(read_results([a]), read_results([b]), str(a), str(b))
    except ResultsError as exc:
        _err.print(f"[red]error:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(2) from exc
    if out is not None:
        out.write_text(text, encoding="utf-8")
        _console.print(f"comparison: {out}")
    else:
        typer.echo(text, nl=False)


@bench_app.command("list")
def list_problems(
    suite: Annotated[str | None, typer.Option(help="A shipped suite.")] = None,
    problems: Annotated[list[Path] | None, typer.Option(help="Problem files or folders.")] = None,
    task: Annotated[list[str] | None, typer.Option(help="Only these tasks.")] = None,
) -> None:
    """List problems: id, task, app, fault, root-cause category."""
    from stratus.bench.errors import BenchError

    try:
        chosen = _problems(suite or ("all" if not problems else None), problems, task, None)
    except BenchError as exc:
        _err.print(f"[red]error:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(2) from exc
    for p in chosen:
        fault = p.fault.name if p.fault else "-"
        _console.print(f"{p.id:<52} {p.task:<13} {p.app_name:<18} {fault:<44} {p.category}")
    _console.print(f"{len(chosen)} problems")


@bench_app.command("check")
def check(
    paths: Annotated[list[Path], typer.Argument(help="Problem files or folders.")],
) -> None:
    """Check problem files; a malformed one is named with the place and the reason."""
    from stratus.bench.errors import ProblemError
    from stratus.bench.loading import load_problems

    try:
        found = load_problems(paths)
    except ProblemError as exc:
        _err.print(f"[red]invalid:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(2) from exc
    _console.print(f"{len(found)} problems, all valid")
