"""An incident to practise on: an emulated cloud running an app under load, served over the
Kubernetes, Prometheus and Jaeger APIs on loopback, with a fault injected. The agents reach
it only through those endpoints (a kubeconfig and two URLs), on the cloud's virtual clock.

This is the one place besides the benchmark that knows both sides: ``stratus demo``, the
offline policy's end-to-end tests and ``benchmarks/offline_policy.py`` build on it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from stratus.agents.budget import Budget
from stratus.agents.protocols import AgentSet
from stratus.machine import EventBus, IncidentReport, KernelEnvironment, Machine, MachineEvent
from stratus.observe.clock import Clock
from stratus.observe.jaeger import JaegerClient
from stratus.observe.sla import Entrypoint
from stratus.sim.apps import App, load_app
from stratus.sim.cloud import Cloud
from stratus.sim.faults import FaultCatalog, FaultSpec
from stratus.tnr.connect import Connection, open_kernel
from stratus.tnr.policy import Policy
from stratus.tnr.settle import SettleBounds
from stratus.tnr.transaction import Kernel, KernelEvent

__all__ = ["DEFAULT_FAULTS", "WARM_UP", "IncidentLab", "LabRun"]

WARM_UP = 420.0  # start-up crash loops (services racing their databases) settle and clear
STEP = 5.0
DEFAULT_FAULTS = {
    "hotel-reservation": "wrong-service-selector-geo",
    "social-network": "target-port-misconfig-user-service",
    "astronomy-shop": "missing-env-var-checkout",
}


@dataclass
class LabRun:
    """What one run of the agents against the lab produced."""

    fault: FaultSpec
    report: IncidentReport
    reference: str


class IncidentLab:
    """``IncidentLab("hotel-reservation", workdir)``: deploys the app, starts its load,
    warms it up and serves it. ``run(fault, agents)`` takes the healthy reference through
    the public endpoints, injects the fault, lets its symptoms show, then runs the machine."""

    def __init__(self, app: str, workdir: Path, *, seed: int = 0, warm_up: float = WARM_UP) -> None:
        self.app: App = load_app(app)
        self.namespace = self.app.namespace
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.cloud = Cloud(seed=seed)
        self.cloud.deploy(self.app)
        self.cloud.start_load(self.app)
        self.settle(warm_up)
        api = self.cloud.serve()
        telemetry = self.cloud.serve_telemetry()
        self.api_url = api.url
        self.kubeconfig = self.cloud.write_kubeconfig(workdir / "kubeconfig", api)
        self.prometheus = telemetry["prometheus"].url
        self.jaeger = telemetry["jaeger"].url
        self.clock = Clock(now=self.cloud.clock.now, sleep=self.settle)

    @property
    def connection(self) -> Connection:
        return Connection(
            kubeconfig=self.kubeconfig,
            namespace=self.namespace,
            prometheus=self.prometheus,
            jaeger=self.jaeger,
        )

    @property
    def entrypoints(self) -> list[Entrypoint]:
        """The user-facing service: the one the app's load generator calls."""
        target = self.app.workload.target.split(":")[0] if self.app.workload else "frontend"
        return [Entrypoint(namespace=self.namespace, service=target)]

    def settle(self, seconds: float) -> None:
        self.cloud.settle(seconds, step=STEP)

    def inject(self, fault: FaultSpec | str) -> FaultSpec:
        spec = FaultCatalog().get(fault) if isinstance(fault, str) else fault
        if spec.app != self.app.name:
            raise ValueError(f"fault {spec.name} breaks {spec.app}, not {self.app.name}")
        self.cloud.inject(spec)
        return spec

    def open_kernel(
        self, on_event: Callable[[KernelEvent], None] | None = None, policy: Policy | None = None
    ) -> Kernel:
        return open_kernel(
            self.connection,
            policy=policy,
            journal=self.workdir / "journal.sqlite",
            clock=self.clock,
            settle=SettleBounds(min_seconds=60, max_seconds=300),
            on_event=on_event,
            cache_dir=self.workdir / "kube-cache",
        )

    @contextlib.contextmanager
    def machine(
        self,
        agents: AgentSet,
        *,
        budget: Budget | None = None,
        listeners: tuple[Callable[[MachineEvent], None], ...] = (),
        policy: Policy | None = None,
    ) -> Iterator[Machine]:
        """A state machine over a fresh kernel, reaching the lab through its endpoints."""
        bus = EventBus(*listeners)
        kernel = self.open_kernel(bus.kernel, policy)
        jaeger = JaegerClient(self.jaeger)
        try:
            env = KernelEnvironment(kernel, self.namespace, self.entrypoints, jaeger=jaeger)
            yield Machine(env, agents, budget, bus=bus)
        finally:
            jaeger.close()
            kernel.close()

    def run(
        self,
        fault: FaultSpec | str,
        agents: AgentSet,
        *,
        budget: Budget | None = None,
        listeners: tuple[Callable[[MachineEvent], None], ...] = (),
        on_injected: Callable[[FaultSpec], None] | None = None,
        policy: Policy | None = None,
        one_shot: bool = False,
    ) -> LabRun:
        """Inject ``fault`` and let the agents handle it. The healthy reference is taken
        first (as ``stratus run --watch`` keeps it), or, ``one_shot``, rebuilt afterwards
        from what the cluster records (as a one-shot ``stratus run`` does)."""
        with self.machine(agents, budget=budget, listeners=listeners, policy=policy) as machine:
            reference = None if one_shot else machine.observe_reference()
            spec = self.inject(fault)
            if on_injected is not None:
                on_injected(spec)
            self.settle(spec.settle)
            report = machine.handle(reference)
        return LabRun(spec, report, report.reference)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.cloud.close()

    def __enter__(self) -> IncidentLab:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
