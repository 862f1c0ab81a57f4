"""The monitoring stack of the emulated cloud: scrapes kube-state-metrics, cAdvisor and the
span metrics into the time-series database on the virtual clock, and evaluates alert rules."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from stratus.sim.clock import VirtualClock
from stratus.sim.runtime import ContainerTable, RunningContainer
from stratus.sim.store import Store
from stratus.sim.telemetry.kube_state import kube_state_samples
from stratus.sim.telemetry.requests import RequestMetrics
from stratus.sim.telemetry.tsdb import TSDB

__all__ = ["Monitor", "UsageSource"]

Sample = tuple[Mapping[str, str], float]
# (cpu seconds used so far, CPU periods throttled so far) of a running container
UsageSource = Callable[[RunningContainer], tuple[float, float]]
_CFS_PERIOD = 0.1


class Monitor:
    def __init__(
        self,
        store: Store,
        clock: VirtualClock,
        containers: ContainerTable,
        requests: RequestMetrics,
        usage: UsageSource,
        *,
        interval: float = 15.0,
    ) -> None:
        self.store = store
        self.clock = clock
        self.containers = containers
        self.requests = requests
        self.usage = usage
        self.interval = interval
        self.tsdb = TSDB()
        self._hooks: list[Callable[[float], None]] = []
        self._periods: dict[tuple[str, str], float] = {}
        clock.call_later(0.0, self._scrape)

    def after_scrape(self, hook: Callable[[float], None]) -> None:
        """Run ``hook(now)`` after every scrape (alert evaluation hangs here)."""
        self._hooks.append(hook)

    def _scrape(self) -> None:
        now = self.clock.now()
        self.tsdb.scrape(now, self.samples())
        self.tsdb.trim(now)
        for hook in self._hooks:
            hook(now)
        self.clock.call_later(self.interval, self._scrape)

    def samples(self) -> Iterator[Sample]:
        yield from kube_state_samples(self.store)
        yield from self._cadvisor()
        yield from self.requests.samples()

    def _cadvisor(self) -> Iterator[Sample]:
        now = self.clock.now()
        for c in self.containers:
            labels = {
                "job": "kubelet",
                "metrics_path": "/metrics/cadvisor",
                "namespace": c.namespace,
                "pod": c.pod,
                "container": c.container,
                "node": c.node,
                "image": c.spec.get("image", ""),
            }
            cpu, throttled = self.usage(c)
            yield {"__name__": "container_cpu_usage_seconds_total", **labels}, cpu
            memory = float(c.launch.memory)
            yield {"__name__": "container_memory_working_set_bytes", **labels}, memory
            yield {"__name__": "container_memory_rss", **labels}, memory * 0.8
            if c.memory_limit:
                yield {"__name__": "container_spec_memory_limit_bytes", **labels}, c.memory_limit
            if c.cpu_limit:
                yield {"__name__": "container_spec_cpu_quota", **labels}, c.cpu_limit * 100000
                periods = (now - c.started_at) / _CFS_PERIOD
                yield {"__name__": "container_cpu_cfs_periods_total", **labels}, periods
                yield {"__name__": "container_cpu_cfs_throttled_periods_total", **labels}, throttled
            yield {"__name__": "container_start_time_seconds", **labels}, c.started_at
