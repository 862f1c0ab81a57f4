"""Time for code that waits: wall time on a real cluster, virtual time on the emulator.

``Clock(now=cloud.clock.now, sleep=lambda s: cloud.settle(s, step=5))`` makes a wait advance
the emulated cloud instead of sleeping; the default sleeps on the monotonic wall clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["WALL_CLOCK", "Clock"]


@dataclass(frozen=True)
class Clock:
    now: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


WALL_CLOCK = Clock()
