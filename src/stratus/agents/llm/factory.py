"""Building the LLM agents of a run: ``build_agent_set("openai:gpt-4o", settings=..., budget=...)``
is what ``--model provider:name`` turns into. Tests pass a pydantic-ai model (a scripted
``FunctionModel``) instead of a name, with the ``Pricer`` its usage should be priced by."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from pydantic_ai import ModelSettings
from pydantic_ai.models import Model

from stratus.agents.budget import Budget
from stratus.agents.llm.agents import LLMDetector, LLMDiagnoser, LLMMitigator, LLMReflector
from stratus.agents.llm.pricing import Pricer
from stratus.agents.llm.prompts import Catalog, load_catalog
from stratus.agents.llm.runner import Runner
from stratus.agents.llm.selection import ResolvedModel, resolve_model
from stratus.agents.llm.spend import Caps, Spend
from stratus.agents.protocols import AgentSet
from stratus.settings import LLMSettings

__all__ = ["LLMAgentSet", "build_agent_set", "llm_agents"]


@dataclass(frozen=True)
class LLMAgentSet(AgentSet):
    """An ``AgentSet`` whose agents share one model and one ledger: ``spend.records`` has the
    usage and cost of every agent run, per agent and attempt."""

    spend: Spend
    resolved: ResolvedModel


def build_agent_set(
    model: str | Model,
    *,
    settings: LLMSettings | None = None,
    budget: Budget | None = None,
    catalog: Catalog | None = None,
    pricer: Pricer | None = None,
    wall_clock: Callable[[], float] = time.monotonic,
) -> LLMAgentSet:
    """The four agents over ``model``: a ``provider:name`` (see ``selection``) or a
    pydantic-ai model. ``budget`` and ``settings`` cap tokens, money and time (the lower of
    the two), measuring wall time with ``wall_clock``; unknown providers and missing keys raise
    ``ModelUnavailable``."""
    settings = settings or LLMSettings()
    if isinstance(model, str):
        resolved = resolve_model(model, settings)
    else:
        name = f"{model.system}:{model.model_name}"
        resolved = ResolvedModel(
            name,
            model,
            pricer or Pricer(model.model_name, model.system),
            ModelSettings(request_timeout=settings.request_timeout),
        )
    if pricer is not None and isinstance(model, str):
        resolved = ResolvedModel(
            resolved.spec, resolved.model, pricer, resolved.settings, resolved.base_url
        )
    spend = Spend(Caps.of(budget, settings), wall_clock)
    runner = Runner(resolved, catalog or load_catalog(), spend, settings)
    return LLMAgentSet(
        model=resolved.spec,
        detector=LLMDetector(runner),
        diagnoser=LLMDiagnoser(runner),
        mitigator=LLMMitigator(runner),
        reflector=LLMReflector(runner),
        spend=spend,
        resolved=resolved,
    )


llm_agents = build_agent_set
"""The name ``stratus.agents.factory.build_agents`` looks for: ``--model provider:name``."""
