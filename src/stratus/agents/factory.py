"""Which agents a ``--model`` names: ``offline`` (the default) is the rule-based policy; any
other name (``provider:model``) is handed to the LLM-backed agents, which implement
``stratus.agents.llm.llm_agents(model, **options) -> AgentSet``."""

from __future__ import annotations

import importlib
from typing import Any

from stratus.agents.errors import ModelUnavailable
from stratus.agents.offline import offline_agents
from stratus.agents.protocols import AgentSet

__all__ = ["OFFLINE", "build_agents"]

OFFLINE = "offline"


def build_agents(model: str = OFFLINE, **options: Any) -> AgentSet:
    """The agents for ``model``; ``options`` go to the LLM-backed factory (settings,
    budgets, a scripted model in tests)."""
    if model in (OFFLINE, ""):
        return offline_agents()
    try:
        module = importlib.import_module("stratus.agents.llm")
    except ImportError as exc:
        raise ModelUnavailable(
            f"--model {model} needs the LLM-backed agents, which cannot load here ({exc}); "
            "use --model offline"
        ) from exc
    factory = getattr(module, "llm_agents", None)
    if factory is None:
        raise ModelUnavailable(
            f"--model {model}: no LLM-backed agents are installed; use --model offline"
        )
    agents = factory(model, **options)
    if not isinstance(agents, AgentSet):
        raise ModelUnavailable(f"--model {model}: the LLM factory returned {type(agents).__name__}")
    return agents
