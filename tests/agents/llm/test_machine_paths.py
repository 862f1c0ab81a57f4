"""Scripted models drive the state machine over the real kernel on the emulated cloud
(HotelReservation, the geo Service selecting pods that do not exist): success on the first
try; a harmful attempt undone, then a retry that succeeds; attempts exhausted, escalated."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from stratus.agents.budget import Budget
from stratus.agents.llm import Pricer, build_agent_set
from stratus.agents.llm.answers import action_key
from tests.agents.llm.harness import FIX, HARM, NS, incident
from tests.agents.llm.scripted import Script, answer, call

pytestmark = [pytest.mark.kubectl]

DIAGNOSIS = answer(
    "diagnosis",
    summary="the geo Service selects io.kompose.service=geo-v2; no pod has that label",
    category="service-routing",
    components=[{"kind": "Service", "name": "geo"}],
    evidence=["endpoints geo: <none>"],
    hypotheses=[
        {
            "statement": "the geo Service's selector matches no pod",
            "category": "service-routing",
            "components": [{"kind": "Service", "name": "geo"}],
            "confidence": 0.9,
            "actions": [{"title": "select the geo pods again", "commands": [FIX], "risk": "low"}],
        }
    ],
)
WRONG_DIAGNOSIS = answer(
    "diagnosis",
    summary="the front end is overloaded and fails requests",
    category="capacity",
    components=[{"kind": "Deployment", "name": "frontend"}],
)
FIXED = answer("mitigation", title="geo selects its pods again", hypothesis="geo selector")


def test_success_on_the_first_try(tmp_path: Path) -> None:
    script = Script(
        diagnosis=[
            [
                call("topology"),
                call("kubectl", command=f"kubectl get endpoints geo -n {NS}"),
                call("kubectl", command=f"kubectl get service geo -n {NS} -o yaml"),
                DIAGNOSIS,
            ]
        ],
        mitigation=[
            [
                call("write", command=FIX),
                call("wait", seconds=30),
                call("kubectl", command=f"kubectl get endpoints geo -n {NS}"),
                FIXED,
            ]
        ],
    )
    agents = build_agent_set(script.model("gpt-4o"), pricer=Pricer("gpt-4o", "openai"))
    with incident(tmp_path) as inc:
        report = inc.handle(agents)
        assert inc.selector() == {"io.kompose.service": "geo"}
    assert report.outcome == "resolved", report.to_markdown()
    [attempt] = report.attempts
    assert attempt.outcome == "resolved"
    assert attempt.mitigation.plan is not None
    assert attempt.mitigation.plan.commands == (FIX,)
    assert attempt.mitigation.plan.key == action_key([FIX])
    assert attempt.diagnosis.components[0].namespace == NS
    # what the model saw: the call graph and the alerts up front, and its own reads
    prompt = script.prompt("diagnosis")
    assert "search -> geo" in prompt
    assert "ServiceEndpointDown" in prompt
    assert any("geo-v2" in r for r in script.fed_back("diagnosis"))
    assert any("<none>" not in r and "10.244" in r for r in script.fed_back("mitigation"))
    # usage and cost, per agent and per attempt
    assert set(report.usage_by_agent) == {"detector", "diagnoser", "mitigator"}
    assert attempt.diagnosis.usage.steps == 4
    assert attempt.diagnosis.usage.tool_calls == 3
    assert attempt.mitigation.usage.steps == 4
    assert attempt.mitigation.usage.tokens > 0
    assert attempt.mitigation.usage.cost_usd > 0
    assert report.usage.cost_usd == pytest.approx(
        sum(u.cost_usd for u in report.usage_by_agent.values())
    )
    records = [(r.agent, r.attempt) for r in agents.spend.records]
    assert records == [("detector", 0), ("diagnoser", 1), ("mitigator", 1)]
    assert all(r.cost_known for r in agents.spend.records)


def test_a_harmful_attempt_is_undone_then_a_retry_succeeds(tmp_path: Path) -> None:
    script = Script(
        diagnosis=[[WRONG_DIAGNOSIS], [call("topology"), DIAGNOSIS]],
        mitigation=[
            [call("write", command=HARM), answer("mitigation", title="shed the front end")],
            [call("write", command=FIX), FIXED],
        ],
    )
    agents = build_agent_set(script.model())
    with incident(tmp_path) as inc:
        report = inc.handle(agents)
        assert inc.replicas("frontend") == 1, "the harmful write was undone"
        assert inc.selector() == {"io.kompose.service": "geo"}
    assert report.outcome == "resolved", report.to_markdown()
    first, second = report.attempts
    assert first.outcome == "undone"
    assert first.transaction is not None
    assert first.transaction.outcome == "aborted-and-undone"
    assert first.transaction.mu_post > first.transaction.mu_pre
    assert first.transaction.undo_faithful is True
    assert first.reflection is not None
    assert first.reflection.avoid == (action_key([HARM]),)
    assert first.reflection.lesson == "look at what the failing service depends on"
    assert second.outcome == "resolved"
    # the retry was told what happened and what was learned
    retry_prompt = script.prompt("diagnosis", run=1)
    assert "aborted-and-undone" in retry_prompt
    assert HARM in retry_prompt
    assert "look at what the failing service depends on" in retry_prompt
    assert "did not resolve the incident" in retry_prompt
    assert HARM in script.prompt("mitigation", run=1)
    assert [(r.agent, r.attempt) for r in agents.spend.records] == [
        ("detector", 0),
        ("diagnoser", 1),
        ("mitigator", 1),
        ("reflector", 1),
        ("diagnoser", 2),
        ("mitigator", 2),
    ]
    assert math.isnan(report.usage.cost_usd), "a scripted model has no price: cost unknown"
    assert "undo" in inc.kinds()


def test_attempts_exhausted_escalate_without_making_it_worse(tmp_path: Path) -> None:
    note = f"kubectl annotate deployment frontend -n {NS} stratus/looked=yes --overwrite"
    script = Script(
        diagnosis=[[WRONG_DIAGNOSIS], [WRONG_DIAGNOSIS]],
        mitigation=[
            [call("write", command=note), answer("mitigation", title="mark the front end")],
            [call("write", command=HARM), answer("mitigation", title="shed the front end")],
        ],
    )
    agents = build_agent_set(script.model())
    with incident(tmp_path) as inc:
        report = inc.handle(agents, Budget(attempts=2))
        assert inc.replicas("frontend") == 1
        assert inc.selector() == {"io.kompose.service": "geo-v2"}, "nothing fixed it"
    assert report.outcome == "escalated", report.to_markdown()
    assert "2 attempts did not solve it" in report.reason
    assert [a.outcome for a in report.attempts] == ["kept-unsolved", "undone"]
    assert report.final_oracles is not None
    assert not report.final_oracles.passed, "never declared solved while an oracle fails"
    assert report.mu_final <= report.mu_initial
    assert any(r.startswith("already tried") for r in report.recommendations)
    second = report.attempts[1].reflection
    assert second is not None
    assert set(second.avoid) == {action_key([note]), action_key([HARM])}
