"""The TNR ablation's policy, with no model: each attempt proposes the right fix (the
problem's ``fix`` lines) with probability ``p_right``; otherwise a harmful action (with
probability ``p_harmful``: scale a healthy Deployment to zero, or point a healthy Service at a
wrong port) or a useless one (annotate or label a healthy object). Draws come from one
generator seeded by the run's seed and the problem, so stratus, no-retry and naive-retry see
the same proposals in the same order on a problem (common random numbers), while different
problems draw differently.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from stratus.agents.protocols import (
    AgentSet,
    DetectInput,
    DiagnoseInput,
    MitigateInput,
    ReflectInput,
)
from stratus.agents.results import (
    DetectionReport,
    Diagnosis,
    MitigationReport,
    Plan,
    Reflection,
    Usage,
)
from stratus.bench.agent import Hints

__all__ = ["StochasticMitigator", "stochastic_agents"]

_STEP = Usage(steps=1)


class _Detector:
    def detect(self, task: DetectInput) -> DetectionReport:
        incident = task.severity.mu > 0 or bool(task.health)
        return DetectionReport(
            incident=incident,
            summary=f"μ={task.severity.mu:g}" if incident else "nothing is wrong",
            severity=task.severity.mu,
            usage=_STEP,
        )


class _Diagnoser:
    def diagnose(self, task: DiagnoseInput) -> Diagnosis:
        return Diagnosis(
            summary="(stochastic policy: no diagnosis)", category="unknown", usage=_STEP
        )


class _Reflector:
    def reflect(self, task: ReflectInput) -> Reflection:
        return Reflection(attempt=task.attempt.number, usage=_STEP)


class StochasticMitigator:
    """One proposal per attempt, drawn from ``rng``."""

    def __init__(self, hints: Hints, p_right: float, p_harmful: float, rng: random.Random) -> None:
        self.hints = hints
        self.p_right = p_right
        self.p_harmful = p_harmful
        self.rng = rng

    def mitigate(self, task: MitigateInput) -> MitigationReport:
        tools, ns = task.tools, task.tools.namespace
        draw, harm = self.rng.random(), self.rng.random()
        pick = self.rng.random()
        healthy = _healthy(tools.objects("deployments"), self.hints.components)
        services = _healthy(tools.objects("services"), self.hints.components)
        if draw < self.p_right and self.hints.fix:
            key, title, commands = "right", "the right fix", list(self.hints.fix)
        elif harm < self.p_harmful and (healthy or services):
            key, title, commands = (
                "harmful",
                "a harmful action",
                _harmful(healthy, services, ns, pick),
            )
        else:
            key, title, commands = "useless", "a useless action", _useless(healthy, ns, pick)
        outcomes = tuple(tools.write_outcome(line) for line in commands)
        plan = Plan(key=f"{key}-{len(task.attempts) + 1}", title=title, commands=tuple(commands))
        return MitigationReport(plan=plan, writes=outcomes, usage=_STEP)


def stochastic_agents(hints: Hints, p_right: float, p_harmful: float, seed: int) -> AgentSet:
    rng = random.Random(f"stochastic-{seed}-{hints.problem}")
    return AgentSet(
        model=f"stochastic-p{p_right:g}",
        detector=_Detector(),
        diagnoser=_Diagnoser(),
        mitigator=StochasticMitigator(hints, p_right, p_harmful, rng),
        reflector=_Reflector(),
    )


def _healthy(objects: Sequence[Mapping[str, Any]], faulty: Sequence[str]) -> list[str]:
    names = sorted(str((o.get("metadata") or {}).get("name", "")) for o in objects)
    return [n for n in names if n and n not in faulty and n != "kubernetes"]


def _harmful(deployments: list[str], services: list[str], ns: str, pick: float) -> list[str]:
    if deployments and (pick < 0.5 or not services):
        name = deployments[int(pick * 2 * len(deployments)) % len(deployments)]
        return [f"kubectl scale deployment {name} -n {ns} --replicas=0"]
    name = services[int(pick * len(services)) % len(services)]
    patch = '[{"op": "replace", "path": "/spec/ports/0/targetPort", "value": 1}]'
    return [f"kubectl patch service {name} -n {ns} --type json -p '{patch}'"]


def _useless(deployments: list[str], ns: str, pick: float) -> list[str]:
    if not deployments:
        return []
    name = deployments[int(pick * len(deployments)) % len(deployments)]
    noise = f"stratus.bench/noise={int(pick * 1e6)}"
    return [f"kubectl annotate deployment {name} -n {ns} {noise} --overwrite"]
