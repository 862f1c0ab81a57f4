"""Which model ``--model provider:name`` means, built as a pydantic-ai model.

- ``openai:NAME`` is OpenAI itself; with a base URL (``--base-url`` or ``STRATUS_LLM__BASE_URL``)
  it is any OpenAI-compatible server, spoken to through chat completions;
- ``vllm:``, ``ollama:``, ``llamacpp:``, ``lmstudio:`` are such servers at their usual local
  address unless a base URL says otherwise; ``openai-compatible:NAME`` needs a base URL;
- ``anthropic:NAME`` is Anthropic (a base URL points it at a compatible proxy);
- any other provider pydantic-ai knows (``groq:``, ``mistral:``, ``google:``...) is built by
  pydantic-ai, with the credentials its provider reads from the environment.

Every mistake an operator can make here (an unknown provider, a missing key, a missing extra)
is a ``ModelUnavailable`` that says what to do.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from pydantic_ai import ModelSettings
from pydantic_ai.exceptions import UserError
from pydantic_ai.models import Model, infer_model
from pydantic_ai.providers import Provider, infer_provider_class

from stratus.agents.errors import ModelUnavailable
from stratus.agents.llm.pricing import Pricer
from stratus.settings import LLMSettings

__all__ = ["LOCAL_SERVERS", "ResolvedModel", "parse_model", "resolve_model"]

# OpenAI-compatible servers and where they listen by default (None: a base URL is required).
LOCAL_SERVERS: dict[str, str | None] = {
    "openai-compatible": None,
    "vllm": "http://127.0.0.1:8000/v1",
    "ollama": "http://127.0.0.1:11434/v1",
    "llamacpp": "http://127.0.0.1:8080/v1",
    "lmstudio": "http://127.0.0.1:1234/v1",
}
_KEY_ENV = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}
_EXAMPLES = (
    "openai:gpt-4o, anthropic:claude-sonnet-4-5, ollama:qwen2.5, "
    "or openai:NAME with --base-url http://HOST:PORT/v1 for an OpenAI-compatible server"
)


@dataclass(frozen=True)
class ResolvedModel:
    """A model ready for the agents: what it is called, the pydantic-ai model, the settings
    every request carries, and how its usage is priced."""

    spec: str
    model: Model
    pricer: Pricer
    settings: ModelSettings = field(default_factory=ModelSettings)
    base_url: str | None = None


def parse_model(spec: str) -> tuple[str, str]:
    """``provider:name`` split in two; anything else is a ``ModelUnavailable``."""
    text = spec.strip()
    if text == "offline":
        raise ModelUnavailable(
            "'offline' is the built-in rule-based policy, not an LLM: "
            "build it with stratus.agents.offline, or name a model as provider:name"
        )
    provider, colon, name = text.partition(":")
    if not colon or not provider.strip() or not name.strip():
        raise ModelUnavailable(
            f"cannot read the model {spec!r}: write provider:name, e.g. {_EXAMPLES}"
        )
    return provider.strip().lower(), name.strip()


def resolve_model(spec: str, settings: LLMSettings | None = None) -> ResolvedModel:
    """The model ``spec`` names, reached as ``settings`` say (base URL, key, timeouts)."""
    settings = settings or LLMSettings()
    provider, name = parse_model(spec)
    request = _request_settings(settings, retries=provider in ("openai", "anthropic"))
    if provider in LOCAL_SERVERS or (provider in ("openai", "openai-chat") and settings.base_url):
        return _compatible(
            spec, provider, name, settings, _request_settings(settings, retries=True)
        )
    if provider in ("openai", "anthropic"):
        return _first_party(spec, provider, name, settings, request)
    return _other(spec, provider, name, settings, request)


def _compatible(
    spec: str, provider: str, name: str, settings: LLMSettings, request: ModelSettings
) -> ResolvedModel:
    from pydantic_ai.models.openai import OpenAIChatModel  # noqa: PLC0415 (optional extra)
    from pydantic_ai.providers.openai_compatible import (  # noqa: PLC0415
        OpenAICompatibleProvider,
    )

    base_url = settings.base_url or LOCAL_SERVERS.get(provider)
    if not base_url:
        raise ModelUnavailable(
            f"{provider}:{name} needs the server's address: pass --base-url http://HOST:PORT/v1 "
            "or set STRATUS_LLM__BASE_URL"
        )
    key = _key(provider, settings, required=False)
    label = "openai" if provider in ("openai", "openai-chat") else provider
    compatible = OpenAICompatibleProvider(label, base_url=base_url, api_key=key)
    model = OpenAIChatModel(name, provider=compatible)
    return ResolvedModel(spec, model, Pricer(name, label, base_url), request, base_url)


def _first_party(
    spec: str, provider: str, name: str, settings: LLMSettings, request: ModelSettings
) -> ResolvedModel:
    key = _key(provider, settings, required=True)
    built: Provider[Any]
    if provider == "openai":
        from pydantic_ai.providers.openai import OpenAIProvider  # noqa: PLC0415

        built = OpenAIProvider(api_key=key)
    else:
        try:
            from pydantic_ai.providers.anthropic import AnthropicProvider  # noqa: PLC0415
        except ImportError as exc:  # pragma: no cover - the extra is a dependency
            raise ModelUnavailable(f"anthropic needs pydantic-ai-slim[anthropic]: {exc}") from exc
        built = AnthropicProvider(api_key=key, base_url=settings.base_url)
    model = _infer(spec, provider, name, built)
    return ResolvedModel(spec, model, Pricer(name, provider, settings.base_url), request)


def _other(
    spec: str, provider: str, name: str, settings: LLMSettings, request: ModelSettings
) -> ResolvedModel:
    try:
        provider_class = infer_provider_class(provider)
    except ValueError:
        known = ", ".join(["openai", "anthropic", *LOCAL_SERVERS])
        raise ModelUnavailable(
            f"unknown model provider {provider!r} in {spec!r}: use one of {known}, "
            "or another provider pydantic-ai supports (groq, mistral, google, bedrock...)"
        ) from None
    except ImportError as exc:
        raise ModelUnavailable(
            f"the {provider} provider needs an extra package: pip install "
            f"'pydantic-ai-slim[{provider}]' ({exc})"
        ) from exc
    if settings.api_key_env:
        raise ModelUnavailable(
            f"STRATUS_LLM__API_KEY_ENV applies to openai, anthropic and OpenAI-compatible "
            f"servers; {provider} reads its own credentials from the environment"
        )
    try:
        built = provider_class()
    except UserError as exc:
        raise ModelUnavailable(f"{spec}: {exc}") from exc
    except ImportError as exc:
        raise ModelUnavailable(
            f"the {provider} provider needs an extra package: pip install "
            f"'pydantic-ai-slim[{provider}]' ({exc})"
        ) from exc
    model = _infer(spec, provider, name, built)
    return ResolvedModel(spec, model, Pricer(name, provider, None), request)


def _infer(spec: str, provider: str, name: str, built: Provider[Any]) -> Model:
    try:
        return infer_model(f"{provider}:{name}", provider_factory=lambda _: built)
    except (UserError, ImportError, ValueError) as exc:
        raise ModelUnavailable(f"{spec}: {exc}") from exc


def _key(provider: str, settings: LLMSettings, *, required: bool) -> str | None:
    variable = settings.api_key_env or _KEY_ENV.get(provider)
    value = os.environ.get(variable, "").strip() if variable else ""
    if value:
        return value
    if required:
        hint = "" if settings.api_key_env else " (or name another with STRATUS_LLM__API_KEY_ENV)"
        raise ModelUnavailable(f"{provider} needs an API key: set {variable}{hint}")
    if settings.api_key_env:
        raise ModelUnavailable(
            f"STRATUS_LLM__API_KEY_ENV names {settings.api_key_env}, which is not set"
        )
    return None


def _request_settings(settings: LLMSettings, *, retries: bool) -> ModelSettings:
    """Timeouts apply to every model; retries only where the client is known to take them."""
    request = ModelSettings(request_timeout=settings.request_timeout)
    if retries:
        request["max_retries"] = settings.http_retries
    if settings.temperature is not None:
        request["temperature"] = settings.temperature
    if settings.max_output_tokens is not None:
        request["max_tokens"] = settings.max_output_tokens
    return request
