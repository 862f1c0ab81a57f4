"""What the LLM agents of one incident spent, per agent and attempt, against the caps of the
run's ``Budget`` and the LLM settings (the lower of the two applies).

The state machine charges each result's ``Usage`` to its own meter between phases; this
ledger is what lets an agent stop *inside* its loop: a run gets the tokens and seconds that
are left as its limits, and a tool call refuses to start once a cap is spent.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from stratus.agents.budget import Budget
from stratus.agents.results import Usage
from stratus.settings import LLMSettings

__all__ = ["Caps", "Spend", "UsageRecord"]

_N = TypeVar("_N", int, float)


@dataclass(frozen=True)
class Caps:
    """``tokens``, ``cost_usd`` and ``wall_seconds`` bound one incident (None: unbounded);
    ``run_seconds`` bounds one agent's loop."""

    tokens: int | None = None
    cost_usd: float | None = None
    wall_seconds: float | None = None
    run_seconds: float = 600.0

    @classmethod
    def of(cls, budget: Budget | None, settings: LLMSettings) -> Caps:
        b = budget or Budget()
        return cls(
            tokens=_lower(b.tokens, settings.tokens),
            cost_usd=_lower(b.cost_usd, settings.cost_usd),
            wall_seconds=b.wall_seconds,
            run_seconds=settings.run_timeout,
        )


@dataclass(frozen=True)
class UsageRecord:
    """One agent run: which agent, in which attempt (0: detection), what it spent, and what
    went wrong if it gave no proper answer."""

    agent: str
    attempt: int
    usage: Usage
    note: str = ""

    @property
    def cost_known(self) -> bool:
        return not math.isnan(self.usage.cost_usd)


class Spend:
    """The ledger of one incident (``start`` begins the next one)."""

    def __init__(self, caps: Caps, now: Callable[[], float] = time.monotonic) -> None:
        self.caps = caps
        self._now = now
        self.records: list[UsageRecord] = []
        self.started = now()

    def start(self) -> None:
        """A new incident: nothing spent yet."""
        self.records = []
        self.started = self._now()

    def add(self, record: UsageRecord) -> None:
        self.records.append(record)

    @property
    def tokens(self) -> int:
        return sum(r.usage.tokens for r in self.records)

    @property
    def cost_usd(self) -> float:
        """Dollars spent on priced requests (unpriced ones are in ``unpriced``)."""
        return sum(r.usage.cost_usd for r in self.records if r.cost_known)

    @property
    def unpriced(self) -> int:
        """Runs whose cost nobody knows."""
        return sum(1 for r in self.records if not r.cost_known and r.usage.requests)

    @property
    def seconds(self) -> float:
        return self._now() - self.started

    def by_agent(self) -> dict[str, Usage]:
        out: dict[str, Usage] = {}
        for r in self.records:
            out[r.agent] = out.get(r.agent, Usage()) + r.usage
        return out

    def tokens_left(self) -> int | None:
        return None if self.caps.tokens is None else max(0, self.caps.tokens - self.tokens)

    def run_seconds(self) -> float:
        """How long the next agent loop may run: its own cap, within the incident's."""
        if self.caps.wall_seconds is None:
            return self.caps.run_seconds
        return max(0.0, min(self.caps.run_seconds, self.caps.wall_seconds - self.seconds))

    def exhausted(self, tokens: int = 0, cost_usd: float = 0.0) -> str | None:
        """Which cap is spent (counting ``tokens`` and ``cost_usd`` of a loop in flight), in
        words; None while all hold. An unknown cost never counts as spent."""
        caps = self.caps
        if caps.tokens is not None and self.tokens + tokens >= caps.tokens:
            return f"tokens: {self.tokens + tokens} of {caps.tokens}"
        spent = self.cost_usd + (0.0 if math.isnan(cost_usd) else cost_usd)
        if caps.cost_usd is not None and spent >= caps.cost_usd:
            return f"cost_usd: ${spent:.4f} of ${caps.cost_usd:.4f}"
        if caps.wall_seconds is not None and self.seconds >= caps.wall_seconds:
            return f"wall_seconds: {self.seconds:.0f} s of {caps.wall_seconds:.0f} s"
        return None


def _lower(a: _N | None, b: _N | None) -> _N | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)
