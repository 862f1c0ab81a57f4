"""The machine's event stream: its own events and the kernel's, stamped with the phase and
attempt they happened in, for progress displays and the report's μ timeline."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from stratus.machine.phases import Listener, MachineEvent, Phase
from stratus.tnr.transaction import KernelEvent

__all__ = ["EventBus"]


class EventBus:
    """Pass ``bus.kernel`` as the kernel's ``on_event`` and the bus to the machine; every
    listener sees both streams in order. ``timeline`` keeps every (t, μ, label)."""

    def __init__(self, *listeners: Listener, now: Callable[[], float] | None = None) -> None:
        self.listeners = list(listeners)
        self.phase = Phase.DETECT
        self.attempt = 0
        self._now = now
        self._start = 0.0
        self.timeline: list[tuple[float, float, str]] = []
        self.events: list[MachineEvent] = []

    def start(self, now: Callable[[], float]) -> None:
        self._now = now
        self._start = now()
        self.timeline.clear()
        self.events.clear()

    def elapsed(self) -> float:
        return 0.0 if self._now is None else self._now() - self._start

    def emit(
        self, kind: str, message: str, *, mu: float | None = None, **data: Any
    ) -> MachineEvent:
        event = MachineEvent(kind, self.phase, message, self.attempt, self.elapsed(), mu, data)
        if mu is not None:
            self.timeline.append((event.t, mu, kind))
        self.events.append(event)
        for listener in self.listeners:
            listener(event)
        return event

    def enter(self, phase: Phase, message: str = "", **data: Any) -> None:
        self.phase = phase
        self.emit("phase", message or phase.value, **data)

    def kernel(self, event: KernelEvent) -> None:
        """The kernel's ``on_event``: its events join the stream."""
        raw = event.data.get("mu")
        mu = None
        if isinstance(raw, int | float):
            mu = float(raw)
        elif raw == "Infinity":
            mu = math.inf
        data = {k: v for k, v in event.data.items() if k != "mu"}
        self.emit(event.kind, event.message, mu=mu, tx_id=event.tx_id, **data)
