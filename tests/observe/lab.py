"""An emulated cloud running HotelReservation under load, served over the Kubernetes,
Prometheus and Jaeger APIs, with the kernel's observation clients pointed at it."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from stratus.kube.client import KubeClient
from stratus.kube.refs import ObjectRef
from stratus.observe.clock import Clock
from stratus.observe.cluster import ClusterObserver
from stratus.observe.jaeger import JaegerClient
from stratus.observe.prometheus import PrometheusClient
from stratus.observe.sla import Entrypoint
from stratus.sim.apps import load_app
from stratus.sim.cloud import Cloud
from stratus.sim.faults import FaultCatalog, FaultSpec

WARM_UP = 420.0  # start-up crash loops (services racing their databases) settle and clear
STEP = 5.0


class Lab:
    def __init__(self, tmp_path: Path, seed: int = 11) -> None:
        self.app = load_app("hotel-reservation")
        self.namespace = self.app.namespace
        self.cloud = Cloud(seed=seed)
        self.cloud.deploy(self.app)
        self.cloud.start_load(self.app)
        self.cloud.settle(WARM_UP, step=STEP)
        self.api = self.cloud.serve()
        telemetry = self.cloud.serve_telemetry()
        kubeconfig = self.cloud.write_kubeconfig(tmp_path / "kubeconfig", self.api)
        self.kube = KubeClient.from_kubeconfig(kubeconfig)
        self.prometheus = PrometheusClient(telemetry["prometheus"].url)
        self.jaeger = JaegerClient(telemetry["jaeger"].url)
        self.cluster = ClusterObserver(self.kube, [self.namespace])
        self.entrypoints = [Entrypoint(namespace=self.namespace, service="frontend")]
        self.clock = Clock(now=self.cloud.clock.now, sleep=self.settle)

    def settle(self, seconds: float) -> None:
        self.cloud.settle(seconds, step=STEP)

    def inject(self, name: str) -> FaultSpec:
        fault = FaultCatalog().get(name)
        self.cloud.inject(fault)
        self.settle(fault.settle)
        return fault

    def deployment(self, name: str) -> ObjectRef:
        return ObjectRef("apps/v1", "Deployment", self.namespace, name)

    def scale(self, name: str, replicas: int) -> None:
        self.kube.patch(self.deployment(name), {"spec": {"replicas": replicas}})

    def close(self) -> None:
        for client in (self.prometheus, self.jaeger, self.kube):
            client.close()
        self.cloud.close()

    def __enter__(self) -> Lab:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
