"""What each agent returns: typed results an LLM-backed agent and the offline policy both
produce, so the state machine never parses prose.

- ``DetectionReport``: is something wrong, how badly (μ), what shows it, what looks involved;
- ``Diagnosis``: the faulty components, a root-cause category, evidence, and ranked
  hypotheses, each with the actions that would fix it (kubectl command lines);
- ``MitigationReport``: the plan one transaction carried out and what each write did;
- ``Reflection``: what an attempt taught, fed to the next one.

Every result carries the ``Usage`` it cost.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "CATEGORIES",
    "Category",
    "Component",
    "DetectionReport",
    "Diagnosis",
    "Hypothesis",
    "MitigationReport",
    "Plan",
    "ProposedAction",
    "Reflection",
    "Symptom",
    "Usage",
    "WriteOutcome",
]

_FROZEN = ConfigDict(frozen=True, extra="forbid", ser_json_inf_nan="strings")

Category = Literal[
    "recent-change",
    "misconfiguration",
    "image",
    "crash",
    "probe",
    "resources",
    "scheduling",
    "storage",
    "quota",
    "service-routing",
    "network-policy",
    "dns",
    "dependency",
    "credentials",
    "capacity",
    "chaos-experiment",
    "unknown",
]
CATEGORIES: tuple[str, ...] = Category.__args__  # type: ignore[attr-defined]


class Usage(BaseModel):
    """What an agent spent: model turns (``steps``), tool calls, model requests, tokens and
    money. The offline policy spends one step per answer and no tokens."""

    model_config = _FROZEN
    steps: int = 0
    tool_calls: int = 0
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            steps=self.steps + other.steps,
            tool_calls=self.tool_calls + other.tool_calls,
            requests=self.requests + other.requests,
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cost_usd=self.cost_usd + other.cost_usd,
        )

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens


class Component(BaseModel):
    """A Kubernetes object: ``Deployment/geo``, ``Service/geo``, ``Node/worker-1``."""

    model_config = _FROZEN
    kind: str
    name: str
    namespace: str = ""

    def __str__(self) -> str:
        return f"{self.kind}/{self.name}"


class Symptom(BaseModel):
    """One thing that is wrong: a firing alert, an SLA violation, lost capacity, or a failed
    health check, about ``subject``."""

    model_config = _FROZEN
    kind: Literal["alert", "sla", "capacity", "health"]
    subject: str
    detail: str


class DetectionReport(BaseModel):
    model_config = _FROZEN
    incident: bool
    summary: str
    severity: float = Field(description="μ when detected (alerts, SLA, capacity)")
    symptoms: tuple[Symptom, ...] = ()
    suspects: tuple[Component, ...] = ()
    usage: Usage = Usage()


class ProposedAction(BaseModel):
    """Commands that together make one mitigation, run in order inside one transaction.
    ``key`` identifies the action across attempts (so an undone one is not tried again)."""

    model_config = _FROZEN
    key: str
    title: str
    commands: tuple[str, ...] = Field(min_length=1)
    rationale: str = ""
    risk: Literal["low", "medium", "high"] = "medium"


class Hypothesis(BaseModel):
    """A candidate root cause with its evidence and the actions that would fix it, best
    first. ``needs_human`` says what only a person can do (no cluster-level action fixes it,
    or the policy refuses the one that would)."""

    model_config = _FROZEN
    statement: str
    category: Category
    components: tuple[Component, ...] = ()
    confidence: float = Field(0.5, ge=0.0, le=1.0)
    evidence: tuple[str, ...] = ()
    actions: tuple[ProposedAction, ...] = ()
    needs_human: str = ""


class Diagnosis(BaseModel):
    """Faulty components (root cause first), the root-cause category, the evidence, and the
    hypotheses best first."""

    model_config = _FROZEN
    summary: str
    category: Category
    components: tuple[Component, ...] = ()
    evidence: tuple[str, ...] = ()
    hypotheses: tuple[Hypothesis, ...] = ()
    usage: Usage = Usage()


class Plan(BaseModel):
    """What one attempt does: an action, and the hypothesis it acts on."""

    model_config = _FROZEN
    key: str
    title: str
    commands: tuple[str, ...]
    rationale: str = ""
    hypothesis: str = ""


class WriteOutcome(BaseModel):
    """One proposed write: whether it ran, kubectl's exit code, what it printed (bounded),
    and the gateway's reason when it was refused."""

    model_config = _FROZEN
    line: str
    ran: bool
    exit_code: int | None = None
    output: str = ""
    refused: str = ""

    @property
    def ok(self) -> bool:
        return self.ran and self.exit_code == 0


class MitigationReport(BaseModel):
    """``plan`` None: nothing is left to try. ``blocked`` lists actions the policy refuses,
    with the reason, for the escalation report."""

    model_config = _FROZEN
    plan: Plan | None
    writes: tuple[WriteOutcome, ...] = ()
    blocked: tuple[str, ...] = ()
    note: str = ""
    usage: Usage = Usage()


class Reflection(BaseModel):
    """What an attempt taught: what worked, what did not, one lesson, and the action keys
    not to repeat."""

    model_config = _FROZEN
    attempt: int
    worked: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    lesson: str = ""
    avoid: tuple[str, ...] = ()
    usage: Usage = Usage()
