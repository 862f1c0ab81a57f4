"""Every budget of a run in one object, and the meter that spends it.

Steps are model turns per agent per attempt (the K of the public STRATUS loop); attempts
bound the retries; ``seconds`` is time on the run's clock (virtual on the emulated cloud);
``wall_seconds`` real time; ``tokens`` and ``cost_usd`` bound the LLM path (the offline
policy spends none). A budget left ``None`` is unbounded.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field

from stratus.agents.errors import BudgetExhausted
from stratus.agents.results import Usage

__all__ = ["Budget", "BudgetMeter"]


class Budget(BaseModel):
    """Defaults: 5 attempts of at most 20 steps per agent, one hour on the run's clock."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    attempts: int = Field(5, ge=1)
    steps_per_attempt: int = Field(20, ge=1)
    seconds: float | None = Field(3600.0, gt=0)
    wall_seconds: float | None = Field(None, gt=0)
    tokens: int | None = Field(None, ge=0)
    cost_usd: float | None = Field(None, ge=0)


class BudgetMeter:
    """Records usage per agent and says when a budget is spent. ``now`` is the run's clock."""

    def __init__(self, budget: Budget, now: Callable[[], float]) -> None:
        self.budget = budget
        self._now = now
        self.started = now()
        self._wall_started = time.monotonic()
        self.by_agent: dict[str, Usage] = {}

    def charge(self, agent: str, usage: Usage) -> None:
        self.by_agent[agent] = self.by_agent.get(agent, Usage()) + usage

    @property
    def total(self) -> Usage:
        total = Usage()
        for usage in self.by_agent.values():
            total = total + usage
        return total

    @property
    def seconds(self) -> float:
        return self._now() - self.started

    @property
    def wall_seconds(self) -> float:
        return time.monotonic() - self._wall_started

    def exhausted(self) -> str | None:
        """Which budget is spent, in words; None while all hold."""
        b, total = self.budget, self.total
        if b.seconds is not None and self.seconds >= b.seconds:
            return f"seconds: {self.seconds:.0f} s of {b.seconds:.0f} s on the run's clock"
        if b.wall_seconds is not None and self.wall_seconds >= b.wall_seconds:
            return f"wall_seconds: {self.wall_seconds:.0f} s of {b.wall_seconds:.0f} s"
        if b.tokens is not None and total.tokens >= b.tokens:
            return f"tokens: {total.tokens} of {b.tokens}"
        if b.cost_usd is not None and total.cost_usd >= b.cost_usd:
            return f"cost_usd: {total.cost_usd:.4f} of {b.cost_usd:.4f}"
        return None

    def check(self) -> None:
        """Raise ``BudgetExhausted`` when a budget is spent."""
        spent = self.exhausted()
        if spent is not None:
            what, _, detail = spent.partition(": ")
            raise BudgetExhausted(what, detail)
