"""Requests flowing through the emulated cloud: network, stores, workloads and the engine."""

from stratus.sim.traffic.engine import Traffic, expand
from stratus.sim.traffic.outcomes import Outcome
from stratus.sim.traffic.workload import MixEntry, Workload, WorkloadSpec

__all__ = ["MixEntry", "Outcome", "Traffic", "Workload", "WorkloadSpec", "expand"]
