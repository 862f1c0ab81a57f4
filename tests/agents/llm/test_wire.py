"""The real provider wire path, end to end and offline: pydantic-ai's OpenAI model and the
OpenAI SDK speak HTTP to a local OpenAI-compatible stub server with scripted replies
(tool calls included), chosen the way an operator would: ``openai:NAME`` with a base URL and
the name of the variable holding the key. Tokens and cost are recorded from what the server
reports; a model with no price has an unknown cost; a refused key or an unreachable server
is a ``ModelUnavailable`` that says so."""

from __future__ import annotations

import math
import socket
from pathlib import Path

import pytest
from genai_prices import calc_price
from pydantic_ai import RunUsage
from pydantic_ai.models import override_allow_model_requests

from stratus.agents.errors import ModelUnavailable
from stratus.agents.llm import build_agent_set, load_catalog
from stratus.agents.protocols import DetectInput
from stratus.settings import LLMSettings
from tests.agents.llm.fakes import FakeKernel, reference, severity
from tests.agents.llm.harness import FIX, NS, incident
from tests.agents.llm.stub_openai import StubOpenAI, serving, tool_call

KEY = "sk-local-stub"
DETECTED = tool_call(
    "submit_detection",
    summary="search fails: geo has no endpoints",
    suspects=[{"kind": "Service", "name": "geo"}],
)


def _detect_input() -> DetectInput:
    tools = FakeKernel({f"kubectl get pods -n {NS}": "cart-1 Running"}).read_tools("detection")
    return DetectInput(tools, reference(), severity(), (), 5)


@pytest.mark.kubectl
def test_the_openai_wire_path_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUB_LLM_KEY", KEY)
    stub = StubOpenAI(
        {
            "detection": [[tool_call("alerts"), DETECTED]],
            "diagnosis": [
                [
                    tool_call("kubectl", command=f"kubectl get endpoints geo -n {NS}"),
                    tool_call(
                        "submit_diagnosis",
                        summary="the geo Service selects no pod",
                        category="service-routing",
                        components=[{"kind": "Service", "name": "geo"}],
                        evidence=["geo <none>"],
                    ),
                ]
            ],
            "mitigation": [
                [
                    tool_call("write", command=FIX),
                    tool_call("submit_plan", title="geo selects its pods again"),
                ]
            ],
        },
        usage=(1200, 80),
        key=KEY,
    )
    settings = LLMSettings(api_key_env="STUB_LLM_KEY")
    with serving(stub), override_allow_model_requests(True):
        settings = settings.model_copy(update={"base_url": stub.url})
        agents = build_agent_set("openai:gpt-4o", settings=settings)
        with incident(tmp_path) as inc:
            report = inc.handle(agents)
    assert report.outcome == "resolved", report.to_markdown()
    assert report.model == "openai:gpt-4o"
    assert len(stub.seen) == 6

    # what went over the wire
    first = stub.seen[0]
    assert first.headers["authorization"] == f"Bearer {KEY}"
    assert first.body["model"] == "gpt-4o"
    catalog = load_catalog()
    kubectl = stub.requests("diagnosis")[0].tools["kubectl"]
    assert kubectl["description"] == catalog.tools["kubectl"].description
    command = kubectl["parameters"]["properties"]["command"]
    assert command["description"] == catalog.tools["kubectl"].parameters["command"]
    assert set(stub.requests("mitigation")[0].tools) >= {"write", "check", "wait", "submit_plan"}
    assert "write" not in stub.requests("diagnosis")[0].tools
    returned = [m for m in stub.requests("diagnosis")[1].body["messages"] if m["role"] == "tool"]
    assert "<none>" in returned[0]["content"], "the tool's result went back to the model"
    system = stub.requests("mitigation")[0].body["messages"][0]
    assert system["role"] == "system"
    assert catalog.roles["mitigation"].system.strip() in system["content"]

    # tokens and cost as the server reported them, priced by genai-prices
    each = float(
        calc_price(
            RunUsage(input_tokens=1200, output_tokens=80), "gpt-4o", provider_id="openai"
        ).total_price
    )
    for agent in ("detector", "diagnoser", "mitigator"):
        usage = report.usage_by_agent[agent]
        assert (usage.requests, usage.input_tokens, usage.output_tokens) == (2, 2400, 160)
        assert usage.cost_usd == pytest.approx(2 * each)
    assert report.usage.tokens == 6 * 1280
    assert report.usage.cost_usd == pytest.approx(6 * each)
    assert "$0.0" in report.to_markdown()


def test_a_model_without_a_price_has_an_unknown_cost() -> None:
    stub = StubOpenAI({"detection": [[DETECTED]]}, usage=(500, 20))
    with serving(stub), override_allow_model_requests(True):
        agents = build_agent_set("vllm:qwen2.5-coder-7b", settings=LLMSettings(base_url=stub.url))
        report = agents.detector.detect(_detect_input())
    assert report.summary == "search fails: geo has no endpoints"
    assert (report.usage.input_tokens, report.usage.output_tokens) == (500, 20)
    assert math.isnan(report.usage.cost_usd), "unknown, not invented"
    [record] = agents.spend.records
    assert not record.cost_known
    assert agents.spend.unpriced == 1


def test_a_refused_key_makes_the_model_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUB_LLM_KEY", "sk-wrong")
    stub = StubOpenAI({"detection": [[DETECTED]]}, key=KEY)
    with serving(stub), override_allow_model_requests(True):
        settings = LLMSettings(base_url=stub.url, api_key_env="STUB_LLM_KEY", http_retries=0)
        agents = build_agent_set("openai:gpt-4o", settings=settings)
        with pytest.raises(ModelUnavailable, match=r"401|API key"):
            agents.detector.detect(_detect_input())
    assert len(stub.seen) == 1


def test_an_unreachable_server_makes_the_model_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = LLMSettings(base_url=f"http://127.0.0.1:{port}/v1", http_retries=0)
    agents = build_agent_set("llamacpp:qwen2.5", settings=settings)
    with override_allow_model_requests(True), pytest.raises(ModelUnavailable, match="cannot reach"):
        agents.detector.detect(_detect_input())


def test_requests_are_refused_without_an_explicit_allowance() -> None:
    stub = StubOpenAI({"detection": [[DETECTED]]})
    with serving(stub):
        agents = build_agent_set("vllm:qwen2.5", settings=LLMSettings(base_url=stub.url))
        with pytest.raises(RuntimeError, match="ALLOW_MODEL_REQUESTS"):
            agents.detector.detect(_detect_input())
    assert stub.seen == [], "ALLOW_MODEL_REQUESTS is off in these tests"
