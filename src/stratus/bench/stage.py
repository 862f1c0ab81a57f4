"""A problem's emulated cloud: a fresh ``Cloud`` running the problem's app under its load,
warmed up, served on loopback (Kubernetes, Prometheus and Jaeger APIs), with the fault
injected on request. This module is the one part of the benchmark that touches the emulator;
what it hands on (``Endpoints``) is what a real cluster would offer: a kubeconfig, two URLs,
the namespace, the user-facing services, and a clock (virtual here: waiting moves the cloud).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from stratus.bench.errors import StageError
from stratus.bench.problem import Problem
from stratus.bench.warm import WarmClouds, WarmKey
from stratus.observe.clock import Clock
from stratus.observe.sla import Entrypoint
from stratus.sim.apps import App, load_app
from stratus.sim.cloud import Cloud
from stratus.sim.errors import SimError
from stratus.sim.faults import KubectlError
from stratus.tnr.connect import Connection

__all__ = ["STEP", "Endpoints", "Stage"]

STEP = 5.0  # virtual seconds per advance of the cloud while something waits


@dataclass(frozen=True)
class Endpoints:
    """What an agent (and the grader) may use: public endpoints only."""

    kubeconfig: Path
    prometheus: str
    jaeger: str
    namespace: str
    entrypoints: tuple[Entrypoint, ...]
    clock: Clock
    workdir: Path

    @property
    def connection(self) -> Connection:
        return Connection(
            kubeconfig=self.kubeconfig,
            namespace=self.namespace,
            prometheus=self.prometheus,
            jaeger=self.jaeger,
        )


class Stage:
    """``Stage(problem, workdir, seed=0)`` deploys, loads, warms up and serves the app;
    ``inject()`` breaks it and lets the symptoms show; ``close()`` stops the servers.
    ``warmup`` overrides the problem's (tests use shorter ones). With ``warm``, the warmed-up
    cloud is a copy of one warmed up before for the same app, namespace, load, warm-up and
    seed (identical to warming up afresh)."""

    def __init__(
        self,
        problem: Problem,
        workdir: Path,
        *,
        seed: int = 0,
        warmup: float | None = None,
        warm: WarmClouds | None = None,
    ) -> None:
        self.problem = problem
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.app: App = load_app(problem.app)
        self.injected = False
        seconds = problem.doc.load.warmup if warmup is None else warmup
        key: WarmKey = (problem.app, problem.namespace, problem.doc.load.rate, seconds, seed)
        self.cloud = (
            warm.get(key, lambda: self._warm_up(seed, seconds))
            if warm is not None
            else self._warm_up(seed, seconds)
        )
        try:
            self._serve(problem)
        except BaseException:
            self.close()
            raise

    def _warm_up(self, seed: int, warmup: float) -> Cloud:
        """A fresh cloud running the app under its load for ``warmup`` virtual seconds."""
        cloud = Cloud(seed=seed)
        ns = self.problem.namespace
        moved = None if ns == self.app.namespace else ns
        cloud.deploy(self.app, namespace=moved)
        rate = self.problem.doc.load.rate
        if self.app.workload is not None and rate != 0:
            cloud.start_load(self.app, namespace=moved, rate=rate)
        if warmup > 0:
            cloud.settle(warmup, step=min(STEP, warmup))
        return cloud

    def _serve(self, problem: Problem) -> None:
        ns = problem.namespace
        api = self.cloud.serve()
        telemetry = self.cloud.serve_telemetry()
        kubeconfig = self.cloud.write_kubeconfig(self.workdir / "kubeconfig", api)
        self.endpoints = Endpoints(
            kubeconfig=kubeconfig,
            prometheus=telemetry["prometheus"].url,
            jaeger=telemetry["jaeger"].url,
            namespace=ns,
            entrypoints=tuple(Entrypoint(namespace=ns, service=s) for s in problem.entrypoints),
            clock=Clock(now=self.cloud.clock.now, sleep=self.settle),
            workdir=self.workdir,
        )

    def settle(self, seconds: float) -> None:
        """Advance the cloud ``seconds`` of virtual time."""
        if seconds > 0:
            self.cloud.settle(seconds, step=min(STEP, seconds))

    def inject(self) -> list[str]:
        """Apply the problem's fault (none for a no-fault problem), then wait its ``settle``."""
        fault = self.problem.fault
        if fault is None:
            return []
        if self.injected:
            raise StageError(f"{self.problem.id}: the fault is already injected")
        runner = self.cloud.fault_runner(self.problem.namespace, self.app)
        try:
            done = runner.inject(fault)
        except (SimError, KubectlError, RuntimeError, ValueError) as exc:
            raise StageError(f"{self.problem.id}: injecting {fault.name} failed: {exc}") from exc
        self.injected = True
        self.settle(fault.settle)
        return done

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.cloud.close()

    def __enter__(self) -> Stage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
