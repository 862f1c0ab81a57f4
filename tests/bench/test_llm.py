"""A bench run with the LLM agents, driven by a scripted pydantic-ai model (no network): one
mitigation problem of one's own, the agent set built by a factory passed in ``RunOptions``;
the result records the model's turns, tokens in and out, and the cost (known for a priced
model name, unknown for one without a price)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from stratus.agents.llm import Pricer, build_agent_set
from stratus.agents.protocols import AgentSet
from stratus.bench.agent import AgentSpec, AgentTask
from stratus.bench.report_md import markdown_report
from stratus.bench.runner import Job, RunOptions, run_jobs
from tests.agents.llm.conftest import no_outside_network  # noqa: F401  (the guard fixture)
from tests.agents.llm.scripted import Script, answer, call
from tests.bench.problems import demo_problems

pytestmark = [
    pytest.mark.kubectl,
    pytest.mark.timeout(180),
    pytest.mark.usefixtures("no_outside_network"),
]

FIX = "kubectl scale deployment api -n demo --replicas=1"


def _script() -> Script:
    return Script(
        diagnosis=[
            [
                call("kubectl", command="kubectl get deployments -n demo"),
                answer(
                    "diagnosis",
                    summary="the api Deployment has no replicas",
                    category="capacity",
                    components=[{"kind": "Deployment", "name": "api"}],
                    evidence=["api 0/0"],
                    hypotheses=[
                        {
                            "statement": "api was scaled to zero",
                            "category": "capacity",
                            "components": [{"kind": "Deployment", "name": "api"}],
                            "confidence": 0.9,
                            "actions": [
                                {"title": "scale api up", "commands": [FIX], "risk": "low"}
                            ],
                        }
                    ],
                ),
            ]
        ],
        mitigation=[
            [
                call("write", command=FIX),
                answer("mitigation", title="api runs again", hypothesis="api scaled to zero"),
            ]
        ],
    )


@pytest.mark.parametrize("priced", [True, False], ids=["priced", "unpriced"])
def test_a_scripted_llm_runs_a_mitigation_problem_through_the_bench(
    tmp_path: Path, priced: bool
) -> None:
    problem = demo_problems(tmp_path / "problems")["api-scaled-away-mitigation"]
    script = _script()
    built: list[AgentSet] = []

    def agents(spec: AgentSpec, task: AgentTask) -> AgentSet:
        assert task.hints is None, "an agent being measured never sees the ground truth"
        assert "api" not in task.description.split(":")[0]
        pricer = Pricer("gpt-4o", "openai") if priced else None
        model = script.model("gpt-4o" if priced else "scripted")
        built.append(build_agent_set(model, pricer=pricer))
        return built[-1]

    spec = AgentSpec(name="stratus", model="openai:gpt-4o", attempts=2)
    [result] = run_jobs([Job(problem, spec, 0, 0)], RunOptions(out=tmp_path / "out", agents=agents))
    assert result.status == "ok", result.error
    assert len(built) == 1
    assert result.agent == "stratus/openai:gpt-4o"
    assert result.answer.components == ("Deployment/api",)
    assert result.answer.category == "capacity"
    assert result.component_match is True
    assert result.category_match is True
    assert result.attempts >= 1
    assert result.outcome == "resolved"
    assert result.actions == ("api runs again → resolved",)
    usage = result.usage
    assert usage.steps == 5, "detection, two diagnosis turns, two mitigation turns"
    assert usage.input_tokens > 0
    assert usage.output_tokens > 0
    if priced:
        assert usage.cost_usd > 0
    else:
        assert math.isnan(usage.cost_usd), "a model without a price: cost unknown"
    assert result.success, result.reason
    assert result.tnr_held is True
    report = markdown_report([result])
    assert f"{usage.input_tokens:,}/{usage.output_tokens:,}" in report
    assert ("unknown" in report) is not priced
