"""The virtual clock every part of the emulated cloud reads time from.

Nothing in the emulator calls ``time.time()``: components ask the clock for ``now()`` and
register timers with ``call_at``. The cloud advances the clock, firing timers in time order, so a
run is deterministic and a test can jump minutes ahead without sleeping.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

__all__ = ["Timer", "VirtualClock", "format_timestamp", "parse_timestamp"]

DEFAULT_EPOCH = datetime(2026, 1, 1, tzinfo=UTC).timestamp()


@dataclass(order=True)
class Timer:
    """A callback due at ``when``; cancelling marks it dead instead of leaving the heap."""

    when: float
    seq: int
    callback: Callable[[], None] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class VirtualClock:
    """Seconds since the Unix epoch, advanced only by ``advance_to``."""

    def __init__(self, start: float = DEFAULT_EPOCH) -> None:
        self._now = float(start)
        self._timers: list[Timer] = []
        self._seq = itertools.count()

    def now(self) -> float:
        return self._now

    def call_at(self, when: float, callback: Callable[[], None]) -> Timer:
        timer = Timer(max(when, self._now), next(self._seq), callback)
        heapq.heappush(self._timers, timer)
        return timer

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        return self.call_at(self._now + max(delay, 0.0), callback)

    def next_deadline(self) -> float | None:
        """When the earliest live timer is due, or None if there is none."""
        while self._timers and self._timers[0].cancelled:
            heapq.heappop(self._timers)
        return self._timers[0].when if self._timers else None

    def pop_due(self) -> list[Timer]:
        """Remove and return the live timers due at or before now, in time order."""
        due: list[Timer] = []
        while self._timers and self._timers[0].when <= self._now:
            timer = heapq.heappop(self._timers)
            if not timer.cancelled:
                due.append(timer)
        return due

    def advance_to(self, when: float) -> None:
        if when < self._now:
            raise ValueError(f"the virtual clock cannot go back from {self._now} to {when}")
        self._now = when

    def timestamp(self) -> str:
        return format_timestamp(self._now)


def format_timestamp(seconds: float) -> str:
    """RFC 3339 with second precision, as Kubernetes writes metav1.Time."""
    return datetime.fromtimestamp(int(seconds), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
