"""The agents: detection, diagnosis, mitigation and reflection as role-specific objects with
typed results (``results``), the interfaces the state machine drives (``protocols``), their
toolsets (``tools``), budgets, and the offline policy (``offline``). ``build_agents(model)``
picks them by ``--model``."""

from stratus.agents.budget import Budget, BudgetMeter
from stratus.agents.errors import (
    AgentError,
    AgentOutputInvalid,
    BudgetExhausted,
    CatalogError,
    ModelUnavailable,
    ToolCallError,
)
from stratus.agents.factory import OFFLINE, build_agents
from stratus.agents.protocols import (
    AgentSet,
    Attempt,
    DetectInput,
    Detector,
    DiagnoseInput,
    Diagnoser,
    MitigateInput,
    Mitigator,
    ReflectInput,
    Reflector,
)
from stratus.agents.reference import Reference
from stratus.agents.results import (
    Component,
    DetectionReport,
    Diagnosis,
    Hypothesis,
    MitigationReport,
    Plan,
    ProposedAction,
    Reflection,
    Usage,
)
from stratus.agents.tools import MitigationTools, ReadTools

__all__ = [
    "OFFLINE",
    "AgentError",
    "AgentOutputInvalid",
    "AgentSet",
    "Attempt",
    "Budget",
    "BudgetExhausted",
    "BudgetMeter",
    "CatalogError",
    "Component",
    "DetectInput",
    "DetectionReport",
    "Detector",
    "DiagnoseInput",
    "Diagnoser",
    "Diagnosis",
    "Hypothesis",
    "MitigateInput",
    "MitigationReport",
    "MitigationTools",
    "Mitigator",
    "ModelUnavailable",
    "Plan",
    "ProposedAction",
    "ReadTools",
    "Reference",
    "ReflectInput",
    "Reflection",
    "Reflector",
    "ToolCallError",
    "Usage",
    "build_agents",
]
