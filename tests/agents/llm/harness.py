"""An incident on the emulated cloud for the LLM agents: HotelReservation under load, the
healthy reference taken, then a fault injected (by default the geo Service selecting pods
that do not exist); the state machine over the real kernel, reached through the public
Kubernetes, Prometheus and Jaeger endpoints only."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from stratus.agents.budget import Budget
from stratus.agents.protocols import AgentSet
from stratus.agents.reference import Reference, observe_known_good
from stratus.kube.refs import ObjectRef
from stratus.machine import EventBus, IncidentReport, KernelEnvironment, Machine, MachineEvent
from stratus.tnr.connect import Connection, open_kernel
from stratus.tnr.settle import SettleBounds
from stratus.tnr.transaction import Kernel
from tests.observe.lab import Lab

NS = "test-hotel-reservation"
FIX = (
    f"kubectl patch service geo -n {NS} "
    """-p '{"spec": {"selector": {"io.kompose.service": "geo"}}}'"""
)
HARM = f"kubectl scale deployment frontend -n {NS} --replicas=0"


@dataclass
class Incident:
    lab: Lab
    kernel: Kernel
    env: KernelEnvironment
    reference: Reference
    bus: EventBus
    events: list[MachineEvent] = field(default_factory=list)

    def handle(self, agents: AgentSet, budget: Budget | None = None) -> IncidentReport:
        machine = Machine(self.env, agents, budget or Budget(attempts=3), bus=self.bus)
        return machine.handle(self.reference)

    def selector(self) -> dict[str, str]:
        svc = self.kernel.client.get(ObjectRef("v1", "Service", NS, "geo"))
        assert svc is not None
        return dict(svc["spec"]["selector"])

    def replicas(self, name: str) -> int:
        obj = self.kernel.client.get(self.lab.deployment(name))
        assert obj is not None
        return int(obj["spec"]["replicas"])

    def kinds(self) -> list[str]:
        return [e.kind for e in self.events]


@contextmanager
def incident(
    tmp_path: Path,
    fault: str = "wrong-service-selector-geo",
    before: Callable[[Lab], None] | None = None,
) -> Iterator[Incident]:
    """``before`` runs on the healthy app, before the reference is taken."""
    with Lab(tmp_path / "lab") as lab:
        if before is not None:
            before(lab)
        events: list[MachineEvent] = []
        bus = EventBus(events.append)
        api, prometheus = lab.cloud._served[0], lab.cloud._served[1]
        kubeconfig = lab.cloud.write_kubeconfig(tmp_path / "kubeconfig", api)
        kernel = open_kernel(
            Connection(kubeconfig=kubeconfig, namespace=NS, prometheus=prometheus.url),
            journal=tmp_path / "journal.sqlite",
            clock=lab.clock,
            settle=SettleBounds(min_seconds=60, max_seconds=240),
            on_event=bus.kernel,
            cache_dir=tmp_path / "kube-cache",
        )
        try:
            env = KernelEnvironment(kernel, NS, lab.entrypoints, jaeger=lab.jaeger)
            reference = Reference(
                baseline=env.capture_baseline(),
                objects=observe_known_good(env.read_tools("detection")),
            )
            lab.inject(fault)
            yield Incident(lab, kernel, env, reference, bus, events)
        finally:
            kernel.close()
