"""LLM-backed agents for ``--model provider:name``: pydantic-ai tool-calling loops, one per
role, with typed answers, role-specific toolsets over the kernel's gateway, prompts and tool
descriptions as data files (``prompts/``), and every budget enforced and every run's usage and
cost recorded.

    agents = build_agent_set("openai:gpt-4o", settings=load_settings().llm, budget=budget)
    Machine(env, agents, budget).handle(reference)

``llm_agents`` is the same factory under the name ``stratus.agents.build_agents`` calls for
any ``--model`` other than ``offline``.
"""

from stratus.agents.llm.agents import LLMDetector, LLMDiagnoser, LLMMitigator, LLMReflector
from stratus.agents.llm.factory import LLMAgentSet, build_agent_set, llm_agents
from stratus.agents.llm.pricing import UNKNOWN_COST, Pricer
from stratus.agents.llm.prompts import Catalog, load_catalog
from stratus.agents.llm.selection import LOCAL_SERVERS, ResolvedModel, parse_model, resolve_model
from stratus.agents.llm.spend import Caps, Spend, UsageRecord

__all__ = [
    "LOCAL_SERVERS",
    "UNKNOWN_COST",
    "Caps",
    "Catalog",
    "LLMAgentSet",
    "LLMDetector",
    "LLMDiagnoser",
    "LLMMitigator",
    "LLMReflector",
    "Pricer",
    "ResolvedModel",
    "Spend",
    "UsageRecord",
    "build_agent_set",
    "llm_agents",
    "load_catalog",
    "parse_model",
    "resolve_model",
]
