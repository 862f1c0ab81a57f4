"""Results built through the results model, for the report and metric tests: a small run of
two agents over the four tasks of one suite, with μ trajectories, an undo, tokens and cost,
a false positive and an error."""

from __future__ import annotations

import math
from pathlib import Path

from stratus.agents.results import Usage
from stratus.bench.grade import Answer
from stratus.bench.results import ProblemResult, append_result
from stratus.bench.trace import MuSample

STRATUS = "stratus/offline"
NO_RETRY = "no-retry/offline"


def result(
    problem: str,
    task: str,
    agent: str,
    *,
    success: bool,
    fault: str | None = "wrong-service-selector-geo",
    category: str = "service-routing",
    app: str = "hotel-reservation",
    suite: str = "aiopslab",
    **update: object,
) -> ProblemResult:
    base = ProblemResult(
        problem=problem,
        task=task,
        app=app,
        category=category,
        fault=fault,
        tags=(suite,),
        agent=agent,
        success=success,
        reason="every oracle passes" if success else "alerts failed",
    )
    return base.model_copy(update=update)


def mu_path(*points: tuple[float, float, bool]) -> tuple[MuSample, ...]:
    return tuple(
        MuSample(t=t, mu=mu, label="visible" if visible else "hidden", visible=visible)
        for t, mu, visible in points
    )


def sample_results() -> list[ProblemResult]:
    undone = mu_path((0, 4.0, True), (30, 9.0, False), (90, 4.0, True), (150, 0.0, True))
    kept = mu_path((0, 4.0, True), (60, 0.0, True))
    worse = mu_path((0, 2.0, True), (60, math.inf, True))
    return [
        result(
            "geo-selector-mitigation",
            "mitigation",
            STRATUS,
            success=True,
            outcome="resolved",
            attempts=2,
            undos=1,
            usage=Usage(steps=12, input_tokens=3000, output_tokens=400, cost_usd=0.02),
            virtual_seconds=150.0,
            agent_wall_seconds=3.5,
            mu=undone,
            mu_initial=4.0,
            mu_final=0.0,
            tnr_held=True,
        ),
        result(
            "geo-selector-mitigation",
            "mitigation",
            NO_RETRY,
            success=False,
            outcome="escalated",
            attempts=1,
            usage=Usage(steps=6, input_tokens=1000, output_tokens=100, cost_usd=0.01),
            virtual_seconds=60.0,
            mu=worse,
            mu_initial=2.0,
            mu_final=math.inf,
            tnr_held=False,
        ),
        result(
            "misconfig-app-geo-mitigation",
            "mitigation",
            STRATUS,
            success=True,
            category="image",
            fault="misconfig-app-geo",
            outcome="resolved",
            attempts=1,
            usage=Usage(steps=8, input_tokens=2000, output_tokens=200, cost_usd=0.02),
            virtual_seconds=60.0,
            mu=kept,
            mu_initial=4.0,
            mu_final=0.0,
            tnr_held=True,
        ),
        result(
            "no-fault-detection",
            "detection",
            STRATUS,
            success=False,
            fault=None,
            category="none",
            false_positive=True,
            answer=Answer(incident=True),
        ),
        result("geo-selector-detection", "detection", STRATUS, success=True),
        result(
            "geo-selector-localization",
            "localization",
            STRATUS,
            success=True,
            component_match=True,
            virtual_seconds=30.0,
        ),
        result(
            "geo-selector-analysis",
            "analysis",
            STRATUS,
            success=False,
            category_match=False,
        ),
        result(
            "misconfig-app-geo-mitigation",
            "mitigation",
            NO_RETRY,
            success=False,
            category="image",
            fault="misconfig-app-geo",
        ).failed("RuntimeError: the cloud fell over\nTraceback (most recent call last): ..."),
    ]


def write_results(path: Path, results: list[ProblemResult]) -> Path:
    for r in results:
        append_result(path, r)
    return path
