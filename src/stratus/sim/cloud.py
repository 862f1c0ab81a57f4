"""The emulated cloud: store, API, controllers and clock, assembled and bootstrapped.

In-process users (tests, the benchmark) create a ``Cloud`` and advance its clock themselves;
``serve()`` exposes it over the Kubernetes REST API so kubectl and other clients can drive it.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import yaml

from stratus.sim.api import ApiService, WriteOptions
from stratus.sim.apps import App, load_app
from stratus.sim.behaviours import BehaviourRegistry
from stratus.sim.clock import DEFAULT_EPOCH, VirtualClock
from stratus.sim.controllers import ControllerEnv, ControllerManager, EventRecorder
from stratus.sim.faults import FaultRunner, FaultSpec, InProcessClient, app_manifests
from stratus.sim.kinds import Kinds, ResourceKind, default_kinds
from stratus.sim.kubeconfig import write_kubeconfig
from stratus.sim.runtime import ContainerTable, LogBook
from stratus.sim.server import ServedApp, ServerContext, build_app
from stratus.sim.server.observability import (
    ObservabilityContext,
    exposition_text,
    jaeger_app,
    prometheus_app,
)
from stratus.sim.store import Obj, Store
from stratus.sim.telemetry.alerts import AlertManager, load_rules
from stratus.sim.telemetry.monitor import Monitor
from stratus.sim.telemetry.promql import instant_query
from stratus.sim.traffic import Traffic, Workload
from stratus.sim.traffic.shell import Shell

__all__ = ["Cloud"]

_SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
_BOOTSTRAP = Path(__file__).parent / "bootstrap.yaml"


class Cloud:
    def __init__(
        self,
        *,
        seed: int = 0,
        nodes: int = 3,
        start: float = DEFAULT_EPOCH,
        kinds: Kinds | None = None,
        behaviours: BehaviourRegistry | None = None,
        system: bool = True,
        rules: tuple[Path, ...] = (),
    ) -> None:
        """``system`` adds the cluster's own workloads (DNS, kube-proxy) and objects."""
        if nodes < 1:
            raise ValueError("a cloud needs at least one node")
        self.seed = seed
        self.clock = VirtualClock(start)
        self.rng = random.Random(seed)
        self.kinds = kinds or default_kinds()
        self.store = Store(
            self.clock,
            random.Random(seed + 1),
            generation_resources=self.kinds.generation_resources(),
        )
        self.api = ApiService(self.store, self.kinds, self.clock, random.Random(seed + 2))
        self.logs = LogBook()
        self.containers = ContainerTable()
        self.behaviours = behaviours or BehaviourRegistry.load()
        self.events = EventRecorder(self.store, self.clock)
        self.controllers = ControllerManager(
            ControllerEnv(
                api=self.api,
                store=self.store,
                clock=self.clock,
                events=self.events,
                behaviours=self.behaviours,
                logs=self.logs,
                containers=self.containers,
                rng=random.Random(seed + 3),
            )
        )
        self.traffic = Traffic(
            self.store, self.clock, self.containers, self.logs, random.Random(seed + 4)
        )
        self.shell = Shell(self.traffic)
        self.monitor = Monitor(
            self.store, self.clock, self.containers, self.traffic.metrics, self.traffic.usage_of
        )
        self.alerts = AlertManager(load_rules(rules), self._evaluate)
        self.monitor.after_scrape(self.alerts.run)
        self._served: list[ServedApp] = []
        self._system = system
        self._bootstrap(nodes)
        self._expire_events()
        self.advance(0)
        if system:
            self.settle(10)  # a new cluster is ready: DNS answers before any app is deployed

    # -- conveniences over the API ------------------------------------------------------

    def kind(self, resource: str) -> ResourceKind:
        return self.kinds.by_resource(resource)

    def create(self, obj: dict[str, Any], namespace: str = "default") -> Obj:
        rk = self.kinds.by_gvk(obj.get("apiVersion", ""), obj.get("kind", ""))
        if rk is None:
            raise ValueError(f"unknown kind {obj.get('apiVersion')}/{obj.get('kind')}")
        ns = obj.get("metadata", {}).get("namespace", namespace) if rk.namespaced else ""
        with self.store.lock:
            return self.api.create(rk, ns, obj, WriteOptions())

    def deploy(self, app: App, namespace: str | None = None) -> list[Obj]:
        """Create an app's objects (its namespace first), as ``kubectl apply -f`` would, after
        registering the behaviours of its images. ``namespace`` moves it to another one."""
        for spec in app.behaviours:
            self.behaviours.add(spec)
        target = namespace or app.namespace
        docs = [dict(doc) for doc in app.manifests]
        if (
            not any(d.get("kind") == "Namespace" for d in docs)
            and self.store.get("namespaces", "", target) is None
        ):
            docs.insert(0, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": target}})
        created = []
        for original in sorted(docs, key=lambda d: 0 if d.get("kind") == "Namespace" else 1):
            doc = dict(original)
            meta = dict(doc.get("metadata") or {})
            if doc.get("kind") == "Namespace":
                meta["name"] = target
            elif namespace is not None or not meta.get("namespace"):
                meta["namespace"] = target
            doc["metadata"] = meta
            created.append(self.create(doc, namespace=target))
        return created

    def start_load(
        self,
        app: App,
        namespace: str | None = None,
        rate: float | None = None,
        duration: float | None = None,
    ) -> Workload:
        """Start the app's declared workload (optionally at another rate) now."""
        if app.workload is None:
            raise ValueError(f"app {app.name} declares no workload")
        spec = app.workload if rate is None else app.workload.model_copy(update={"rate": rate})
        now = self.clock.now()
        workload = Workload(
            name=f"{app.name}-load",
            namespace=namespace or app.namespace,
            spec=spec,
            start=now,
            end=None if duration is None else now + duration,
        )
        self.traffic.start_workload(workload)
        return workload

    # -- faults ---------------------------------------------------------------------------

    def fault_runner(self, namespace: str, app: App | None = None) -> FaultRunner:
        """Applies fault steps to the app in ``namespace`` through the in-process API, the
        way a client would; ``app`` gives the manifests a ``redeploy`` step re-creates."""
        client = InProcessClient(self.api, self.shell, self.advance, self.controllers.pump)

        def manifests() -> list[Obj]:
            return app_manifests(app, namespace) if app is not None else []

        return FaultRunner(client, namespace, manifests)

    def inject(self, fault: FaultSpec, namespace: str | None = None) -> list[str]:
        """Apply a fault's injection steps to its app (in ``namespace`` if it was moved)."""
        app = load_app(fault.app)
        return self.fault_runner(namespace or app.namespace, app).inject(fault)

    def recover(self, fault: FaultSpec, namespace: str | None = None) -> list[str]:
        """Apply a fault's recovery steps, undoing what ``inject`` changed."""
        app = load_app(fault.app)
        return self.fault_runner(namespace or app.namespace, app).recover(fault)

    # -- time ----------------------------------------------------------------------------

    def advance(self, seconds: float) -> None:
        """Move virtual time forward: controllers react to every change, timers fire in
        order, and the clock ends exactly ``seconds`` later."""
        target = self.clock.now() + seconds
        with self.store.lock:
            self.controllers.pump()
            while True:
                deadline = self.clock.next_deadline()
                if deadline is None or deadline > target:
                    break
                self.clock.advance_to(deadline)
                for timer in self.clock.pop_due():
                    timer.callback()
                self.controllers.pump()
            self.clock.advance_to(target)
            self.controllers.pump()

    def settle(self, seconds: float = 60.0, step: float = 1.0) -> None:
        """Advance in ``step`` increments for ``seconds`` of virtual time."""
        elapsed = 0.0
        while elapsed < seconds:
            self.advance(step)
            elapsed += step

    def _expire_events(self) -> None:
        self.events.expire()
        self.clock.call_later(300.0, self._expire_events)

    # -- serving -------------------------------------------------------------------------

    def serve(self, port: int = 0, host: str = "127.0.0.1") -> ServedApp:
        ctx = ServerContext(
            api=self.api, logs=self.logs, address=f"{host}:{port}", exec_handler=self._exec
        )
        served = ServedApp(build_app(ctx), host=host, port=port)
        ctx.address = f"{served.host}:{served.port}"
        self._served.append(served.start())
        return served

    def _exec(
        self, namespace: str, pod: str, container: str, command: list[str], stdin: str
    ) -> tuple[int, str, str]:
        result = self.shell.run(namespace, pod, container, command, stdin)
        self.controllers.pump()
        return result.code, result.stdout, result.stderr

    def _evaluate(self, expr: str, t: float) -> list[tuple[dict[str, str], float]]:
        return [
            (sample.metric, sample.value)
            for sample in instant_query(self.monitor.tsdb, expr, t).vector
        ]

    def serve_telemetry(
        self, prometheus_port: int = 0, jaeger_port: int = 0, host: str = "127.0.0.1"
    ) -> dict[str, ServedApp]:
        """Serve the Prometheus and Jaeger query APIs; returns them by name."""
        ctx = ObservabilityContext(
            tsdb=self.monitor.tsdb,
            alerts=self.alerts,
            traces=self.traffic.traces,
            clock=self.clock,
            lock=self.store.lock,
            exposition=lambda: exposition_text(list(self.monitor.samples())),
        )
        apps = {
            "prometheus": ServedApp(prometheus_app(ctx), host=host, port=prometheus_port),
            "jaeger": ServedApp(jaeger_app(ctx), host=host, port=jaeger_port),
        }
        for app in apps.values():
            self._served.append(app.start())
        return apps

    def write_kubeconfig(self, path: Path, served: ServedApp) -> Path:
        return write_kubeconfig(path, served.url)

    def close(self) -> None:
        for served in self._served:
            served.stop()
        self._served.clear()

    # -- bootstrap -----------------------------------------------------------------------

    def _bootstrap(self, nodes: int) -> None:
        for name in _SYSTEM_NAMESPACES:
            self.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
        for index in range(nodes):
            self.create(self._node(index, nodes))
        if self._system:
            for doc in yaml.safe_load_all(_BOOTSTRAP.read_text()):
                self.create(doc)

    def _node(self, index: int, total: int) -> dict[str, Any]:
        name = (
            "stratus-control-plane"
            if index == 0
            else ("stratus-worker" if index == 1 else f"stratus-worker{index}")
        )
        labels = {
            "kubernetes.io/arch": "amd64",
            "kubernetes.io/os": "linux",
            "kubernetes.io/hostname": name,
            "beta.kubernetes.io/arch": "amd64",
            "beta.kubernetes.io/os": "linux",
        }
        taints: list[dict[str, str]] = []
        if index == 0 and total > 1:
            labels["node-role.kubernetes.io/control-plane"] = ""
            taints.append({"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"})
        now = self.clock.timestamp()
        ip = f"172.18.0.{index + 2}"
        capacity = {"cpu": "4", "memory": "16Gi", "pods": "110", "ephemeral-storage": "100Gi"}
        return {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": name,
                "labels": labels,
                "annotations": {
                    "node.alpha.kubernetes.io/ttl": "0",
                    "volumes.kubernetes.io/controller-managed-attach-detach": "true",
                },
            },
            "spec": {
                "podCIDR": _pod_cidr(index),
                "podCIDRs": [_pod_cidr(index)],
                "providerID": f"stratus://{name}",
                "taints": taints,
            },
            "status": {
                "capacity": capacity,
                "allocatable": dict(capacity),
                "conditions": [
                    {
                        "type": t,
                        "status": "False",
                        "lastHeartbeatTime": now,
                        "lastTransitionTime": now,
                        "reason": r,
                        "message": m,
                    }
                    for t, r, m in (
                        (
                            "MemoryPressure",
                            "KubeletHasSufficientMemory",
                            "kubelet has sufficient memory available",
                        ),
                        (
                            "DiskPressure",
                            "KubeletHasNoDiskPressure",
                            "kubelet has no disk pressure",
                        ),
                        (
                            "PIDPressure",
                            "KubeletHasSufficientPID",
                            "kubelet has sufficient PID available",
                        ),
                    )
                ]
                + [
                    {
                        "type": "Ready",
                        "status": "True",
                        "lastHeartbeatTime": now,
                        "lastTransitionTime": now,
                        "reason": "KubeletReady",
                        "message": "kubelet is posting ready status",
                    }
                ],
                "addresses": [
                    {"type": "InternalIP", "address": ip},
                    {"type": "Hostname", "address": name},
                ],
                "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
                "nodeInfo": {
                    "machineID": f"{index:032x}",
                    "systemUUID": f"{index:032x}",
                    "bootID": f"{index + 1:032x}",
                    "kernelVersion": "6.1.0-stratus",
                    "osImage": "STRATUS emulated node",
                    "containerRuntimeVersion": "containerd://1.7.24",
                    "kubeletVersion": "v1.34.0",
                    "kubeProxyVersion": "",
                    "operatingSystem": "linux",
                    "architecture": "amd64",
                },
            },
        }


def _pod_cidr(index: int) -> str:
    return f"10.{244 + index // 256}.{index % 256}.0/24"
