"""One problem, start to finish, in a fresh emulated cloud: warm up, take the grader's
healthy baseline, let the agent prepare, inject the fault, run the agent with μ traced, judge,
grade. Any exception becomes an ``error`` result carrying its traceback."""

from __future__ import annotations

import dataclasses
import math
import time
import traceback
from pathlib import Path

from stratus.bench.agent import AgentRun, AgentSpec, AgentTask, BenchAgent, Hints
from stratus.bench.agents import AgentFactory, make_agent
from stratus.bench.grade import Judge, grade
from stratus.bench.problem import Problem
from stratus.bench.results import ProblemResult
from stratus.bench.stage import Stage
from stratus.bench.trace import MuTrace, tnr_held
from stratus.bench.warm import WarmClouds

__all__ = ["run_problem"]


def run_problem(
    problem: Problem,
    spec: AgentSpec,
    workdir: Path,
    *,
    seed: int = 0,
    repeat: int = 0,
    warmup: float | None = None,
    sample_every: float = 30.0,
    agents: AgentFactory | None = None,
    warm: WarmClouds | None = None,
) -> ProblemResult:
    """Run ``problem`` with the agent ``spec`` names; never raises for a failing problem.
    ``warm`` starts from a copy of an earlier warm-up of the same app, load and seed."""
    started = time.monotonic()
    blank = ProblemResult.blank(problem, spec.label, seed, repeat)
    try:
        return _run(
            problem, spec, workdir, seed + repeat, warmup, sample_every, agents, blank, warm
        )
    except Exception as exc:  # the run goes on; the result says what broke
        return blank.failed(
            f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}",
            wall_seconds=time.monotonic() - started,
        )


def _run(
    problem: Problem,
    spec: AgentSpec,
    workdir: Path,
    seed: int,
    warmup: float | None,
    sample_every: float,
    agents: AgentFactory | None,
    blank: ProblemResult,
    warm: WarmClouds | None,
) -> ProblemResult:
    started = time.monotonic()
    agent: BenchAgent | None = None
    judge: Judge | None = None
    with Stage(problem, workdir, seed=seed, warmup=warmup, warm=warm) as stage:
        try:
            judge = Judge(stage.endpoints)
            judge.capture_baseline()
            trace = MuTrace(judge.mu, stage.endpoints.clock, every=sample_every)
            endpoints = dataclasses.replace(stage.endpoints, clock=trace.clock)
            task = AgentTask(
                task=problem.task,
                endpoints=endpoints,
                description=_describe(stage),
                seed=seed,
                on_kernel_event=trace.on_kernel_event,
                hints=_hints(problem, stage) if _needs_hints(spec) else None,
            )
            agent = make_agent(spec, agents)
            agent.prepare(task)
            stage.inject()
            trace.start()
            clock_start, wall_start = endpoints.clock.now(), time.monotonic()
            run: AgentRun = agent.run(task)
            virtual = endpoints.clock.now() - clock_start
            agent_wall = time.monotonic() - wall_start
            oracles = judge.mitigated(problem) if problem.task == "mitigation" else []
            trace.mark("final", visible=True)
        finally:
            if agent is not None:
                agent.close()
            if judge is not None:
                judge.close()
    graded = grade(problem, run.answer, oracles)
    visible = [s.mu for s in trace.samples if s.visible]
    return blank.model_copy(
        update={
            "success": graded.success,
            "reason": graded.reason,
            "false_positive": graded.false_positive,
            "component_match": graded.component_match,
            "category_match": graded.category_match,
            "oracles": graded.oracles,
            "answer": run.answer,
            "outcome": run.outcome,
            "attempts": run.attempts,
            "undos": run.undos,
            "actions": run.actions,
            "usage": run.usage,
            "virtual_seconds": virtual,
            "wall_seconds": time.monotonic() - started,
            "agent_wall_seconds": agent_wall,
            "mu": tuple(trace.samples),
            "mu_initial": visible[0] if visible else math.nan,
            "mu_final": visible[-1] if visible else math.nan,
            "tnr_held": tnr_held(list(trace.samples)),
        }
    )


def _describe(stage: Stage) -> str:
    """What the agent is told: the app and where it runs, never what is wrong."""
    return f"{stage.app.name} in namespace {stage.problem.namespace}: {stage.app.description}"


def _needs_hints(spec: AgentSpec) -> bool:
    """Only scripted actors and the ablation's policy see the ground truth."""
    return spec.brain == "stochastic" or spec.name in ("noop", "delete", "scale-zero", "cordon")


def _hints(problem: Problem, stage: Stage) -> Hints:
    fault = problem.fault
    app_dir = str(stage.app.source) if stage.app.source else ""
    fix = tuple(
        line.replace("{namespace}", problem.namespace).replace("{app_dir}", app_dir)
        for line in (fault.fix if fault else ())
    )
    return Hints(components=problem.components, fix=fix, app_dir=app_dir, problem=problem.id)
