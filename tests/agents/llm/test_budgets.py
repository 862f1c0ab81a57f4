"""Every budget is enforced inside an agent's loop, and every run's usage is recorded, per
agent and attempt, even when it ends without an answer: steps (K turns, the last one may
only answer), tokens, money (priced by genai-prices), the incident's wall time and one
loop's time."""

from __future__ import annotations

import asyncio
import math

import pytest
from pydantic_ai import RequestUsage
from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models.function import AgentInfo, FunctionModel

from stratus.agents.budget import Budget
from stratus.agents.llm import Pricer, build_agent_set
from stratus.agents.protocols import DiagnoseInput
from stratus.settings import LLMSettings
from tests.agents.llm.fakes import NS, FakeKernel, detection, reference
from tests.agents.llm.scripted import Script, answer, call

PODS = f"kubectl get pods -n {NS}"
LOOK = call("kubectl", command=PODS)
DONE = answer("diagnosis", summary="cart selects nothing", category="service-routing")


def _input(steps: int = 10) -> DiagnoseInput:
    tools = FakeKernel({PODS: "cart-1 Running"}).read_tools("diagnosis")
    return DiagnoseInput(tools, reference(), detection(), (), steps)


def _costly(response: ModelResponse) -> ModelResponse:
    response.usage = RequestUsage(input_tokens=10_000, output_tokens=100)
    return response


def test_the_step_budget_ends_with_one_turn_that_may_only_answer() -> None:
    seen: list[str] = []

    def forced(messages: list[ModelMessage]) -> ModelResponse:
        seen.append(str(messages[-1].parts[-1]))
        return DONE

    script = Script(diagnosis=[[LOOK, LOOK, forced]])
    agents = build_agent_set(script.model())
    result = agents.diagnoser.diagnose(_input(steps=3))
    assert result.summary == "cart selects nothing"
    assert result.usage.steps == 3
    assert result.usage.tool_calls == 2
    assert "step budget is spent" in seen[0]


def test_a_spent_step_budget_without_an_answer_falls_back() -> None:
    script = Script(diagnosis=[[LOOK, LOOK, LOOK]])
    agents = build_agent_set(script.model())
    result = agents.diagnoser.diagnose(_input(steps=3))
    assert result.category == "unknown"
    assert result.summary.startswith("no diagnosis: steps: all 2 turns used")
    assert "the forced answer failed too" in result.summary
    assert result.components == detection().suspects
    assert result.usage.steps == 3
    [record] = agents.spend.records
    assert (record.agent, record.attempt, record.usage.steps) == ("diagnoser", 1, 3)
    assert record.note == result.summary.removeprefix("no diagnosis: ")


def test_the_token_budget_stops_a_loop_and_the_runs_after_it() -> None:
    script = Script(diagnosis=[[_costly(LOOK), LOOK, DONE]])
    agents = build_agent_set(script.model(), budget=Budget(tokens=5_000))
    first = agents.diagnoser.diagnose(_input())
    assert first.category == "unknown"
    assert "budget exhausted: tokens" in first.summary
    assert first.usage.tokens == 10_100
    second = agents.diagnoser.diagnose(_input())
    assert "budget exhausted: tokens: 10100 of 5000" in second.summary
    assert second.usage.requests == 0
    assert len(script.runs["diagnosis"]) == 1, "no model was asked once the budget was spent"


def test_the_money_budget_is_priced_and_enforced() -> None:
    script = Script(diagnosis=[[_costly(LOOK), LOOK, DONE]])
    agents = build_agent_set(
        script.model("gpt-4o"),
        settings=LLMSettings(cost_usd=0.01),
        pricer=Pricer("gpt-4o", "openai"),
    )
    result = agents.diagnoser.diagnose(_input())
    assert "budget exhausted: cost_usd" in result.summary
    assert result.usage.tool_calls == 0, "the call after the expensive turn did not run"
    assert result.usage.cost_usd == pytest.approx(10_000 * 2.5e-6 + 100 * 1e-5)
    assert agents.spend.cost_usd == pytest.approx(result.usage.cost_usd)


def test_an_unknown_price_is_recorded_as_unknown_and_never_as_spent() -> None:
    script = Script(diagnosis=[[_costly(LOOK), DONE]])
    agents = build_agent_set(script.model("in-house-model"), settings=LLMSettings(cost_usd=0.01))
    result = agents.diagnoser.diagnose(_input())
    assert result.summary == "cart selects nothing"
    assert math.isnan(result.usage.cost_usd)
    assert agents.spend.unpriced == 1
    assert agents.spend.exhausted() is None


def test_the_incident_wall_time_is_a_budget() -> None:
    now = [0.0]
    script = Script(diagnosis=[[LOOK, DONE]])
    agents = build_agent_set(
        script.model(), budget=Budget(wall_seconds=60), wall_clock=lambda: now[0]
    )
    now[0] = 61.0
    result = agents.diagnoser.diagnose(_input())
    assert "budget exhausted: wall_seconds: 61 s of 60 s" in result.summary
    assert script.runs["diagnosis"] == []


def test_one_loop_may_not_run_longer_than_its_timeout() -> None:
    async def slow(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        await asyncio.Event().wait()  # a model that never answers
        return DONE

    agents = build_agent_set(FunctionModel(slow), settings=LLMSettings(run_timeout=0.3))
    result = agents.diagnoser.diagnose(_input())
    assert "wall_seconds: the agent's time ran out" in result.summary
