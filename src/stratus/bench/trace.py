"""The μ trajectory of a run, measured by the benchmark itself (not reported by the agent):
severity against the grader's healthy baseline, sampled as virtual time passes (hidden: every
state the system went through, inside transactions included) and at the boundaries an outside
observer sees (visible: the start, the end of every transaction — once the state its undo
restored has settled, when it was undone — and the end of the run). TNR holds when no
visible μ exceeds the initial one."""

from __future__ import annotations

import math
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict

from stratus.observe.clock import Clock
from stratus.observe.errors import ObserveError
from stratus.tnr.transaction import KernelEvent

__all__ = ["MuSample", "MuTrace", "tnr_held"]

_VISIBLE_EVENTS = {"commit": "committed", "restored": "undone"}
_HIDDEN_EVENTS = {
    "begin": "begins",
    "abort": "aborted, before its undo",
    "undo": "undone, settling",
}


class MuSample(BaseModel):
    """``t`` virtual seconds since the fault was injected; ``mu`` may be ``inf`` (crash)."""

    model_config = ConfigDict(frozen=True, extra="forbid", ser_json_inf_nan="strings")
    t: float
    mu: float
    label: str
    visible: bool


def tnr_held(samples: list[MuSample]) -> bool:
    """No visible μ above the first visible one (the initial state)."""
    visible = [s.mu for s in samples if s.visible]
    return all(mu <= visible[0] for mu in visible) if visible else True


class MuTrace:
    """Wraps ``clock`` so waiting samples μ every ``every`` virtual seconds; ``mark`` and
    ``on_kernel_event`` add samples at the moments that matter. ``measure`` returns μ now.
    Waiting before ``start`` (the agent preparing on the healthy system) samples nothing."""

    def __init__(self, measure: Callable[[], float], clock: Clock, *, every: float = 30.0) -> None:
        self._measure = measure
        self._inner = clock
        self.every = every
        self.samples: list[MuSample] = []
        self.origin = clock.now()
        self._last = -math.inf
        self._started = False
        self.clock = Clock(now=clock.now, sleep=self._sleep)

    def start(self) -> None:
        """Time zero: the fault has struck; the first visible sample is the initial μ."""
        self.origin = self._inner.now()
        self.samples.clear()
        self._started = True
        self.mark("initial", visible=True)

    def mark(self, label: str, *, visible: bool) -> float:
        try:
            mu = self._measure()
        except ObserveError:
            return math.nan
        now = self._inner.now()
        self._last = now
        self.samples.append(MuSample(t=now - self.origin, mu=mu, label=label, visible=visible))
        return mu

    def on_kernel_event(self, event: KernelEvent) -> None:
        """Hook for the kernel's ``on_event``: transaction boundaries become samples."""
        if event.kind in _VISIBLE_EVENTS:
            self.mark(f"tx {event.tx_id} {_VISIBLE_EVENTS[event.kind]}", visible=True)
        elif event.kind in _HIDDEN_EVENTS:
            self.mark(f"tx {event.tx_id} {_HIDDEN_EVENTS[event.kind]}", visible=False)

    def _sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)
        if self._started and self._inner.now() - self._last >= self.every:
            self.mark("while waiting", visible=False)

    @property
    def initial(self) -> float:
        return next((s.mu for s in self.samples if s.visible), math.nan)
