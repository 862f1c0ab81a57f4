"""What the state machine acts on: severity, oracles, transactions and tools for one
namespace. ``KernelEnvironment`` is the real one (the safety kernel and the oracles, through
public endpoints only); tests may pass any object with the same methods."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from stratus.agents.bounding import Limits
from stratus.agents.tools import MitigationTools, ReadTools
from stratus.observe.baseline import Baseline
from stratus.observe.clock import Clock
from stratus.observe.jaeger import JaegerClient
from stratus.observe.sla import Entrypoint
from stratus.oracles import OracleReport, evaluate
from stratus.tnr.gateway import Decision, Role
from stratus.tnr.severity import Severity
from stratus.tnr.transaction import Kernel, TransactionResult, WriteRecord

__all__ = ["Environment", "KernelEnvironment", "OpenTransaction"]


class OpenTransaction(Protocol):
    """What the machine needs of a transaction (``stratus.tnr.transaction.Transaction``)."""

    @property
    def id(self) -> int: ...

    def write(self, proposal: str | Sequence[str]) -> WriteRecord: ...

    def finish(self) -> TransactionResult: ...

    def abort(self, reason: str) -> TransactionResult: ...


class Environment(Protocol):
    @property
    def clock(self) -> Clock: ...

    @property
    def namespace(self) -> str: ...

    def capture_baseline(self) -> Baseline: ...

    def measure(self, baseline: Baseline) -> Severity: ...

    def health(self, baseline: Baseline) -> OracleReport:
        """The oracles checked once, without waiting (for detection)."""
        ...

    def validate(self, baseline: Baseline) -> OracleReport:
        """The oracles with their sustained window (for resolution)."""
        ...

    def begin(self, baseline: Baseline, note: str) -> OpenTransaction: ...

    def settle(self) -> None:
        """Wait until the rollouts in scope settle (after an undo)."""
        ...

    def read_tools(self, role: Role) -> ReadTools: ...

    def mitigation_tools(self, tx: OpenTransaction) -> MitigationTools: ...


class KernelEnvironment:
    """The safety kernel's severity, transactions and gateway, the oracles over the same
    Prometheus and cluster observer, and Jaeger (optional) for traces and topology."""

    def __init__(
        self,
        kernel: Kernel,
        namespace: str,
        entrypoints: Sequence[Entrypoint],
        *,
        jaeger: JaegerClient | None = None,
        limits: Limits | None = None,
        oracle_window: float = 120.0,
        oracle_step: float = 15.0,
    ) -> None:
        self.kernel = kernel
        self.namespace = namespace
        self.entrypoints = tuple(entrypoints)
        self.jaeger = jaeger
        self.limits = limits or Limits()
        self.oracle_window = oracle_window
        self.oracle_step = oracle_step
        self.clock: Clock = kernel.clock

    def capture_baseline(self) -> Baseline:
        return self.kernel.meter.capture_baseline(self.entrypoints)

    def measure(self, baseline: Baseline) -> Severity:
        return self.kernel.meter.measure(baseline)

    def health(self, baseline: Baseline) -> OracleReport:
        return self._oracles(baseline, 0.0)

    def validate(self, baseline: Baseline) -> OracleReport:
        return self._oracles(baseline, self.oracle_window)

    def begin(self, baseline: Baseline, note: str) -> OpenTransaction:
        return self.kernel.begin(baseline, note)

    def settle(self) -> None:
        self.kernel.meter.settle(self.clock, self.kernel.settle_bounds)

    def read_tools(self, role: Role) -> ReadTools:
        return ReadTools(
            self.kernel,
            role,
            self.namespace,
            prometheus=self.kernel.meter.prometheus,
            jaeger=self.jaeger,
            limits=self.limits,
            clock=self.clock,
        )

    def mitigation_tools(self, tx: OpenTransaction) -> MitigationTools:
        gateway = self.kernel.gateway

        def check(line: str | Sequence[str]) -> Decision:
            done = sum(1 for w in getattr(tx, "writes", ()) if w.ran)
            return gateway.check(line, "mitigation", writes_done=done)

        return MitigationTools(self.read_tools("mitigation"), tx, check)

    def _oracles(self, baseline: Baseline, window: float) -> OracleReport:
        meter = self.kernel.meter
        return evaluate(
            meter.prometheus,
            meter.cluster,
            baseline,
            sla=meter.sla,
            clock=self.clock,
            window=window,
            step=self.oracle_step,
            cluster_alerts=meter.cluster_alerts,
        )
