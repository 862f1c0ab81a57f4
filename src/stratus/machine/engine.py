"""The deterministic state machine that owns control flow; agents only fill in the data.

One incident: DETECT → DIAGNOSE → MITIGATE (one transaction) → VALIDATE → COMMIT | UNDO →
RETRY (at most N attempts, each fed the oracle results and a reflection) → RESOLVED |
ESCALATE. Two rules hold by construction:

- a committed transaction is never undone: the kernel committed it because μ did not rise,
  so when the oracles still fail the next attempt starts from there;
- RESOLVED is reached only from COMMIT with every oracle passing (or, when nothing is left
  to try, with every oracle passing on their own), never while an oracle fails.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

from stratus.agents.budget import Budget, BudgetMeter
from stratus.agents.errors import AgentError, BudgetExhausted
from stratus.agents.protocols import (
    AgentSet,
    Attempt,
    AttemptOutcome,
    DetectInput,
    DiagnoseInput,
    MitigateInput,
    OracleSummary,
    ReflectInput,
)
from stratus.agents.reference import Reference, observed, reconstructed
from stratus.agents.results import DetectionReport, Diagnosis, MitigationReport
from stratus.machine.environment import Environment, OpenTransaction
from stratus.machine.events import EventBus
from stratus.machine.phases import Phase
from stratus.machine.report import (
    IncidentReport,
    MuPoint,
    Outcome,
    summarize_oracles,
    summarize_transaction,
)
from stratus.oracles import OracleReport
from stratus.tnr.errors import UndoFailed, UnfaithfulUndo
from stratus.tnr.transaction import TransactionResult

__all__ = ["Machine"]


class Machine:
    """Drives ``agents`` against ``env`` within ``budget``. ``validate_seconds`` bounds how
    long a committed fix is given for the oracles to pass (alerts with long windows clear
    slowly), checked every ``validate_poll`` seconds."""

    def __init__(
        self,
        env: Environment,
        agents: AgentSet,
        budget: Budget | None = None,
        *,
        bus: EventBus | None = None,
        validate_seconds: float = 360.0,
        validate_poll: float = 30.0,
    ) -> None:
        self.env = env
        self.agents = agents
        self.budget = budget or Budget()
        self.bus = bus or EventBus()
        self.validate_seconds = validate_seconds
        self.validate_poll = validate_poll

    def observe_reference(self) -> Reference:
        """The reference now, taken as healthy: the baseline and the known-good objects."""
        return observed(self.env.capture_baseline(), self.env.read_tools("detection"))

    def reconstruct_reference(self) -> Reference:
        """A reference rebuilt from what the cluster records (one-shot runs)."""
        return reconstructed(self.env.capture_baseline(), self.env.read_tools("detection"))

    def handle(self, reference: Reference | None = None) -> IncidentReport:
        """Run one incident from DETECT to a terminal phase."""
        return _Run(self).run(reference)


class _Run:
    def __init__(self, machine: Machine) -> None:
        self.m = machine
        self.env = machine.env
        self.bus = machine.bus
        self.agents = machine.agents
        self.meter = BudgetMeter(machine.budget, self.env.clock.now)
        self.wall = time.monotonic()
        self.attempts: list[Attempt] = []
        self.blocked: list[str] = []
        self.mu_initial = 0.0
        self.mu_last = 0.0
        self.final: OracleSummary | None = None

    def run(self, reference: Reference | None) -> IncidentReport:
        self.bus.start(self.env.clock.now)
        self.bus.attempt = 0
        self.bus.enter(Phase.DETECT, "is something wrong?")
        ref = reference or self.m.reconstruct_reference()
        self.ref = ref
        detection = self._detect(ref)
        self.detection = detection
        if not detection.incident:
            self.bus.enter(Phase.HEALTHY, detection.summary)
            return self._report("no-incident", detection.summary)
        try:
            return self._attempts(ref, detection)
        except BudgetExhausted as exc:
            return self._escalate(str(exc))
        except (UnfaithfulUndo, UndoFailed) as exc:
            return self._escalate(
                f"undo could not be verified, so STRATUS stopped acting: {exc}",
                "inspect the transaction with `stratus journal show` and restore by hand",
            )

    # -- phases -------------------------------------------------------------------------

    def _detect(self, ref: Reference) -> DetectionReport:
        severity = self.env.measure(ref.baseline)
        health = self.env.health(ref.baseline)
        self.mu_initial = self.mu_last = severity.mu
        self.bus.emit("mu", f"μ = {_text(severity.mu)} at detection", mu=severity.mu)
        failing = tuple(str(r) for r in health.results if not r.passed)
        task = DetectInput(
            self.env.read_tools("detection"),
            ref,
            severity,
            failing,
            self.m.budget.steps_per_attempt,
        )
        detection = self.agents.detector.detect(task)
        self.meter.charge("detector", detection.usage)
        self.bus.emit("detected", detection.summary, incident=detection.incident)
        return detection

    def _attempts(self, ref: Reference, detection: DetectionReport) -> IncidentReport:
        budget = self.m.budget
        for number in range(1, budget.attempts + 1):
            self.meter.check()
            self.bus.attempt = number
            diagnosis = self._diagnose(ref, detection)
            attempt = self._attempt(number, ref, detection, diagnosis)
            if attempt.outcome == "resolved":
                self.attempts.append(attempt)
                self.bus.enter(Phase.RESOLVED, "every oracle passes")
                return self._report("resolved", f"resolved by attempt {number}")
            if attempt.outcome == "no-plan":
                self.attempts.append(attempt)
                return self._nothing_left(ref)
            reflection = self.agents.reflector.reflect(
                ReflectInput(attempt, tuple(self.attempts), detection)
            )
            self.meter.charge("reflector", reflection.usage)
            self.attempts.append(attempt.model_copy(update={"reflection": reflection}))
            self.bus.enter(Phase.RETRY, reflection.lesson or f"attempt {number} did not solve it")
            self.bus.emit("reflection", reflection.lesson)
            if attempt.transaction is not None and attempt.transaction.outcome == "dry-run":
                plan = attempt.mitigation.plan
                advice = (
                    ("review the proposed plan, then apply it: " + "; ".join(plan.commands),)
                    if plan is not None and plan.commands
                    else ()
                )
                return self._escalate("dry-run: the plan was proposed, not applied", *advice)
        return self._escalate(f"{budget.attempts} attempts did not solve it")

    def _diagnose(self, ref: Reference, detection: DetectionReport) -> Diagnosis:
        self.bus.enter(Phase.DIAGNOSE, "what is the root cause?")
        task = DiagnoseInput(
            self.env.read_tools("diagnosis"),
            ref,
            detection,
            tuple(self.attempts),
            self.m.budget.steps_per_attempt,
        )
        diagnosis = self.agents.diagnoser.diagnose(task)
        self.meter.charge("diagnoser", diagnosis.usage)
        self.bus.emit("diagnosis", diagnosis.summary, category=diagnosis.category)
        return diagnosis

    def _attempt(
        self, number: int, ref: Reference, detection: DetectionReport, diagnosis: Diagnosis
    ) -> Attempt:
        self.bus.enter(Phase.MITIGATE, "one transaction")
        tx = self.env.begin(ref.baseline, f"attempt {number}: {diagnosis.summary}"[:200])
        try:
            report = self._mitigate(tx, ref, detection, diagnosis)
        except AgentError as exc:
            result = tx.abort(f"the mitigation agent failed: {exc}")
            report = MitigationReport(plan=None, note=f"agent error: {exc}")
            return self._after(number, diagnosis, report, result, ref)
        except BaseException:
            tx.abort("the run stopped")
            raise
        self.blocked += [b for b in report.blocked if b not in self.blocked]
        if report.plan is None:
            tx.finish()  # nothing ran: an empty transaction
            return Attempt(number=number, diagnosis=diagnosis, mitigation=report, outcome="no-plan")
        self.bus.enter(Phase.VALIDATE, "settle, then compare μ")
        result = tx.finish()
        return self._after(number, diagnosis, report, result, ref)

    def _mitigate(
        self,
        tx: OpenTransaction,
        ref: Reference,
        detection: DetectionReport,
        diagnosis: Diagnosis,
    ) -> MitigationReport:
        tools = self.env.mitigation_tools(tx)

        def announce(title: str, commands: Sequence[str]) -> None:
            self.bus.emit("plan", title, commands=list(commands))

        tools.on_plan = announce
        task = MitigateInput(
            tools, ref, detection, diagnosis, tuple(self.attempts), self.m.budget.steps_per_attempt
        )
        report = self.agents.mitigator.mitigate(task)
        self.meter.charge("mitigator", report.usage)
        if not report.writes and tools.outcomes:
            report = report.model_copy(update={"writes": tuple(tools.outcomes)})
        if report.plan is not None and not tools.announced:
            self.bus.emit("plan", report.plan.title, commands=list(report.plan.commands))
        return report

    def _after(
        self,
        number: int,
        diagnosis: Diagnosis,
        report: MitigationReport,
        result: TransactionResult,
        ref: Reference,
    ) -> Attempt:
        summary = summarize_transaction(result, report)
        oracles: OracleSummary | None = None
        outcome: AttemptOutcome
        if result.outcome == "aborted-and-undone":
            self.bus.enter(Phase.UNDO, f"undone: {result.reason}")
            self.env.settle()
            outcome = "undone"
        elif result.outcome == "committed":
            self.mu_last = result.mu_post.mu
            self.bus.enter(Phase.COMMIT, f"kept: {result.reason}")
            verdict = self._validate(ref)
            oracles = self.final = summarize_oracles(verdict)
            self.bus.emit("oracles", str(verdict), passed=verdict.passed)
            outcome = "resolved" if verdict.passed else "kept-unsolved"
        else:
            outcome = "nothing-ran"
        return Attempt(
            number=number,
            diagnosis=diagnosis,
            mitigation=report,
            transaction=summary,
            oracles=oracles,
            outcome=outcome,
        )

    def _validate(self, ref: Reference, *, stall: int | None = None) -> OracleReport:
        """The oracles, rechecked until they pass or ``validate_seconds`` pass. With
        ``stall``, give up sooner once μ stopped falling for ``stall`` checks while the
        health oracle fails (nothing is recovering by itself)."""
        clock = self.env.clock
        deadline = clock.now() + self.m.validate_seconds
        best, flat = math.inf, 0
        while True:
            verdict = self.env.validate(ref.baseline)
            mu = self.env.measure(ref.baseline).mu
            self.mu_last = mu
            self.bus.emit("mu", "μ while validating", mu=mu)
            if verdict.passed or clock.now() >= deadline:
                return verdict
            flat = 0 if mu < best else flat + 1
            best = min(best, mu)
            healthy = all(r.passed for r in verdict.results if r.name == "health")
            if stall is not None and flat >= stall and not healthy:
                return verdict
            self.bus.emit("waiting", f"oracles not yet passing: {verdict}")
            clock.sleep(self.m.validate_poll)

    def _nothing_left(self, ref: Reference) -> IncidentReport:
        verdict = self._validate(ref, stall=3)
        self.final = summarize_oracles(verdict)
        if verdict.passed:
            self.bus.enter(Phase.RESOLVED, "nothing to do: every oracle passes")
            return self._report("resolved", "the system recovered without any action")
        last = self.attempts[-1].diagnosis.summary if self.attempts else ""
        return self._escalate(
            "no untried cluster-level action is left" + (f"; diagnosis: {last}" if last else "")
        )

    # -- endings ------------------------------------------------------------------------

    def _escalate(self, reason: str, *advice: str) -> IncidentReport:
        self.bus.enter(Phase.ESCALATE, reason)
        return self._report("escalated", reason, advice)

    def _report(
        self, outcome: Outcome, reason: str, advice: tuple[str, ...] = ()
    ) -> IncidentReport:
        if outcome != "no-incident":
            self.mu_last = self.env.measure(self.ref.baseline).mu
            self.bus.emit("mu", f"μ = {_text(self.mu_last)} at the end", mu=self.mu_last)
        self.bus.emit("outcome", reason, outcome=outcome)
        return IncidentReport(
            outcome=outcome,
            reason=reason,
            model=self.agents.model,
            namespace=self.env.namespace,
            reference=self.ref.source,
            seconds=self.meter.seconds,
            wall_seconds=time.monotonic() - self.wall,
            detection=self.detection,
            attempts=tuple(self.attempts),
            final_oracles=self.final,
            mu=tuple(MuPoint(t=t, mu=mu, label=label) for t, mu, label in self.bus.timeline),
            mu_initial=self.mu_initial,
            mu_final=self.mu_last,
            recommendations=self._recommendations(outcome, advice),
            usage=self.meter.total,
            usage_by_agent=dict(self.meter.by_agent),
        )

    def _recommendations(self, outcome: Outcome, advice: tuple[str, ...]) -> tuple[str, ...]:
        if outcome != "escalated":
            return advice
        out = list(advice)
        for attempt in self.attempts:
            for hypothesis in attempt.diagnosis.hypotheses:
                if hypothesis.needs_human and hypothesis.needs_human not in out:
                    out.append(hypothesis.needs_human)
        out += [f"refused by policy: {b}" for b in self.blocked]
        tried = [
            f"attempt {a.number}: {a.mitigation.plan.title} → {a.outcome}"
            for a in self.attempts
            if a.mitigation.plan is not None
        ]
        if tried:
            out.append("already tried: " + "; ".join(tried))
        return tuple(out)


def _text(mu: float) -> str:
    return "∞" if math.isinf(mu) else f"{mu:g}"
