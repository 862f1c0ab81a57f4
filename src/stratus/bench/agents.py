"""The agents the benchmark runs, by name:

- ``stratus``: the state machine over the safety kernel (every attempt a transaction, undone
  when μ rises), up to ``attempts`` attempts;
- ``no-retry``: the same, one attempt;
- ``naive-retry``: up to ``attempts`` attempts, without undo (writes stay whatever μ does);
- ``react``: one attempt without undo: act, then submit (the shape of AIOpsLab's ReAct);
- ``noop``, ``delete``, ``scale-zero``, ``cordon``: scripted actors that test the oracles.

The brain is ``--model`` (``offline``, ``provider:name``) or, for the TNR ablation, the seeded
stochastic policy. Detection runs the detector only; localization and analysis the detector
and one diagnosis; mitigation the whole machine."""

from __future__ import annotations

from collections.abc import Callable

from stratus.agents import build_agents
from stratus.agents.budget import Budget
from stratus.agents.protocols import AgentSet, DetectInput, DiagnoseInput
from stratus.agents.reference import Reference
from stratus.bench.actors import ACTORS
from stratus.bench.agent import AgentRun, AgentSpec, AgentTask, BenchAgent
from stratus.bench.direct import DirectEnvironment
from stratus.bench.grade import Answer
from stratus.bench.stochastic import stochastic_agents
from stratus.machine import EventBus, IncidentReport, KernelEnvironment, Machine
from stratus.observe.jaeger import JaegerClient
from stratus.tnr.connect import open_kernel
from stratus.tnr.policy import Policy
from stratus.tnr.settle import SettleBounds
from stratus.tnr.transaction import Kernel, KernelEvent

__all__ = ["MachineAgent", "make_agent"]

AgentFactory = Callable[[AgentSpec, AgentTask], AgentSet]


def make_agent(spec: AgentSpec, agents: AgentFactory | None = None) -> BenchAgent:
    """The agent ``spec`` names; ``agents`` overrides how its ``AgentSet`` is built (tests
    pass a scripted LLM this way)."""
    actor = ACTORS.get(spec.name)
    if actor is not None:
        return actor()
    return MachineAgent(spec, agents)


def _agent_set(spec: AgentSpec, task: AgentTask) -> AgentSet:
    if spec.brain == "stochastic":
        if task.hints is None:
            raise ValueError("the stochastic policy needs the problem's hints")
        return stochastic_agents(task.hints, spec.p_right, spec.p_harmful, task.seed)
    return build_agents(spec.model)


def _policy(spec: AgentSpec, task: AgentTask) -> Policy | None:
    """The policy file the spec names, else the kernel's defaults; for the ablation, one
    that lets its right fixes run: ``exec`` into a database, patches of PersistentVolumes
    and re-applying the app's manifests."""
    if spec.kernel_policy is not None:
        return Policy.load(spec.kernel_policy)
    if spec.brain != "stochastic" or task.hints is None:
        return None
    dirs = (task.hints.app_dir,) if task.hints.app_dir else ()
    return Policy(
        allow_irreversible=True, cluster_kinds=("Node", "PersistentVolume"), manifest_dirs=dirs
    )


class MachineAgent:
    """STRATUS's state machine (or a baseline variant of it) over a kernel it opens on the
    problem's public endpoints."""

    def __init__(self, spec: AgentSpec, agents: AgentFactory | None = None) -> None:
        self.spec = spec
        self._agents = agents or _agent_set
        self.kernel: Kernel | None = None
        self.jaeger: JaegerClient | None = None
        self.reference: Reference | None = None

    def prepare(self, task: AgentTask) -> None:
        ep = task.endpoints
        self.bus = EventBus()
        self.agent_set = self._agents(self.spec, task)

        def on_event(event: KernelEvent) -> None:
            self.bus.kernel(event)
            task.on_kernel_event(event)

        self.kernel = open_kernel(
            ep.connection,
            policy=_policy(self.spec, task),
            journal=ep.workdir / "journal.sqlite",
            clock=ep.clock,
            settle=SettleBounds(min_seconds=60, max_seconds=300),
            on_event=on_event,
            cache_dir=ep.workdir / "kube-cache",
        )
        self.jaeger = JaegerClient(ep.jaeger)
        direct = self.spec.name in ("naive-retry", "react")
        env = (
            DirectEnvironment(
                self.kernel, ep.namespace, ep.entrypoints, jaeger=self.jaeger, on_event=on_event
            )
            if direct
            else KernelEnvironment(self.kernel, ep.namespace, ep.entrypoints, jaeger=self.jaeger)
        )
        attempts = 1 if self.spec.name in ("no-retry", "react") else self.spec.attempts
        self.budget = Budget(attempts=attempts, steps_per_attempt=self.spec.steps)
        self.env = env
        self.machine = Machine(env, self.agent_set, self.budget, bus=self.bus)
        if self.spec.reference == "observed":
            self.reference = self.machine.observe_reference()

    def run(self, task: AgentTask) -> AgentRun:
        reference = self.reference or self.machine.reconstruct_reference()
        if task.task == "mitigation":
            return _from_report(self.machine.handle(reference))
        detection = self.agent_set.detector.detect(
            DetectInput(
                self.env.read_tools("detection"),
                reference,
                self.env.measure(reference.baseline),
                tuple(str(r) for r in self.env.health(reference.baseline).results if not r.passed),
                self.budget.steps_per_attempt,
            )
        )
        if task.task == "detection":
            answer = Answer(incident=detection.incident, summary=detection.summary)
            return AgentRun(answer=answer, outcome="answered", usage=detection.usage)
        diagnosis = self.agent_set.diagnoser.diagnose(
            DiagnoseInput(
                self.env.read_tools("diagnosis"),
                reference,
                detection,
                (),
                self.budget.steps_per_attempt,
            )
        )
        answer = Answer(
            incident=detection.incident,
            components=tuple(str(c) for c in diagnosis.components),
            category=diagnosis.category,
            summary=diagnosis.summary,
        )
        return AgentRun(answer=answer, outcome="answered", usage=detection.usage + diagnosis.usage)

    def close(self) -> None:
        if self.jaeger is not None:
            self.jaeger.close()
        if self.kernel is not None:
            self.kernel.close()


def _from_report(report: IncidentReport) -> AgentRun:
    first = report.attempts[0].diagnosis if report.attempts else None
    answer = Answer(
        incident=report.detection.incident,
        components=tuple(str(c) for c in first.components) if first else (),
        category=first.category if first else None,
        summary=report.reason,
    )
    undos = sum(
        1
        for a in report.attempts
        if a.transaction is not None and a.transaction.outcome == "aborted-and-undone"
    )
    actions = tuple(
        f"{a.mitigation.plan.title} → {a.outcome}"
        for a in report.attempts
        if a.mitigation.plan is not None
    )
    return AgentRun(
        answer=answer,
        outcome=report.outcome,
        attempts=len(report.attempts),
        undos=undos,
        usage=report.usage,
        actions=actions,
    )
