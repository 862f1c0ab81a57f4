"""The agent interfaces the state machine drives. An agent is a role-specific object with a
typed result: it is handed read tools bound to its role (and, for mitigation, tools that
write through the open transaction), the reference the incident is judged against, what was
found so far and every earlier attempt with its reflection; it returns a typed result.

The offline policy (``stratus.agents.offline``) implements these; an LLM-backed agent does
the same (``stratus.agents.llm``), with its prompts and toolset descriptions as data files in
``agents/llm/prompts/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict

from stratus.agents.reference import Reference
from stratus.agents.results import (
    DetectionReport,
    Diagnosis,
    MitigationReport,
    Reflection,
    WriteOutcome,
)
from stratus.agents.tools import MitigationTools, ReadTools
from stratus.tnr.severity import Severity

__all__ = [
    "AgentSet",
    "Attempt",
    "AttemptOutcome",
    "DetectInput",
    "Detector",
    "DiagnoseInput",
    "Diagnoser",
    "MitigateInput",
    "Mitigator",
    "OracleSummary",
    "ReflectInput",
    "Reflector",
    "TransactionSummary",
]

_FROZEN = ConfigDict(frozen=True, extra="forbid", ser_json_inf_nan="strings")

AttemptOutcome = Literal["resolved", "kept-unsolved", "undone", "nothing-ran", "no-plan"]


class TransactionSummary(BaseModel):
    """How the kernel ended an attempt's transaction: μ before and after, whether the undo
    (if any) was verified faithful, and μ once the restored state settled."""

    model_config = _FROZEN
    tx_id: int
    outcome: str  # committed, aborted-and-undone, dry-run, empty
    reason: str
    mu_pre: float
    mu_post: float
    writes: tuple[WriteOutcome, ...] = ()
    undo_faithful: bool | None = None
    mu_restored: float | None = None


class OracleSummary(BaseModel):
    """The oracles' verdict: ``results`` maps each oracle to (passed, reasons)."""

    model_config = _FROZEN
    passed: bool
    results: dict[str, tuple[bool, tuple[str, ...]]]

    def failing(self) -> list[str]:
        return [
            f"{name}: {'; '.join(reasons) or 'failed'}"
            for name, (ok, reasons) in self.results.items()
            if not ok
        ]


class Attempt(BaseModel):
    """One pass through DIAGNOSE → MITIGATE → VALIDATE → COMMIT | UNDO."""

    model_config = _FROZEN
    number: int
    diagnosis: Diagnosis
    mitigation: MitigationReport
    transaction: TransactionSummary | None = None
    oracles: OracleSummary | None = None
    outcome: AttemptOutcome
    reflection: Reflection | None = None


@dataclass(frozen=True)
class DetectInput:
    """``severity`` is μ now against the reference; ``health`` failed instant oracle checks."""

    tools: ReadTools
    reference: Reference
    severity: Severity
    health: tuple[str, ...]
    max_steps: int


@dataclass(frozen=True)
class DiagnoseInput:
    tools: ReadTools
    reference: Reference
    detection: DetectionReport
    attempts: tuple[Attempt, ...]
    max_steps: int


@dataclass(frozen=True)
class MitigateInput:
    """``tools.write`` acts through this attempt's transaction (at most K writes)."""

    tools: MitigationTools
    reference: Reference
    detection: DetectionReport
    diagnosis: Diagnosis
    attempts: tuple[Attempt, ...]
    max_steps: int


@dataclass(frozen=True)
class ReflectInput:
    """``attempt`` has no reflection yet; ``earlier`` are the attempts before it."""

    attempt: Attempt
    earlier: tuple[Attempt, ...]
    detection: DetectionReport


class Detector(Protocol):
    def detect(self, task: DetectInput) -> DetectionReport: ...


class Diagnoser(Protocol):
    def diagnose(self, task: DiagnoseInput) -> Diagnosis: ...


class Mitigator(Protocol):
    def mitigate(self, task: MitigateInput) -> MitigationReport: ...


class Reflector(Protocol):
    def reflect(self, task: ReflectInput) -> Reflection: ...


@dataclass(frozen=True)
class AgentSet:
    """The agents of one run and the model behind them (``offline`` or ``provider:name``)."""

    model: str
    detector: Detector
    diagnoser: Diagnoser
    mitigator: Mitigator
    reflector: Reflector

    def describe(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "detector": type(self.detector).__name__,
            "diagnoser": type(self.diagnoser).__name__,
            "mitigator": type(self.mitigator).__name__,
            "reflector": type(self.reflector).__name__,
        }
