"""The TNR ablation's seeded policy: right, harmful and useless proposals in the set
proportions, the same sequence for every agent on a problem (common random numbers), a
different one on another problem, and harm aimed only at healthy objects."""

from __future__ import annotations

from collections import Counter
from typing import Any, cast

from stratus.agents.protocols import MitigateInput
from stratus.agents.results import WriteOutcome
from stratus.bench.agent import Hints
from stratus.bench.stochastic import stochastic_agents


class _Tools:
    namespace = "shop"

    def __init__(self) -> None:
        self.lines: list[str] = []

    def objects(self, kind: str) -> list[dict[str, Any]]:
        names = ("web", "api", "db", "cache") if kind == "deployments" else ("web", "api")
        return [{"metadata": {"name": n}} for n in names]

    def write_outcome(self, line: str) -> WriteOutcome:
        self.lines.append(line)
        return WriteOutcome(line=line, ran=True, exit_code=0)


def _titles(problem: str, n: int, p_right: float = 0.3, p_harmful: float = 0.5) -> list[str]:
    hints = Hints(components=("api",), fix=("kubectl rollout undo deploy/api",), problem=problem)
    mitigator = stochastic_agents(hints, p_right, p_harmful, seed=0).mitigator
    tools = _Tools()
    task = cast(MitigateInput, type("Task", (), {"tools": tools, "attempts": ()})())
    titles = []
    for _ in range(n):
        report = mitigator.mitigate(task)
        assert report.plan is not None
        titles.append(report.plan.title)
    assert not any(" api " in f" {line} " for line in tools.lines if "rollout" not in line)
    return titles


def test_every_agent_sees_the_same_draws_on_a_problem_and_problems_differ() -> None:
    assert _titles("p1", 20) == _titles("p1", 20)
    assert _titles("p1", 20) != _titles("p2", 20)


def test_proposals_come_in_the_set_proportions() -> None:
    counts = Counter(_titles("p1", 2000))
    assert abs(counts["the right fix"] / 2000 - 0.3) < 0.04
    assert abs(counts["a harmful action"] / 2000 - 0.7 * 0.5) < 0.04
    assert abs(counts["a useless action"] / 2000 - 0.7 * 0.5) < 0.04
    assert _titles("p1", 50, p_right=1.0) == ["the right fix"] * 50
