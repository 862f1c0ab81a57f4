"""What a run of the state machine produced: the outcome and why, the detection, every
attempt with its transaction, oracles and reflection, μ over time, what a person should do
next, and what it cost. Serialises to JSON; renders to Markdown."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict

from stratus.agents.protocols import Attempt, OracleSummary, TransactionSummary
from stratus.agents.results import DetectionReport, MitigationReport, Usage
from stratus.oracles import OracleReport
from stratus.tnr.transaction import TransactionResult

__all__ = [
    "IncidentReport",
    "MuPoint",
    "Outcome",
    "summarize_oracles",
    "summarize_transaction",
]

_FROZEN = ConfigDict(frozen=True, extra="forbid", ser_json_inf_nan="strings")
Outcome = Literal["resolved", "escalated", "no-incident"]


class MuPoint(BaseModel):
    model_config = _FROZEN
    t: float
    mu: float
    label: str


class IncidentReport(BaseModel):
    """``seconds`` on the run's clock (virtual on the emulated cloud), ``wall_seconds`` real."""

    model_config = _FROZEN
    outcome: Outcome
    reason: str
    model: str
    namespace: str
    reference: str
    seconds: float
    wall_seconds: float
    detection: DetectionReport
    attempts: tuple[Attempt, ...] = ()
    final_oracles: OracleSummary | None = None
    mu: tuple[MuPoint, ...] = ()
    mu_initial: float
    mu_final: float
    recommendations: tuple[str, ...] = ()
    usage: Usage = Usage()
    usage_by_agent: dict[str, Usage] = {}

    @property
    def visible_mu(self) -> list[float]:
        """μ as an observer outside the transactions sees it: the initial state, then the
        state after each committed transaction, or, for an undone one, once the state its
        undo restored had settled."""
        out = [self.mu_initial]
        for attempt in self.attempts:
            tx = attempt.transaction
            if tx is not None and tx.outcome == "committed":
                out.append(tx.mu_post)
            elif tx is not None and tx.mu_restored is not None:
                out.append(tx.mu_restored)
        return out

    def to_markdown(self) -> str:
        lines = [
            f"# STRATUS incident report: {self.outcome.upper()}",
            "",
            f"- **Outcome:** {self.outcome} ({self.reason})",
            f"- **Namespace:** `{self.namespace}`; model `{self.model}`",
            f"- **Reference:** {self.reference}",
            f"- **Severity μ:** {_mu(self.mu_initial)} → {_mu(self.mu_final)}",
            f"- **Time:** {self.seconds:.0f} s on the run's clock, {self.wall_seconds:.1f} s wall",
            f"- **Attempts:** {len(self.attempts)}",
            "",
            "## Detection",
            "",
            self.detection.summary,
            "",
            *[f"- {s.kind}: {s.subject}: {s.detail}" for s in self.detection.symptoms[:20]],
        ]
        for attempt in self.attempts:
            lines += ["", *_attempt_lines(attempt)]
        if self.final_oracles is not None:
            verdict = "pass" if self.final_oracles.passed else "fail"
            lines += ["", f"## Final oracles: {verdict}", ""]
            for name, (ok, reasons) in self.final_oracles.results.items():
                lines.append(f"- {name}: {'pass' if ok else 'FAIL'} {'; '.join(reasons)}".rstrip())
        if self.recommendations:
            lines += ["", "## What a person should do next", ""]
            lines += [f"- {r}" for r in self.recommendations]
        lines += ["", "## μ over time", "", "| t (s) | μ | event |", "|---:|---:|---|"]
        lines += [f"| {p.t:.0f} | {_mu(p.mu)} | {p.label} |" for p in self.mu]
        u = self.usage
        lines += [
            "",
            "## Cost",
            "",
            f"{u.steps} steps, {u.tool_calls} tool calls, {u.requests} model requests, "
            f"{u.tokens} tokens, ${u.cost_usd:.4f}",
            "",
        ]
        return "\n".join(lines)


def summarize_oracles(report: OracleReport) -> OracleSummary:
    return OracleSummary(
        passed=report.passed,
        results={r.name: (r.passed, tuple(r.reasons)) for r in report.results},
    )


def summarize_transaction(
    result: TransactionResult, report: MitigationReport
) -> TransactionSummary:
    return TransactionSummary(
        tx_id=result.tx_id,
        outcome=result.outcome,
        reason=result.reason,
        mu_pre=result.mu_pre.mu,
        mu_post=result.mu_post.mu,
        writes=report.writes,
        undo_faithful=None if result.undo is None else result.undo.faithful,
        mu_restored=None if result.mu_restored is None else result.mu_restored.mu,
    )


def _attempt_lines(attempt: Attempt) -> list[str]:
    d, m = attempt.diagnosis, attempt.mitigation
    lines = [
        f"## Attempt {attempt.number}: {attempt.outcome}",
        "",
        f"**Diagnosis** ({d.category}): {d.summary}",
    ]
    if d.components:
        lines.append(f"Faulty components: {', '.join(map(str, d.components))}")
    lines += [f"- {e}" for e in d.evidence[:8]]
    if m.plan is not None:
        lines += ["", f"**Plan:** {m.plan.title}", ""]
        lines += [f"    {c}" for c in m.plan.commands]
    if m.blocked:
        lines += ["", "Refused by policy:", *[f"- {b}" for b in m.blocked]]
    for w in m.writes:
        verdict = "ran" if w.ok else ("refused: " + w.refused if not w.ran else "failed")
        lines.append(f"- `{w.line}`: {verdict}")
    tx = attempt.transaction
    if tx is not None:
        lines += [
            "",
            f"**Transaction {tx.tx_id}:** {tx.outcome}: μ {_mu(tx.mu_pre)} → {_mu(tx.mu_post)} "
            f"({tx.reason})"
            + ("" if tx.mu_restored is None else f"; μ {_mu(tx.mu_restored)} once restored"),
        ]
    if attempt.oracles is not None:
        verdict = "pass" if attempt.oracles.passed else "fail"
        lines.append(f"**Oracles:** {verdict}")
        lines += [f"- {f}" for f in attempt.oracles.failing()]
    if attempt.reflection is not None and attempt.reflection.lesson:
        lines.append(f"**Reflection:** {attempt.reflection.lesson}")
    return lines


def _mu(value: float) -> str:
    return "∞" if math.isinf(value) else f"{value:g}"
