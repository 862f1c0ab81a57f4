"""What the agents add to a model's answer, and what they say without one: a quiet system
is no incident and asks no model; a mitigation reports the writes that ran, not what the
model claims; reflections name the actions not to repeat; a model that fails gives way to
what code alone can say; a model that cannot be used at all stops the run."""

from __future__ import annotations

import socket
from typing import NoReturn

import pytest
from pydantic_ai.exceptions import ModelHTTPError
from pydantic_ai.messages import ModelMessage
from pydantic_ai.models.function import AgentInfo, FunctionModel

from stratus.agents.errors import ModelUnavailable
from stratus.agents.llm import build_agent_set
from stratus.agents.llm.answers import action_key
from stratus.agents.protocols import Attempt, DetectInput, MitigateInput, ReflectInput
from stratus.agents.results import MitigationReport, Plan
from tests.agents.llm.conftest import loopback
from tests.agents.llm.fakes import NS, FakeKernel, detection, diagnosis, reference, severity
from tests.agents.llm.scripted import Script, answer, call

FIX = f'kubectl patch service cart -n {NS} -p \'{{"spec":{{"selector":{{"app":"cart"}}}}}}\''


def _detect(mu: float, health: tuple[str, ...] = ()) -> DetectInput:
    return DetectInput(FakeKernel().read_tools("detection"), reference(), severity(mu), health, 5)


def _mitigate(kernel: FakeKernel) -> MitigateInput:
    return MitigateInput(kernel.mitigation_tools(), reference(), detection(), diagnosis(), (), 6)


def test_a_quiet_system_is_no_incident_and_no_model_is_asked() -> None:
    script = Script()
    report = build_agent_set(script.model()).detector.detect(_detect(0.0))
    assert not report.incident
    assert report.usage.requests == 0
    assert script.runs["detection"] == []


def test_detection_adds_the_measured_symptoms_to_the_models_description() -> None:
    script = Script()
    report = build_agent_set(script.model()).detector.detect(_detect(3.0, ("health: cart 0/2",)))
    assert report.incident
    assert report.severity == 3.0
    assert report.summary == "requests to the front end fail"
    assert [s.kind for s in report.symptoms] == ["alert", "health"]
    assert str(report.suspects[0]) == "Service/frontend"
    prompt = script.prompt("detection")
    assert "ServiceEndpointDown" in prompt
    assert "Deployment/cart -n shop: 2 replicas" in prompt


def test_a_mitigation_reports_what_ran_and_what_was_refused() -> None:
    kernel = FakeKernel()
    script = Script(
        mitigation=[
            [
                call("write", command=f"kubectl delete namespace {NS}"),
                call("write", command=FIX),
                answer("mitigation", title="cart selects its pods", hypothesis="selector"),
            ]
        ]
    )
    report = build_agent_set(script.model()).mitigator.mitigate(_mitigate(kernel))
    assert report.plan is not None
    assert report.plan.commands == (FIX,)
    assert report.plan.key == action_key([FIX])
    assert report.plan.title == "cart selects its pods"
    assert [w.ran for w in report.writes] == [False, True]
    assert report.blocked[0].startswith(f"kubectl delete namespace {NS}: policy forbids")
    prompt = script.prompt("mitigation")
    assert '"selector": {"app": "cart"}' in prompt, "the known-good Service is in the prompt"


def test_a_mitigation_with_nothing_to_do_has_no_plan() -> None:
    script = Script(
        mitigation=[[answer("mitigation", title="none", nothing_to_do="the node's disk failed")]]
    )
    report = build_agent_set(script.model()).mitigator.mitigate(_mitigate(FakeKernel()))
    assert report.plan is None
    assert report.note == "the node's disk failed"


def test_only_refused_writes_are_still_a_plan_to_learn_from() -> None:
    line = f"kubectl delete pvc --all -n {NS}"
    script = Script(mitigation=[[call("write", command=line), answer("mitigation", title="x")]])
    report = build_agent_set(script.model()).mitigator.mitigate(_mitigate(FakeKernel()))
    assert report.plan is not None
    assert report.plan.commands == (line,)
    assert not any(w.ran for w in report.writes)


def _attempt(number: int, plan: Plan | None, outcome: str) -> Attempt:
    return Attempt.model_validate(
        {
            "number": number,
            "diagnosis": diagnosis(),
            "mitigation": MitigationReport(plan=plan),
            "outcome": outcome,
        }
    )


def test_reflections_name_every_failed_action_and_survive_a_failing_model() -> None:
    first = _attempt(1, Plan(key="k1", title="restart cart", commands=("a",)), "kept-unsolved")
    second = _attempt(2, Plan(key="k2", title="scale cart", commands=("b",)), "undone")

    def broken(messages: list[ModelMessage], info: AgentInfo) -> NoReturn:
        raise ModelHTTPError(500, "scripted", "upstream overloaded")

    agents = build_agent_set(FunctionModel(broken))
    reflection = agents.reflector.reflect(ReflectInput(second, (first,), detection()))
    assert reflection.avoid == ("k1", "k2")
    assert "attempt 2 ('scale cart') ended undone" in reflection.lesson
    assert "model error" in reflection.lesson
    assert [r.agent for r in agents.spend.records] == ["reflector"]


def test_a_model_that_refuses_the_key_stops_the_run() -> None:
    def refused(messages: list[ModelMessage], info: AgentInfo) -> NoReturn:
        raise ModelHTTPError(401, "scripted", {"error": "invalid api key"})

    agents = build_agent_set(FunctionModel(refused))
    with pytest.raises(ModelUnavailable, match="401"):
        agents.detector.detect(_detect(3.0))
    [record] = agents.spend.records
    assert record.agent == "detector"


def test_the_network_guard_refuses_anything_beyond_loopback(
    no_outside_network: list[str],
) -> None:
    assert loopback("127.0.0.1")
    assert loopback("::1")
    assert not loopback("api.openai.com")
    with pytest.raises(OSError, match="tests may not"):
        socket.getaddrinfo("api.openai.com", 443)
    with socket.socket() as sock, pytest.raises(OSError, match="tests may not connect"):
        sock.connect(("192.0.2.1", 443))
    assert no_outside_network == ["resolve 'api.openai.com'", "connect ('192.0.2.1', 443)"]
    no_outside_network.clear()  # this test made them on purpose
