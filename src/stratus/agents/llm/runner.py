"""One agent's tool-calling loop: a pydantic-ai agent with the role's prompt, tools and typed
answer, run within the step, token, money and time budgets, with its usage recorded.

- At most ``max_steps`` model turns: ``max_steps - 1`` with tools, then, if no answer came,
  one turn that may only answer (the forced answer of the public STRATUS loop).
- Tokens and seconds left in the incident are the loop's limits; money and tokens are also
  checked before every tool call (``BudgetStop``).
- When no proper answer comes (budget spent, answers that stay malformed, a provider error)
  the outcome has no answer and a note saying why; the agents then fall back to what code
  alone can say. A model that cannot be used at all (bad key, unknown model, server
  unreachable) raises ``ModelUnavailable``: the operator must pick another.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel
from pydantic_ai import (
    Agent,
    AgentRetries,
    RunUsage,
    ToolOutput,
    UsageLimits,
    capture_run_messages,
)
from pydantic_ai.exceptions import (
    AgentRunError,
    ModelAPIError,
    ModelAuthenticationError,
    ModelConnectionError,
    ModelHTTPError,
    ModelNotFoundError,
    ModelRequestTimeout,
    ModelTimeoutError,
    RunTimedOut,
    UnexpectedModelBehavior,
    UsageLimitExceeded,
)
from pydantic_ai.messages import ModelMessage

from stratus.agents.errors import ModelUnavailable
from stratus.agents.llm.prompts import Catalog, LlmRole
from stratus.agents.llm.selection import ResolvedModel
from stratus.agents.llm.spend import Spend, UsageRecord
from stratus.agents.llm.toolsets import BudgetStop, ToolContext, build_tools
from stratus.agents.results import Usage
from stratus.agents.tools import ReadTools
from stratus.settings import LLMSettings

__all__ = ["Outcome", "Runner"]

A = TypeVar("A", bound=BaseModel)


@dataclass(frozen=True)
class Outcome(Generic[A]):
    """``answer`` None: no proper answer, ``note`` says why. ``forced``: the answer came
    after the step budget, from a turn without tools."""

    answer: A | None
    usage: Usage
    note: str = ""
    refusals: tuple[str, ...] = ()
    forced: bool = False


class Runner:
    """Runs the agents of one model; every run is charged to ``spend``."""

    def __init__(
        self, resolved: ResolvedModel, catalog: Catalog, spend: Spend, settings: LLMSettings
    ) -> None:
        self.resolved = resolved
        self.catalog = catalog
        self.spend = spend
        self.settings = settings

    def run(
        self,
        role: LlmRole,
        answer: type[A],
        prompt: str,
        *,
        tools: ReadTools | None,
        max_steps: int,
        agent: str,
        attempt: int,
        intent: str = "",
    ) -> Outcome[A]:
        """Run ``role``'s loop on ``prompt``; ``intent`` is announced before a first write."""
        deps = ToolContext(role, tools, self.spend, self.resolved.pricer, intent)
        spent = self.spend.exhausted()
        seconds = self.spend.run_seconds()
        if spent is None and seconds <= 0:
            spent = "wall_seconds: none left"
        failure: ModelUnavailable | None = None
        if spent is not None:
            outcome: Outcome[A] = Outcome(None, Usage(), f"budget exhausted: {spent}")
        else:
            outcome, failure = asyncio.run(
                self._loop(role, answer, prompt, deps, max_steps, seconds)
            )
        self.spend.add(UsageRecord(agent, attempt, outcome.usage, outcome.note))
        if failure is not None:
            raise failure
        return outcome

    async def _loop(
        self,
        role: LlmRole,
        answer: type[A],
        prompt: str,
        deps: ToolContext,
        max_steps: int,
        seconds: float,
    ) -> tuple[Outcome[A], ModelUnavailable | None]:
        spec = self.catalog.roles[role]
        output = ToolOutput(answer, name=spec.submit.name, description=spec.submit.description)
        retries = AgentRetries(tools=self.settings.tool_retries, output=self.settings.tool_retries)
        model, settings = self.resolved.model, self.resolved.settings
        loop_agent = Agent(
            model,
            output_type=output,
            instructions=spec.system,
            tools=build_tools(role, self.catalog),
            deps_type=ToolContext,
            retries=retries,
            model_settings=settings,
            name=f"stratus-{role}",
        )
        answer_agent = Agent(
            model,
            output_type=output,
            instructions=spec.system,
            deps_type=ToolContext,
            retries=AgentRetries(tools=0, output=0),
            model_settings=settings,
            name=f"stratus-{role}-answer",
        )
        usage = RunUsage()
        deadline = time.monotonic() + seconds
        loop_steps = max(1, max_steps - 1) if max_steps > 1 else 1
        messages: list[ModelMessage] = []
        result: A | None = None
        note = ""
        forced = False
        failure: ModelUnavailable | None = None
        async with loop_agent, answer_agent:
            with capture_run_messages() as captured:
                try:
                    run = await loop_agent.run(
                        prompt,
                        deps=deps,
                        usage_limits=self._limits(loop_steps),
                        usage=usage,
                        timeout=seconds,
                    )
                    result = run.output
                except (BudgetStop, AgentRunError) as exc:
                    note, failure = self._why(exc, usage, loop_steps)
                messages = list(captured)
            steps_spent = note.startswith("steps:")
            if result is None and failure is None and steps_spent and max_steps > 1:
                left = self.spend.exhausted(usage.total_tokens, self._cost(messages))
                remaining = deadline - time.monotonic()
                limit = usage.requests + 1
                if left is None and remaining > 0:
                    with capture_run_messages() as captured:
                        try:
                            run = await answer_agent.run(
                                spec.force,
                                message_history=messages,
                                deps=deps,
                                usage_limits=self._limits(limit),
                                usage=usage,
                                timeout=remaining,
                            )
                            result, forced, note = run.output, True, ""
                        except AgentRunError as exc:
                            why = self._why(exc, usage, limit)[0]
                            note = f"{note}; the forced answer failed too: {why}"
                        messages = list(captured)
        usage_record = Usage(
            steps=usage.requests,
            tool_calls=usage.tool_calls,
            requests=usage.requests,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cost_usd=self._cost(messages),
        )
        return Outcome(result, usage_record, note, tuple(deps.refusals), forced), failure

    def _limits(self, steps: int) -> UsageLimits:
        return UsageLimits(request_limit=steps, total_tokens_limit=self.spend.tokens_left())

    def _cost(self, messages: list[ModelMessage]) -> float:
        return self.resolved.pricer.cost(messages)

    def _why(
        self, exc: BaseException, usage: RunUsage, steps: int
    ) -> tuple[str, ModelUnavailable | None]:
        """What stopped a loop, in words, and whether the model cannot be used at all."""
        if isinstance(exc, BudgetStop):
            return f"budget exhausted: {exc.what}", None
        if isinstance(exc, RunTimedOut):
            return "wall_seconds: the agent's time ran out", None
        if isinstance(exc, UsageLimitExceeded):
            if usage.requests >= steps:
                return f"steps: all {steps} turns used without an answer", None
            return f"budget exhausted: tokens ({exc})", None
        refused = isinstance(exc, ModelHTTPError) and exc.status_code in (401, 403, 404)
        if refused or isinstance(exc, ModelAuthenticationError | ModelNotFoundError):
            return str(exc), ModelUnavailable(f"{self.resolved.spec}: {exc}")
        if isinstance(exc, ModelConnectionError) and not isinstance(exc, ModelTimeoutError):
            where = self.resolved.base_url or self.resolved.spec
            return str(exc), ModelUnavailable(f"cannot reach the model at {where}: {exc}")
        if isinstance(exc, ModelAPIError | ModelRequestTimeout):
            return f"model error: {exc}", None
        if isinstance(exc, UnexpectedModelBehavior):
            return f"the model's calls stayed malformed: {exc}", None
        return f"the agent stopped: {exc}", None
