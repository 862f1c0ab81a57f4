"""Container logs, kept per container instance as a kubelet's log files are."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

__all__ = ["LogBook", "LogLine"]


@dataclass(frozen=True)
class LogLine:
    time: float
    text: str


class LogBook:
    """Lines per (pod uid, container), one deque per container instance (run). Only the current
    and the previous instance are kept, as a kubelet keeps them."""

    def __init__(self, max_lines: int = 2000) -> None:
        self._max_lines = max_lines
        self._runs: dict[tuple[str, str], deque[deque[LogLine]]] = {}

    def start_instance(self, pod_uid: str, container: str) -> None:
        runs = self._runs.setdefault((pod_uid, container), deque(maxlen=2))
        runs.append(deque(maxlen=self._max_lines))

    def write(self, pod_uid: str, container: str, time: float, text: str) -> None:
        runs = self._runs.get((pod_uid, container))
        if not runs:
            self.start_instance(pod_uid, container)
            runs = self._runs[(pod_uid, container)]
        runs[-1].append(LogLine(time, text))

    def instances(self, pod_uid: str, container: str) -> int:
        return len(self._runs.get((pod_uid, container), ()))

    def read(self, pod_uid: str, container: str, previous: bool = False) -> list[LogLine] | None:
        """The current (or previous) instance's lines; None if that instance does not exist."""
        runs = self._runs.get((pod_uid, container))
        if not runs:
            return None
        if previous:
            return list(runs[-2]) if len(runs) >= 2 else None
        return list(runs[-1])

    def forget(self, pod_uid: str) -> None:
        for key in [k for k in self._runs if k[0] == pod_uid]:
            del self._runs[key]
