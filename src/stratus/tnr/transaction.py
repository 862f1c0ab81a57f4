"""Transactions: checkpoint μ and every object a write touches, run at most K writes, let the
system settle, then commit if it did not crash and μ did not rise, or abort and undo.

The journal is written before each write runs, so a process that dies at any point leaves
enough on disk for :func:`stratus.tnr.undo.recover` to roll the open transaction back.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from stratus.kube.client import KubeClient
from stratus.kube.refs import ObjectRef
from stratus.kube.runner import Kubectl, KubectlResult
from stratus.observe.baseline import Baseline
from stratus.observe.clock import WALL_CLOCK, Clock
from stratus.tnr.errors import Refused, TnrError
from stratus.tnr.gateway import Decision, Gateway, Role
from stratus.tnr.journal import Journal, TxState
from stratus.tnr.settle import SettleBounds
from stratus.tnr.severity import Severity, SeverityMeter
from stratus.tnr.undo import UndoReport, recover, undo

__all__ = [
    "Approval",
    "Kernel",
    "KernelEvent",
    "Outcome",
    "ReadResult",
    "Transaction",
    "TransactionResult",
    "WriteRecord",
]

Approval = Literal["auto", "ask", "dry-run"]
Outcome = Literal["committed", "aborted-and-undone", "dry-run", "empty"]


@dataclass(frozen=True)
class KernelEvent:
    """Something the kernel did, for progress displays and reports."""

    kind: str  # begin, refused, dry-run, write, settle, sample, commit, abort, undo, restored
    tx_id: int | None
    message: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ReadResult:
    decision: Decision
    result: KubectlResult | None  # None when refused
    output: str  # what the proposer sees: stdout (or the error), secrets redacted


@dataclass(frozen=True)
class WriteRecord:
    seq: int
    decision: Decision
    touched: tuple[ObjectRef, ...] = ()
    result: KubectlResult | None = None  # None when refused or in dry-run mode
    output: str = ""

    @property
    def ran(self) -> bool:
        return self.result is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "line": self.decision.line,
            "allowed": self.decision.allowed,
            "reason": self.decision.reason,
            "touched": [str(r) for r in self.touched],
            "exit_code": None if self.result is None else self.result.exit_code,
            "output": self.output,
        }


@dataclass(frozen=True)
class TransactionResult:
    tx_id: int
    outcome: Outcome
    mu_pre: Severity
    mu_post: Severity
    hidden_path: tuple[tuple[float, float], ...]  # (seconds since begin, μ) while settling
    visible_path: tuple[float, ...]  # μ at the boundaries an observer sees
    writes: tuple[WriteRecord, ...]
    undo: UndoReport | None
    reason: str
    mu_restored: Severity | None = None  # μ once the undone state settled

    @property
    def committed(self) -> bool:
        return self.outcome == "committed"

    def to_dict(self) -> dict[str, Any]:
        return {
            "tx_id": self.tx_id,
            "outcome": self.outcome,
            "reason": self.reason,
            "mu_pre": _mu(self.mu_pre.mu),
            "mu_post": _mu(self.mu_post.mu),
            "hidden_path": [[t, _mu(m)] for t, m in self.hidden_path],
            "visible_path": [_mu(m) for m in self.visible_path],
            "writes": [w.to_dict() for w in self.writes],
            "undo": None if self.undo is None else self.undo.to_dict(),
            "mu_restored": None if self.mu_restored is None else _mu(self.mu_restored.mu),
        }


def _mu(value: float) -> float | str:
    return "Infinity" if math.isinf(value) else value


class Kernel:
    """Everything needed to act safely on one cluster: the kubectl runner, a REST client for
    snapshots and undo, the gateway (grammar and policy), the journal, and the severity meter.
    ``clock`` decides what waiting means (virtual time on the emulator)."""

    def __init__(
        self,
        *,
        runner: Kubectl,
        client: KubeClient,
        gateway: Gateway,
        journal: Journal,
        meter: SeverityMeter,
        clock: Clock = WALL_CLOCK,
        settle: SettleBounds | None = None,
        approval: Approval = "auto",
        ask: Callable[[Decision], bool] | None = None,
        on_event: Callable[[KernelEvent], None] | None = None,
        sample_every: float = 15.0,
    ) -> None:
        if approval == "ask" and ask is None:
            raise TnrError("approval mode 'ask' needs a way to ask (ask=...)")
        self.runner = runner
        self.client = client
        self.gateway = gateway
        self.journal = journal
        self.meter = meter
        self.clock = clock
        self.settle_bounds = settle or SettleBounds()
        self.approval: Approval = approval
        self.ask = ask
        self.on_event = on_event
        self.sample_every = sample_every

    def close(self) -> None:
        """Release the journal's writer lock and the connections."""
        self.journal.release()
        self.client.close()
        self.meter.prometheus.close()

    def __enter__(self) -> Kernel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def emit(self, kind: str, tx_id: int | None, message: str, **data: Any) -> None:
        if self.on_event is not None:
            self.on_event(KernelEvent(kind, tx_id, message, data))

    def read(self, proposal: str | Sequence[str], role: Role = "diagnosis") -> ReadResult:
        """Run a read-only command for ``role``; writes are refused here whatever the role."""
        decision = self.gateway.check(proposal, role)
        if decision.allowed and decision.effect != "read":
            decision = _refuse(decision, "read-only", "this is a read; writes go in a transaction")
        if not decision.allowed:
            self.emit("refused", None, decision.reason, line=decision.line)
            return ReadResult(decision, None, f"refused: {decision.reason}")
        result = self.runner.run(decision.argv, input=decision.input)
        text = result.stdout if result.ok else (result.stderr or result.stdout)
        return ReadResult(decision, result, self.gateway.redact(text))

    def recover(self) -> list[UndoReport]:
        """Roll back transactions a process that died left open or aborted, newest first."""
        pending = self.journal.open_transactions()
        if not pending:
            return []
        ids = ", ".join(str(t.id) for t in pending)
        self.emit("recover", None, f"rolling back unfinished transactions {ids}")
        reports = recover(self.client, self.journal, sleep=self.clock.sleep)
        for report in reports:
            self.emit("undo", report.tx_id, f"transaction {report.tx_id} rolled back, verified")
        return reports

    def begin(self, baseline: Baseline, note: str = "") -> Transaction:
        """Open a transaction: measure μ_pre and record it durably before anything runs."""
        mu_pre = self.meter.measure(baseline)
        tx_id = self.journal.begin(
            {
                "note": note,
                "mu_pre": _mu(mu_pre.mu),
                "approval": self.approval,
                "severity": mu_pre.model_dump(mode="json"),
            }
        )
        self.emit("begin", tx_id, f"transaction {tx_id} begins at {mu_pre}", mu=_mu(mu_pre.mu))
        return Transaction(self, tx_id, baseline, mu_pre)


class Transaction:
    """One mitigation attempt. ``write`` runs (or refuses) one proposal; ``finish`` settles,
    measures and commits or undoes. Use it once; ``finish`` must be called."""

    def __init__(self, kernel: Kernel, tx_id: int, baseline: Baseline, mu_pre: Severity) -> None:
        self.kernel = kernel
        self.id = tx_id
        self.baseline = baseline
        self.mu_pre = mu_pre
        self.writes: list[WriteRecord] = []
        self._checkpointed: set[ObjectRef] = set()
        self._done = False

    @property
    def writes_done(self) -> int:
        return sum(1 for w in self.writes if w.ran)

    def write(self, proposal: str | Sequence[str]) -> WriteRecord:
        """Check ``proposal`` (gateway, policy, K), confirm what it touches with a server-side
        dry run, checkpoint those objects in the journal, then run it."""
        if self._done:
            raise TnrError(f"transaction {self.id} is finished")
        kernel, seq = self.kernel, len(self.writes) + 1
        decision = kernel.gateway.check(proposal, "mitigation", writes_done=self.writes_done)
        if decision.allowed and decision.effect == "read":
            decision = _refuse(decision, "not-a-write", "this only reads; use a read tool")
        if decision.allowed and kernel.approval == "ask" and not _approved(kernel, decision):
            decision = _refuse(decision, "not-approved", "the operator did not approve it")
        if not decision.allowed:
            return self._record(WriteRecord(seq, decision, output=f"refused: {decision.reason}"))
        try:
            dry = kernel.gateway.confirm_with_dry_run(kernel.runner, decision)
        except Refused as refused:
            decision = _refuse(decision, refused.code, refused.reason)
            return self._record(WriteRecord(seq, decision, output=f"refused: {refused.reason}"))
        touched = dry.refs
        if kernel.approval == "dry-run":
            text = f"dry run: would touch {', '.join(map(str, touched)) or 'nothing visible'}"
            return self._record(WriteRecord(seq, decision, touched, None, text))
        for ref in touched:
            if ref not in self._checkpointed:
                kernel.journal.snapshot(self.id, ref, kernel.client.get(ref))
                self._checkpointed.add(ref)
        kernel.journal.planned(self.id, seq, list(decision.argv), touched)
        result = kernel.runner.run(decision.argv, input=decision.input)
        kernel.journal.outcome(self.id, seq, result.exit_code, result.stdout, result.stderr)
        text = result.stdout if result.ok else (result.stderr or result.stdout)
        return self._record(
            WriteRecord(seq, decision, touched, result, kernel.gateway.redact(text.strip()))
        )

    def _record(self, record: WriteRecord) -> WriteRecord:
        self.writes.append(record)
        kernel = self.kernel
        if record.decision.allowed and not record.ran:
            kernel.emit("dry-run", self.id, record.output, line=record.decision.line)
        elif record.ran:
            kernel.emit(
                "write",
                self.id,
                record.decision.line,
                seq=record.seq,
                exit_code=record.result.exit_code if record.result else None,
                touched=[str(r) for r in record.touched],
            )
        else:
            kernel.emit("refused", self.id, record.output, line=record.decision.line)
        return record

    def finish(self) -> TransactionResult:
        """Settle, measure μ_post, then commit (not crashed and μ_post ≤ μ_pre) or undo."""
        if self._done:
            raise TnrError(f"transaction {self.id} is finished")
        self._done = True
        kernel = self.kernel
        if kernel.approval == "dry-run" or self.writes_done == 0:
            outcome: Outcome = "dry-run" if kernel.approval == "dry-run" else "empty"
            kernel.journal.close(self.id, TxState.COMMITTED, {"outcome": outcome})
            kernel.emit("commit", self.id, f"nothing ran ({outcome})")
            return self._result(outcome, self.mu_pre, (), None, "no write ran")
        path = self._settle()
        mu_post = kernel.meter.measure(self.baseline)
        if not mu_post.crashed and mu_post.mu <= self.mu_pre.mu:
            reason = f"μ {_text(self.mu_pre.mu)} → {_text(mu_post.mu)}: no regression"
            kernel.journal.close(
                self.id, TxState.COMMITTED, {"mu_post": _mu(mu_post.mu), "reason": reason}
            )
            kernel.emit("commit", self.id, reason, mu=_mu(mu_post.mu))
            return self._result("committed", mu_post, path, None, reason)
        reason = (
            f"crashed: {mu_post.crash_reason}"
            if mu_post.crashed
            else f"μ rose {_text(self.mu_pre.mu)} → {_text(mu_post.mu)}"
        )
        return self._abort(reason, mu_post, path, measure_restored=True)

    def abort(self, reason: str) -> TransactionResult:
        """Undo whatever ran, without waiting to measure (e.g. the caller gave up)."""
        if self._done:
            raise TnrError(f"transaction {self.id} is finished")
        self._done = True
        return self._abort(reason, self.kernel.meter.measure(self.baseline), ())

    def _abort(
        self,
        reason: str,
        mu_post: Severity,
        path: tuple[tuple[float, float], ...],
        *,
        measure_restored: bool = False,
    ) -> TransactionResult:
        """Undo, and with ``measure_restored`` let the restored state settle and measure
        it: what an observer sees after an undone attempt is that μ, not the one before."""
        kernel = self.kernel
        kernel.journal.close(
            self.id, TxState.ABORTED, {"mu_post": _mu(mu_post.mu), "reason": reason}
        )
        kernel.emit("abort", self.id, reason, mu=_mu(mu_post.mu))
        report = undo(kernel.client, kernel.journal, self.id, sleep=kernel.clock.sleep)
        kernel.emit(
            "undo",
            self.id,
            f"undone: {len(report.steps)} objects restored, verified",
            steps=len(report.steps),
        )
        restored = self._restored() if measure_restored else None
        result = self._result("aborted-and-undone", mu_post, path, report, reason)
        if restored is None:
            return result
        return replace(result, mu_restored=restored, visible_path=(self.mu_pre.mu, restored.mu))

    def _restored(self) -> Severity:
        """μ of the restored state: once it settled, and then (alerts resolve and rate
        windows drain after the cause is gone) as soon as μ is back to μ_pre, or when the
        settle bound has passed since the undo, whichever comes first."""
        kernel = self.kernel
        bounds = kernel.settle_bounds
        start = kernel.clock.now()
        settled = kernel.meter.settle(kernel.clock, bounds)
        restored = kernel.meter.measure(self.baseline)
        while restored.mu > self.mu_pre.mu and kernel.clock.now() - start < bounds.max_seconds:
            kernel.clock.sleep(min(3 * bounds.step_seconds, bounds.max_seconds))
            restored = kernel.meter.measure(self.baseline)
        waited = kernel.clock.now() - start
        kernel.emit(
            "restored",
            self.id,
            f"μ={_text(restored.mu)} {waited:g} s after the undo ({settled.reason})",
            mu=_mu(restored.mu),
        )
        return restored

    def _settle(self) -> tuple[tuple[float, float], ...]:
        kernel = self.kernel
        samples: list[tuple[float, float]] = []
        last = -math.inf

        def sample(elapsed: float) -> None:
            nonlocal last
            if elapsed - last >= kernel.sample_every:
                last = elapsed
                mu = kernel.meter.measure(self.baseline).mu
                samples.append((elapsed, mu))
                kernel.emit("sample", self.id, f"μ={_text(mu)} after {elapsed:g}s", mu=_mu(mu))

        report = kernel.meter.settle(kernel.clock, kernel.settle_bounds, sample)
        kernel.emit("settle", self.id, report.reason, seconds=report.elapsed)
        return tuple(samples)

    def _result(
        self,
        outcome: Outcome,
        mu_post: Severity,
        path: tuple[tuple[float, float], ...],
        report: UndoReport | None,
        reason: str,
    ) -> TransactionResult:
        visible = (self.mu_pre.mu,) if outcome != "committed" else (self.mu_pre.mu, mu_post.mu)
        return TransactionResult(
            self.id,
            outcome,
            self.mu_pre,
            mu_post,
            path,
            visible,
            tuple(self.writes),
            report,
            reason,
        )


def _refuse(decision: Decision, code: str, reason: str) -> Decision:
    return Decision(
        False, decision.role, decision.line, reason, code, decision.effect, decision.command
    )


def _approved(kernel: Kernel, decision: Decision) -> bool:
    assert kernel.ask is not None
    return kernel.ask(decision)


def _text(mu: float) -> str:
    return "∞" if math.isinf(mu) else f"{mu:g}"
