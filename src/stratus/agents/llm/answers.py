"""What a model answers through each role's submit tool. These hold only what a model can
know; the agents turn them into the typed results (``stratus.agents.results``), adding what
code measured (severity, the writes that ran, usage) and what code decides (whether there is
an incident, which action keys not to repeat)."""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from stratus.agents.results import Category, Component, ProposedAction

__all__ = [
    "ActionAnswer",
    "ComponentAnswer",
    "DetectionAnswer",
    "DiagnosisAnswer",
    "HypothesisAnswer",
    "MitigationAnswer",
    "ReflectionAnswer",
    "SymptomAnswer",
    "action_key",
]

_ANSWER = ConfigDict(frozen=True, extra="forbid")


class ComponentAnswer(BaseModel):
    model_config = _ANSWER
    kind: str = Field(description="Kubernetes kind, e.g. Deployment, Service, Pod, Node")
    name: str

    def component(self, namespace: str) -> Component:
        return Component(kind=self.kind, name=self.name, namespace=namespace)


class SymptomAnswer(BaseModel):
    model_config = _ANSWER
    kind: Literal["alert", "sla", "capacity", "health"]
    subject: str
    detail: str


class DetectionAnswer(BaseModel):
    model_config = _ANSWER
    summary: str = Field(description="one or two sentences: what is wrong and how badly")
    symptoms: list[SymptomAnswer] = []
    suspects: list[ComponentAnswer] = Field(default=[], description="components that look involved")


class ActionAnswer(BaseModel):
    model_config = _ANSWER
    title: str
    commands: list[str] = Field(min_length=1, description="whole kubectl command lines")
    rationale: str = ""
    risk: Literal["low", "medium", "high"] = "medium"

    def proposed(self) -> ProposedAction:
        return ProposedAction(
            key=action_key(self.commands),
            title=self.title,
            commands=tuple(self.commands),
            rationale=self.rationale,
            risk=self.risk,
        )


class HypothesisAnswer(BaseModel):
    model_config = _ANSWER
    statement: str
    category: Category
    components: list[ComponentAnswer] = []
    confidence: float = Field(0.5, ge=0.0, le=1.0)
    evidence: list[str] = []
    actions: list[ActionAnswer] = []
    needs_human: str = Field("", description="what only a person can do, if anything")


class DiagnosisAnswer(BaseModel):
    model_config = _ANSWER
    summary: str = Field(description="the root cause in one or two sentences")
    category: Category
    components: list[ComponentAnswer] = Field(
        default=[], description="the faulty components, root cause first"
    )
    evidence: list[str] = Field(default=[], description="what you saw, quoting tool output")
    hypotheses: list[HypothesisAnswer] = Field(default=[], description="best first")


class MitigationAnswer(BaseModel):
    model_config = _ANSWER
    title: str = Field(description="what your writes did, in one line")
    hypothesis: str = Field("", description="the root cause you acted on")
    rationale: str = ""
    nothing_to_do: str = Field(
        "", description="set only when no cluster-level action can help: what a person must do"
    )


class ReflectionAnswer(BaseModel):
    model_config = _ANSWER
    worked: list[str] = []
    failed: list[str] = []
    lesson: str = Field(description="one lesson for the next attempt")


def action_key(commands: list[str] | tuple[str, ...]) -> str:
    """A stable key for a set of command lines, so the same action is recognised across
    attempts whatever a model calls it."""
    canonical = "\n".join(" ".join(c.split()) for c in commands)
    return "llm-" + hashlib.sha256(canonical.encode()).hexdigest()[:12]
