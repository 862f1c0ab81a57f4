"""Running many problems: each in a fresh emulated cloud, in parallel worker processes, each
result appended to ``<out>/results.jsonl`` as it finishes (so ``resume`` skips what is done),
a crashing problem recorded as an error and the run going on."""

from __future__ import annotations

import contextlib
import multiprocessing
import shutil
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from stratus.bench.agent import AgentSpec
from stratus.bench.agents import AgentFactory
from stratus.bench.execute import run_problem
from stratus.bench.problem import Problem
from stratus.bench.results import ProblemResult, append_result, read_results, result_key
from stratus.bench.warm import WarmClouds

__all__ = ["Job", "RunOptions", "plan_jobs", "run_jobs"]

RESULTS_FILE = "results.jsonl"
_WARM = WarmClouds()  # per process: each worker keeps its own
OnResult = Callable[[ProblemResult, int, int], None]


@dataclass(frozen=True)
class Job:
    problem: Problem
    spec: AgentSpec
    seed: int
    repeat: int

    @property
    def key(self) -> str:
        return result_key(self.problem.id, self.spec.label, self.seed, self.repeat)


@dataclass(frozen=True)
class RunOptions:
    """``workers`` 1 runs in this process (and allows an ``agents`` factory that cannot be
    sent to another process); ``warmup`` overrides every problem's; ``keep`` keeps each
    problem's working folder (kubeconfig, journal) under ``<out>/work``; ``warm`` reuses a
    process's warm-ups (each run gets a copy; the results are the same as without)."""

    out: Path
    workers: int = 1
    resume: bool = False
    warmup: float | None = None
    keep: bool = False
    sample_every: float = 30.0
    warm: bool = False
    agents: AgentFactory | None = field(default=None, compare=False)


def plan_jobs(
    problems: Sequence[Problem], specs: Sequence[AgentSpec], seed: int = 0, repeats: int = 1
) -> list[Job]:
    """Every problem, agent and repeat, problem-major (so agents interleave)."""
    return [Job(p, s, seed, r) for p in problems for r in range(repeats) for s in specs]


def run_jobs(
    jobs: Sequence[Job], options: RunOptions, on_result: OnResult | None = None
) -> list[ProblemResult]:
    """Run the jobs not already in ``<out>/results.jsonl`` (with ``resume``; without it the
    file starts afresh) and return every result of these jobs, old and new."""
    path = options.out / RESULTS_FILE
    done: dict[str, ProblemResult] = {}
    if options.resume and path.exists():
        done = {r.key: r for r in read_results([path]) if r.status == "ok"}
    elif path.exists():
        path.unlink()
    todo = [j for j in jobs if j.key not in done]
    total, counter = len(todo), [0]

    def finished(result: ProblemResult) -> None:
        append_result(path, result)
        done[result.key] = result
        counter[0] += 1
        if on_result is not None:
            on_result(result, counter[0], total)

    if options.workers <= 1 or len(todo) <= 1:
        for job in todo:
            finished(_run_job(job, options))
    else:
        _parallel(todo, options, finished)
    return [done[j.key] for j in jobs if j.key in done]


def _parallel(
    todo: Sequence[Job], options: RunOptions, finished: Callable[[ProblemResult], None]
) -> None:
    """A pool of ``workers`` processes. If a worker dies (the pool breaks), the jobs left
    unfinished are run again one per fresh process, so only the one that kills its process
    is recorded as crashed."""
    plain = RunOptions(**{**options.__dict__, "agents": None})
    broken = _pool(todo, plain, options.workers, finished)
    for job in broken:
        for again in _pool([job], plain, 1, finished):
            finished(_crashed(again, RuntimeError("the worker process died")))


def _pool(
    jobs: Sequence[Job],
    options: RunOptions,
    workers: int,
    finished: Callable[[ProblemResult], None],
) -> list[Job]:
    """Run ``jobs`` in a pool; return those lost because a worker died."""
    lost: list[Job] = []
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        futures: dict[Future[ProblemResult], Job] = {
            pool.submit(_run_job, job, options): job for job in jobs
        }
        for future in as_completed(futures):
            job = futures[future]
            try:
                finished(future.result())
            except BrokenProcessPool:
                lost.append(job)
            except Exception as exc:
                finished(_crashed(job, exc))
    return lost


def _run_job(job: Job, options: RunOptions) -> ProblemResult:
    base = options.out / "work" if options.keep else None
    if base is not None:
        base.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix=f"{job.problem.id}-", dir=base))
    try:
        return run_problem(
            job.problem,
            job.spec,
            workdir,
            seed=job.seed,
            repeat=job.repeat,
            warmup=options.warmup,
            sample_every=options.sample_every,
            agents=options.agents,
            warm=_WARM if options.warm else None,
        )
    finally:
        if not options.keep:
            with contextlib.suppress(OSError):
                shutil.rmtree(workdir)


def _crashed(job: Job, exc: BaseException) -> ProblemResult:
    blank = ProblemResult.blank(job.problem, job.spec.label, job.seed, job.repeat)
    return blank.failed(f"{type(exc).__name__}: {exc}")
