"""``--model provider:name`` and the LLM settings: which pydantic-ai model they build, and
the errors an operator gets for an unknown provider, a missing key or a missing address."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic_ai.models.anthropic import AnthropicModel
from pydantic_ai.models.openai import OpenAIChatModel, OpenAIResponsesModel

from stratus.agents.errors import ModelUnavailable
from stratus.agents.llm import LOCAL_SERVERS, build_agent_set, parse_model, resolve_model
from stratus.settings import LLMSettings, load_settings


def test_provider_and_name() -> None:
    assert parse_model("openai:gpt-4o") == ("openai", "gpt-4o")
    assert parse_model(" Ollama:qwen2.5:7b ") == ("ollama", "qwen2.5:7b")
    for bad in ("gpt-4o", "openai:", ":gpt-4o", ""):
        with pytest.raises(ModelUnavailable, match="provider:name"):
            parse_model(bad)
    with pytest.raises(ModelUnavailable, match="built-in rule-based policy"):
        parse_model("offline")


def test_openai_needs_its_key(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ModelUnavailable, match="set OPENAI_API_KEY"):
        resolve_model("openai:gpt-4o")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    resolved = resolve_model("openai:gpt-4o")
    assert isinstance(resolved.model, OpenAIResponsesModel)
    assert resolved.model.model_name == "gpt-4o"
    assert resolved.pricer.known
    assert resolved.settings["request_timeout"] == 120.0


def test_a_key_from_a_named_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = LLMSettings(api_key_env="TEAM_ANTHROPIC_KEY")
    with pytest.raises(ModelUnavailable, match="set TEAM_ANTHROPIC_KEY"):
        resolve_model("anthropic:claude-sonnet-4-5", settings)
    monkeypatch.setenv("TEAM_ANTHROPIC_KEY", "sk-ant-test")
    resolved = resolve_model("anthropic:claude-sonnet-4-5", settings)
    assert isinstance(resolved.model, AnthropicModel)
    assert resolved.pricer.known


def test_openai_with_a_base_url_is_any_compatible_server() -> None:
    settings = LLMSettings(base_url="http://127.0.0.1:8000/v1", temperature=0.0)
    resolved = resolve_model("openai:qwen2.5", settings)
    assert isinstance(resolved.model, OpenAIChatModel)
    assert resolved.model.base_url == "http://127.0.0.1:8000/v1/"
    assert resolved.settings["temperature"] == 0.0
    assert not resolved.pricer.known, "a local model has no price"


def test_local_servers_at_their_usual_addresses() -> None:
    for provider, url in LOCAL_SERVERS.items():
        if url is None:
            with pytest.raises(ModelUnavailable, match="--base-url"):
                resolve_model(f"{provider}:some-model")
            continue
        resolved = resolve_model(f"{provider}:some-model")
        assert isinstance(resolved.model, OpenAIChatModel)
        assert resolved.model.base_url.rstrip("/") == url
    custom = LLMSettings(base_url="http://10.1.2.3:9999/v1")
    assert resolve_model("ollama:llama3", custom).base_url == "http://10.1.2.3:9999/v1"


def test_unknown_providers_and_missing_credentials_say_what_to_do() -> None:
    with pytest.raises(ModelUnavailable, match="unknown model provider 'acme'"):
        resolve_model("acme:brain-9000")
    with pytest.raises(ModelUnavailable, match=r"pydantic-ai-slim\[mistral\]"):
        resolve_model("mistral:mistral-large-latest")  # an extra that is not installed
    with pytest.raises(ModelUnavailable, match="DEEPSEEK_API_KEY"):
        resolve_model("deepseek:deepseek-chat")  # another provider, its own variable
    with pytest.raises(ModelUnavailable, match="API_KEY_ENV"):
        resolve_model("deepseek:deepseek-chat", LLMSettings(api_key_env="MY_KEY"))
    with pytest.raises(ModelUnavailable, match="is not set"):
        resolve_model("vllm:qwen", LLMSettings(api_key_env="ABSENT_KEY"))


def test_build_agent_set_from_a_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    agents = build_agent_set("openai:gpt-4o")
    assert agents.model == "openai:gpt-4o"
    assert agents.describe()["diagnoser"] == "LLMDiagnoser"
    with pytest.raises(ModelUnavailable):
        build_agent_set("nobody:nothing")


def test_llm_settings_from_file_and_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("llm:\n  base_url: http://127.0.0.1:11434/v1\n  tokens: 50000\n")
    monkeypatch.setenv("STRATUS_CONFIG", str(config))
    monkeypatch.setenv("STRATUS_LLM__COST_USD", "0.5")
    llm = load_settings().llm
    assert (llm.base_url, llm.tokens, llm.cost_usd) == ("http://127.0.0.1:11434/v1", 50000, 0.5)
    assert (llm.request_timeout, llm.tool_retries) == (120.0, 4)
