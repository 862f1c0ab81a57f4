"""State that lives on nodes rather than in the API: running containers and their logs."""

from stratus.sim.runtime.containers import ContainerTable, RunningContainer
from stratus.sim.runtime.logs import LogBook, LogLine

__all__ = ["ContainerTable", "LogBook", "LogLine", "RunningContainer"]
