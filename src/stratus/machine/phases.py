"""The phases of the state machine, its transitions (printable: ``DIAGRAM`` and
``describe_machine``), and the events it emits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["DIAGRAM", "TRANSITIONS", "MachineEvent", "Phase", "describe_machine"]

DIAGRAM = """\
DETECT ─▶ DIAGNOSE ─▶ MITIGATE ─▶ VALIDATE ─┬─ μ rose ─▶ UNDO ───────────┐
  │ healthy  ▲        (1 transaction)       └─ μ held ─▶ COMMIT          │
  ▼          │          │ nothing left        oracles pass ─▶ RESOLVED   │
HEALTHY      │          ▼                     oracles fail (kept) ──┐    │
             │       ESCALATE                                       ▼    ▼
             └──────── attempts left (oracle results, reflection) ─ RETRY
                                                  attempts spent ─▶ ESCALATE"""


class Phase(StrEnum):
    DETECT = "DETECT"
    DIAGNOSE = "DIAGNOSE"
    MITIGATE = "MITIGATE"
    VALIDATE = "VALIDATE"
    COMMIT = "COMMIT"
    UNDO = "UNDO"
    RETRY = "RETRY"
    RESOLVED = "RESOLVED"
    ESCALATE = "ESCALATE"
    HEALTHY = "HEALTHY"

    @property
    def terminal(self) -> bool:
        return not TRANSITIONS[self]


# phase -> (next phase, when); any phase may also go to ESCALATE when a budget runs out,
# an observation fails or an undo cannot be verified.
TRANSITIONS: dict[Phase, tuple[tuple[Phase, str], ...]] = {
    Phase.DETECT: (
        (Phase.DIAGNOSE, "an incident: μ > 0 or a health check fails"),
        (Phase.HEALTHY, "nothing is wrong"),
    ),
    Phase.DIAGNOSE: ((Phase.MITIGATE, "a diagnosis with ranked hypotheses"),),
    Phase.MITIGATE: (
        (Phase.VALIDATE, "a plan ran inside one transaction"),
        (Phase.RESOLVED, "nothing left to try, but the oracles pass (it recovered)"),
        (Phase.ESCALATE, "nothing left to try"),
    ),
    Phase.VALIDATE: (
        (Phase.COMMIT, "not crashed and μ_post ≤ μ_pre: the kernel commits"),
        (Phase.UNDO, "crashed or μ rose: the kernel undoes, verified"),
        (Phase.RETRY, "no write ran (refused, or dry-run)"),
    ),
    Phase.COMMIT: (
        (Phase.RESOLVED, "every oracle passes (alerts, requests, health)"),
        (Phase.RETRY, "an oracle fails: the commit is kept, never undone"),
    ),
    Phase.UNDO: ((Phase.RETRY, "the system is back at μ_pre"),),
    Phase.RETRY: (
        (Phase.DIAGNOSE, "attempts left: fed the oracle results and a reflection"),
        (Phase.ESCALATE, "attempts or budget spent"),
    ),
    Phase.RESOLVED: (),
    Phase.ESCALATE: (),
    Phase.HEALTHY: (),
}


def describe_machine() -> str:
    """The transition table, one line per edge, for ``--help`` and reports."""
    lines = []
    for phase, edges in TRANSITIONS.items():
        for target, when in edges:
            lines.append(f"{phase.value:<9} → {target.value:<9} {when}")
    lines.append("(any)     → ESCALATE  a budget runs out, or an undo cannot be verified")
    return "\n".join(lines)


@dataclass(frozen=True)
class MachineEvent:
    """Something the machine or the kernel did. ``t`` is seconds since the run began on its
    clock; ``mu`` is set when the event carries a severity reading."""

    kind: str
    phase: Phase
    message: str
    attempt: int = 0
    t: float = 0.0
    mu: float | None = None
    data: dict[str, Any] = field(default_factory=dict)


Listener = Callable[[MachineEvent], None]
