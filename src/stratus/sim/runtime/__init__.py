"""State that lives on nodes rather than in the API: container logs (and, later, exec)."""

from stratus.sim.runtime.logs import LogBook, LogLine

__all__ = ["LogBook", "LogLine"]
