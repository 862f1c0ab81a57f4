"""The ablation's environment without undo: the same gateway, policy and dry-run confirmation
as the kernel, but writes are not checkpointed and nothing is ever undone. Each attempt still
settles and measures μ, and then keeps whatever it did ("naive retry" in the paper's
ablation; with one attempt, a plain act-then-submit loop)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Literal

from stratus.machine.environment import KernelEnvironment, OpenTransaction
from stratus.observe.baseline import Baseline
from stratus.observe.jaeger import JaegerClient
from stratus.observe.sla import Entrypoint
from stratus.tnr.errors import Refused, TnrError
from stratus.tnr.gateway import Decision
from stratus.tnr.severity import Severity
from stratus.tnr.transaction import Kernel, KernelEvent, TransactionResult, WriteRecord

__all__ = ["DirectEnvironment", "DirectTransaction"]

_ids = itertools.count(1)


class DirectTransaction:
    """Writes run at once, with no checkpoint; ``finish`` settles, measures and keeps them;
    ``abort`` keeps them too (there is nothing to undo with)."""

    def __init__(
        self,
        kernel: Kernel,
        baseline: Baseline,
        on_event: Callable[[KernelEvent], None] | None,
    ) -> None:
        self.kernel = kernel
        self.baseline = baseline
        self.on_event = on_event
        self.id = -next(_ids)  # negative: not a journal transaction
        self.writes: list[WriteRecord] = []
        self.mu_pre = kernel.meter.measure(baseline)
        self._emit("begin", f"attempt begins (no undo) at μ={self.mu_pre.mu:g}")
        self._done = False

    def write(self, proposal: str | Sequence[str]) -> WriteRecord:
        if self._done:
            raise TnrError(f"attempt {self.id} is finished")
        kernel, seq = self.kernel, len(self.writes) + 1
        done = sum(1 for w in self.writes if w.ran)
        decision = kernel.gateway.check(proposal, "mitigation", writes_done=done)
        if decision.allowed and decision.effect == "read":
            decision = _refused(decision, "this only reads; use a read tool")
        if not decision.allowed:
            return self._keep(WriteRecord(seq, decision, output=f"refused: {decision.reason}"))
        try:
            dry = kernel.gateway.confirm_with_dry_run(kernel.runner, decision)
        except Refused as refused:
            decision = _refused(decision, refused.reason, refused.code)
            return self._keep(WriteRecord(seq, decision, output=f"refused: {refused.reason}"))
        result = kernel.runner.run(decision.argv, input=decision.input)
        text = result.stdout if result.ok else (result.stderr or result.stdout)
        record = WriteRecord(seq, decision, dry.refs, result, kernel.gateway.redact(text.strip()))
        return self._keep(record)

    def finish(self) -> TransactionResult:
        self._done = True
        if not any(w.ran for w in self.writes):
            return self._result("empty", self.mu_pre, "no write ran", ())
        report = self.kernel.meter.settle(self.kernel.clock, self.kernel.settle_bounds)
        mu_post = self.kernel.meter.measure(self.baseline)
        return self._result(
            "committed",
            mu_post,
            f"kept without a check (μ now {mu_post.mu:g})",
            ((report.elapsed, mu_post.mu),),
        )

    def abort(self, reason: str) -> TransactionResult:
        self._done = True
        mu = self.kernel.meter.measure(self.baseline)
        return self._result("committed", mu, f"{reason}; nothing undone (no undo)", ())

    def _result(
        self,
        outcome: Literal["committed", "empty"],
        post: Severity,
        reason: str,
        path: Sequence[tuple[float, float]],
    ) -> TransactionResult:
        self._emit("commit", reason)
        return TransactionResult(
            self.id,
            outcome,
            self.mu_pre,
            post,
            tuple(path),
            (self.mu_pre.mu, post.mu),
            tuple(self.writes),
            None,
            reason,
        )

    def _keep(self, record: WriteRecord) -> WriteRecord:
        self.writes.append(record)
        return record

    def _emit(self, kind: str, message: str) -> None:
        if self.on_event is not None:
            self.on_event(KernelEvent(kind, self.id, message))


class DirectEnvironment(KernelEnvironment):
    """``KernelEnvironment`` whose attempts are ``DirectTransaction``s."""

    def __init__(
        self,
        kernel: Kernel,
        namespace: str,
        entrypoints: Sequence[Entrypoint],
        *,
        jaeger: JaegerClient | None = None,
        on_event: Callable[[KernelEvent], None] | None = None,
    ) -> None:
        super().__init__(kernel, namespace, entrypoints, jaeger=jaeger)
        self.on_event = on_event

    def begin(self, baseline: Baseline, note: str) -> OpenTransaction:
        return DirectTransaction(self.kernel, baseline, self.on_event)


def _refused(decision: Decision, reason: str, code: str = "not-a-write") -> Decision:
    return Decision(
        False, decision.role, decision.line, reason, code, decision.effect, decision.command
    )
