"""A scripted environment for the state machine: each proposed write moves μ to a scripted
value, transactions commit or undo by the kernel's rule, oracles pass when μ is 0 (unless
told otherwise). No cluster, no clock but a counter."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from stratus.agents.offline import OfflineDetector, OfflineMitigator, OfflineReflector
from stratus.agents.protocols import AgentSet, DiagnoseInput
from stratus.agents.results import Diagnosis, Hypothesis, ProposedAction, Usage
from stratus.agents.tools import MitigationTools, ReadTools
from stratus.kube.runner import KubectlResult
from stratus.machine import OpenTransaction
from stratus.observe.baseline import Baseline
from stratus.observe.clock import Clock
from stratus.oracles import OracleReport, OracleResult
from stratus.tnr.errors import UnfaithfulUndo
from stratus.tnr.gateway import Decision, Role
from stratus.tnr.severity import Severity
from stratus.tnr.transaction import ReadResult, TransactionResult, WriteRecord
from stratus.tnr.undo import UndoReport


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds


class NoReads:
    def read(self, proposal: str | Sequence[str], role: Role = "diagnosis") -> ReadResult:
        line = proposal if isinstance(proposal, str) else " ".join(proposal)
        return ReadResult(Decision(False, role, line, "no cluster here", "test"), None, "")


@dataclass
class FakeEnv:
    """``effects`` maps a command line to the μ it leads to; ``oracles_fail`` keeps the
    oracles failing whatever μ is; ``unfaithful`` makes undo unverifiable."""

    mu: float
    effects: dict[str, float]
    oracles_fail: bool = False
    unfaithful: bool = False
    namespace: str = "ns"
    ticks: FakeClock = field(default_factory=FakeClock)
    transactions: list[FakeTx] = field(default_factory=list)
    undone: list[int] = field(default_factory=list)

    @property
    def clock(self) -> Clock:
        return Clock(now=self.ticks.now, sleep=self.ticks.sleep)

    def capture_baseline(self) -> Baseline:
        return Baseline(captured_at=self.ticks.t, namespaces=(self.namespace,), workloads=())

    def measure(self, baseline: Baseline) -> Severity:
        return Severity(mu=self.mu, alert_score=self.mu)

    def health(self, baseline: Baseline) -> OracleReport:
        return OracleReport((OracleResult("health", True),))

    def validate(self, baseline: Baseline) -> OracleReport:
        self.ticks.sleep(120)
        ok = self.mu == 0 and not self.oracles_fail
        return OracleReport(
            (
                OracleResult("alerts", ok, () if ok else (f"alerts while μ={self.mu:g}",)),
                OracleResult("health", True),
            )
        )

    def begin(self, baseline: Baseline, note: str) -> FakeTx:
        tx = FakeTx(self, len(self.transactions) + 1, self.mu)
        self.transactions.append(tx)
        return tx

    def settle(self) -> None:
        self.ticks.sleep(60)

    def read_tools(self, role: Role) -> ReadTools:
        return ReadTools(NoReads(), role, self.namespace, clock=self.clock)

    def mitigation_tools(self, tx: OpenTransaction) -> MitigationTools:
        def check(line: str | Sequence[str]) -> Decision:
            text = line if isinstance(line, str) else " ".join(line)
            return Decision(True, "mitigation", text, "ok", effect="write")

        return MitigationTools(self.read_tools("mitigation"), tx, check)


@dataclass
class FakeTx:
    env: FakeEnv
    id: int
    mu_pre: float
    lines: list[str] = field(default_factory=list)
    outcome: str = ""

    def write(self, proposal: str | Sequence[str]) -> WriteRecord:
        line = proposal if isinstance(proposal, str) else " ".join(proposal)
        self.lines.append(line)
        decision = Decision(True, "mitigation", line, "ok", effect="write")
        result = KubectlResult((line,), (line,), 0, "done", "", 0.0)
        self.env.mu = self.env.effects.get(line, self.env.mu)
        return WriteRecord(len(self.lines), decision, (), result, "done")

    def finish(self) -> TransactionResult:
        self.env.ticks.sleep(60)
        if not self.lines:
            return self._result("empty", self.mu_pre, "no write ran")
        if self.env.mu <= self.mu_pre:
            return self._result("committed", self.env.mu, "no regression")
        return self.abort(f"μ rose {self.mu_pre:g} → {self.env.mu:g}")

    def abort(self, reason: str) -> TransactionResult:
        post = self.env.mu
        self.env.mu = self.mu_pre
        self.env.undone.append(self.id)
        report = UndoReport(self.id)
        if self.env.unfaithful:
            raise UnfaithfulUndo(self.id, {}, {}, report)
        return self._result("aborted-and-undone", post, reason, report)

    def _result(
        self, outcome: str, post: float, reason: str, undo: UndoReport | None = None
    ) -> TransactionResult:
        self.outcome = outcome
        return TransactionResult(
            self.id,
            outcome,  # type: ignore[arg-type]
            Severity(mu=self.mu_pre),
            Severity(mu=post),
            (),
            (self.mu_pre, post),
            (),
            undo,
            reason,
        )


class ScriptedDiagnoser:
    """Always the same hypotheses, one action per scripted line, in order."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = list(lines)
        self.seen: list[DiagnoseInput] = []

    def diagnose(self, task: DiagnoseInput) -> Diagnosis:
        self.seen.append(task)
        actions = tuple(
            ProposedAction(key=line, title=f"do {line}", commands=(line,)) for line in self.lines
        )
        hypothesis = Hypothesis(statement="scripted cause", category="unknown", actions=actions)
        return Diagnosis(
            summary="scripted cause",
            category="unknown",
            hypotheses=(hypothesis,),
            usage=Usage(steps=1),
        )


def scripted_agents(lines: Sequence[str]) -> tuple[AgentSet, ScriptedDiagnoser]:
    diagnoser = ScriptedDiagnoser(lines)
    agents = AgentSet(
        model="scripted",
        detector=OfflineDetector(),
        diagnoser=diagnoser,
        mitigator=OfflineMitigator(),
        reflector=OfflineReflector(),
    )
    return agents, diagnoser
