"""The containers that are running, as the node runtimes know them.

The kubelet registers a container when it starts and removes it when it stops; the traffic
engine reads the table to find which program answers at ``ip:port``, and asks the kubelet
(through ``request_exit``) to end a program that died of an error, as a process calling
``log.Fatal`` would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from stratus.sim.behaviours import Launch

__all__ = ["ContainerTable", "RunningContainer"]

_SERVICE_LABELS = (
    "app.kubernetes.io/component",
    "app.kubernetes.io/name",
    "app",
    "io.kompose.service",
    "service",
    "k8s-app",
)


@dataclass
class RunningContainer:
    pod_uid: str
    namespace: str
    pod: str
    container: str
    node: str
    ip: str
    labels: dict[str, str]
    launch: Launch
    env: dict[str, str]
    files: dict[str, str]
    ports: set[int]
    started_at: float
    up_at: float
    cpu_limit: float | None  # cores
    cpu_request: float
    memory_limit: float | None  # bytes
    volumes: dict[str, str] = field(default_factory=dict)  # mount path -> storage identity
    restart_count: int = 0
    spec: dict[str, Any] = field(default_factory=dict)
    binaries: frozenset[str] = frozenset()  # executables the image carries (base names)
    has_shell: bool = True

    @property
    def key(self) -> tuple[str, str]:
        return self.pod_uid, self.container

    def serving(self, now: float) -> bool:
        return now >= self.up_at

    @property
    def service(self) -> str:
        """The name this program reports in traces and metrics: its own, else the pod's
        application label, else the container's name."""
        if self.launch.program.service:
            return self.launch.program.service
        for label in _SERVICE_LABELS:
            if self.labels.get(label):
                return self.labels[label]
        return self.container


ExitRequest = Callable[[str, str, int, str, str], None]  # pod uid, container, code, reason, line
Listener = Callable[[RunningContainer], None]


class ContainerTable:
    def __init__(self) -> None:
        self._running: dict[tuple[str, str], RunningContainer] = {}
        self._by_address: dict[tuple[str, int], RunningContainer] = {}
        self._exit: ExitRequest | None = None
        self._started: list[Listener] = []
        self._stopped: list[Listener] = []

    # -- the kubelet's side --------------------------------------------------------------

    def handle_exits(self, handler: ExitRequest) -> None:
        self._exit = handler

    def add(self, container: RunningContainer) -> None:
        self.remove(container.pod_uid, container.container)
        self._running[container.key] = container
        for port in container.ports:
            self._by_address[(container.ip, port)] = container
        for listener in self._started:
            listener(container)

    def remove(self, pod_uid: str, name: str) -> None:
        container = self._running.pop((pod_uid, name), None)
        if container is None:
            return
        for port in container.ports:
            if self._by_address.get((container.ip, port)) is container:
                del self._by_address[(container.ip, port)]
        for listener in self._stopped:
            listener(container)

    # -- everyone else's side -----------------------------------------------------------

    def on_start(self, listener: Listener) -> None:
        self._started.append(listener)

    def on_stop(self, listener: Listener) -> None:
        self._stopped.append(listener)

    def at(self, ip: str, port: int) -> RunningContainer | None:
        return self._by_address.get((ip, port))

    def get(self, pod_uid: str, name: str) -> RunningContainer | None:
        return self._running.get((pod_uid, name))

    def of_pod(self, pod_uid: str) -> list[RunningContainer]:
        return [c for (uid, _), c in self._running.items() if uid == pod_uid]

    def __iter__(self) -> Iterator[RunningContainer]:
        return iter(list(self._running.values()))

    def __len__(self) -> int:
        return len(self._running)

    def request_exit(self, pod_uid: str, name: str, code: int, reason: str, line: str) -> None:
        """End a running program (it crashed): the kubelet records the exit and restarts it."""
        if self._exit is not None and (pod_uid, name) in self._running:
            self._exit(pod_uid, name, code, reason, line)
