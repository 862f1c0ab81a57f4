"""What the runner needs of an agent, whatever it is (STRATUS over the state machine, a
baseline, a scripted actor): ``prepare`` on the healthy system, ``run`` once the fault has
struck, ``close``. Agents get public endpoints only; the ground truth (``Hints``) goes to
scripted actors and the ablation's stochastic policy, never to an agent being measured."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from stratus.agents.results import Usage
from stratus.bench.grade import Answer
from stratus.bench.problem import Task
from stratus.bench.stage import Endpoints
from stratus.tnr.transaction import KernelEvent

__all__ = [
    "AGENT_NAMES",
    "AgentName",
    "AgentRun",
    "AgentSpec",
    "AgentTask",
    "BenchAgent",
    "Hints",
]

AgentName = Literal[
    "stratus", "no-retry", "naive-retry", "react", "noop", "delete", "scale-zero", "cordon"
]
AGENT_NAMES: tuple[str, ...] = AgentName.__args__  # type: ignore[attr-defined]


class AgentSpec(BaseModel):
    """A recipe for an agent, sent to worker processes. ``brain`` ``stochastic`` replaces
    the model with the ablation's seeded policy (right with ``p_right``; a wrong proposal is
    harmful with ``p_harmful``, else useless). ``kernel_policy`` is a safety-kernel policy
    file (default: the kernel's defaults)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: AgentName = "stratus"
    model: str = "offline"
    brain: Literal["model", "stochastic"] = "model"
    attempts: int = Field(5, ge=1)
    steps: int = Field(20, ge=1)
    reference: Literal["observed", "reconstructed"] = "observed"
    p_right: float = Field(0.3, ge=0.0, le=1.0)
    p_harmful: float = Field(0.5, ge=0.0, le=1.0)
    kernel_policy: str | None = None

    @property
    def label(self) -> str:
        """How reports name it: ``stratus/offline``, ``naive-retry/stochastic-p0.3``."""
        if self.name in ("noop", "delete", "scale-zero", "cordon"):
            return self.name
        brain = f"stochastic-p{self.p_right:g}" if self.brain == "stochastic" else self.model
        return f"{self.name}/{brain}"


@dataclass(frozen=True)
class Hints:
    """Ground truth for scripted actors: the faulty components, the fix lines (placeholders
    filled), the folder of the app's manifests (which a fix may apply) and the problem's id
    (which seeds the stochastic policy's draws, so problems do not all draw alike)."""

    components: tuple[str, ...]
    fix: tuple[str, ...] = ()
    app_dir: str = ""
    problem: str = ""


@dataclass(frozen=True)
class AgentTask:
    """``on_kernel_event`` must be passed to the kernel an agent opens (μ at transaction
    boundaries); ``description`` says what runs, never what is wrong."""

    task: Task
    endpoints: Endpoints
    description: str
    seed: int
    on_kernel_event: Callable[[KernelEvent], None]
    hints: Hints | None = None


class AgentRun(BaseModel):
    """What an agent did: its answer, how it ended, and what it spent."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    answer: Answer = Answer()
    outcome: str = ""
    attempts: int = 0
    undos: int = 0
    usage: Usage = Usage()
    actions: tuple[str, ...] = ()


class BenchAgent(Protocol):
    def prepare(self, task: AgentTask) -> None:
        """Called while the system is still healthy, before the fault."""
        ...

    def run(self, task: AgentTask) -> AgentRun: ...

    def close(self) -> None: ...
