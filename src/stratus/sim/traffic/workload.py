"""Open-loop load, as wrk2 generates it: requests arrive at a set rate regardless of how fast
they are answered, with a mix of operations."""

from __future__ import annotations

from dataclasses import dataclass, field

from stratus.sim.behaviours import MixEntry, WorkloadSpec

__all__ = ["MixEntry", "Workload", "WorkloadSpec"]


@dataclass
class Workload:
    """A running load generator, aimed at an app in ``namespace``."""

    name: str
    namespace: str
    spec: WorkloadSpec
    start: float
    end: float | None = None
    sent: int = 0
    failed: int = 0
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def target_host(self) -> str:
        host, _, port = self.spec.target.rpartition(":")
        return f"{host}.{self.namespace}.svc.cluster.local:{port}"

    def active(self, now: float) -> bool:
        return now >= self.start and (self.end is None or now < self.end)
