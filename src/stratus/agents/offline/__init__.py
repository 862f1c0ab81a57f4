"""The offline policy (``--model offline``, the default): rule-based agents over what any
cluster exposes, with the same interfaces as the LLM-backed ones."""

from stratus.agents.offline.agents import (
    ANALYZERS,
    OfflineDetector,
    OfflineDiagnoser,
    OfflineMitigator,
    OfflineReflector,
    offline_agents,
)

__all__ = [
    "ANALYZERS",
    "OfflineDetector",
    "OfflineDiagnoser",
    "OfflineMitigator",
    "OfflineReflector",
    "offline_agents",
]
