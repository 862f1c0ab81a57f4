"""Each role's tools as pydantic-ai tools over ``ReadTools`` / ``MitigationTools``.

- Descriptions (of each tool and of its parameters) come from the catalogue
  (``prompts/toolsets.yaml``); the functions here only say how a call runs.
- Every result is text bounded by ``bounding.bound`` that says what was cut.
- A call the cluster or the gateway turns down (a refusal, NotFound, a bad query, a kubectl
  timeout) comes back to the model as the tool's result, to act on; a refusal is also logged
  (logger ``stratus.agents.llm``) and kept on the run's ``ToolContext``. Malformed calls
  (unknown tools, bad arguments) are answered by pydantic-ai with a retry message.
- Before each call the run's spend is checked: once a cap is spent the call raises
  ``BudgetStop`` and the loop ends.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic_ai import RunContext, Tool
from pydantic_ai.tools import ToolDefinition

from stratus.agents.bounding import Observation, bound
from stratus.agents.errors import AgentError, ToolCallError
from stratus.agents.llm.pricing import Pricer
from stratus.agents.llm.prompts import Catalog, LlmRole, ToolSpec
from stratus.agents.llm.spend import Spend
from stratus.agents.tools import MitigationTools, ReadTools
from stratus.kube.command import CommandError
from stratus.kube.errors import ApiError
from stratus.kube.runner import KubectlTimeout, KubectlUsage
from stratus.observe.errors import ObserveError
from stratus.tnr.errors import Refused

__all__ = ["BudgetStop", "ToolCall", "ToolContext", "build_tools", "tool_functions"]

log = logging.getLogger("stratus.agents.llm")

# What a tool call may fail with that the model can act on; anything else is not the
# model's to fix (the API server is gone, the journal is locked) and ends the run.
_FED_BACK: tuple[type[Exception], ...] = (
    AgentError,
    ObserveError,
    Refused,
    ApiError,
    CommandError,
    KubectlTimeout,
    KubectlUsage,
)


class BudgetStop(Exception):
    """A cap of the incident's spend ran out during a loop; ``what`` says which."""

    def __init__(self, what: str) -> None:
        super().__init__(f"budget exhausted: {what}")
        self.what = what


@dataclass(frozen=True)
class ToolCall:
    tool: str
    args: dict[str, Any]
    error: bool = False
    refused: str = ""


@dataclass
class ToolContext:
    """What one agent run's tools act through, and what they did."""

    role: LlmRole
    tools: ReadTools | None
    spend: Spend
    pricer: Pricer
    intent: str = ""  # what the run acts on, announced before its first write
    calls: list[ToolCall] = field(default_factory=list)

    @property
    def refusals(self) -> list[str]:
        return [f"{c.args.get('command', c.tool)}: {c.refused}" for c in self.calls if c.refused]

    def reads(self) -> ReadTools:
        if self.tools is None:
            raise ToolCallError("tools", f"the {self.role} role has no tools")
        return self.tools

    def mitigation(self) -> MitigationTools:
        if not isinstance(self.tools, MitigationTools):
            raise ToolCallError("write", f"the {self.role} role cannot write")
        return self.tools

    def invoke(
        self,
        ctx: RunContext[ToolContext],
        name: str,
        args: dict[str, Any],
        run: Callable[[], Observation | str],
    ) -> str:
        spent = self.spend.exhausted(ctx.usage.total_tokens, _cost(self.pricer, ctx))
        if spent is not None:
            raise BudgetStop(spent)
        limits = self.reads().limits
        try:
            result = run()
        except _FED_BACK as exc:
            result = bound(name, f"error: {exc}", limits, error=True)
        observation = result if isinstance(result, Observation) else bound(name, result, limits)
        text = str(observation)
        refused = _refusal(text)
        self.calls.append(ToolCall(name, args, observation.error, refused))
        if refused:
            log.warning(
                "%s agent: the gateway refused %s %s: %s",
                self.role,
                name,
                json.dumps(args, ensure_ascii=False),
                refused,
            )
        return text


def _cost(pricer: Pricer, ctx: RunContext[ToolContext]) -> float:
    price = pricer.price(ctx.usage) if ctx.usage.requests else None
    return 0.0 if price is None else float(price)


def _refusal(text: str) -> str:
    head = text.split("\n", 1)[0]
    return head.removeprefix("refused:").strip() if head.startswith("refused:") else ""


# -- the tool functions: names and parameters are what models see --------------------------

Ctx = RunContext[ToolContext]


async def kubectl(ctx: Ctx, command: str) -> str:
    return ctx.deps.invoke(
        ctx, "kubectl", {"command": command}, lambda: ctx.deps.reads().kubectl(command)
    )


async def promql(ctx: Ctx, query: str) -> str:
    return ctx.deps.invoke(ctx, "promql", {"query": query}, lambda: ctx.deps.reads().promql(query))


async def alerts(ctx: Ctx) -> str:
    return ctx.deps.invoke(ctx, "alerts", {}, ctx.deps.reads().alerts)


async def traces(
    ctx: Ctx,
    service: str,
    lookback_seconds: float = 300.0,
    errors_only: bool = True,
    limit: int = 10,
) -> str:
    args = {"service": service, "lookback_seconds": lookback_seconds, "errors_only": errors_only}
    return ctx.deps.invoke(
        ctx,
        "traces",
        {**args, "limit": limit},
        lambda: ctx.deps.reads().traces(service, lookback_seconds, errors_only, limit),
    )


async def logs(
    ctx: Ctx, pod: str, container: str = "", previous: bool = False, tail: int = 100
) -> str:
    args = {"pod": pod, "container": container, "previous": previous, "tail": tail}
    return ctx.deps.invoke(
        ctx, "logs", args, lambda: ctx.deps.reads().logs(pod, container, previous, tail)
    )


async def events(ctx: Ctx, involved: str = "", warnings_only: bool = True) -> str:
    args = {"involved": involved, "warnings_only": warnings_only}
    return ctx.deps.invoke(
        ctx, "events", args, lambda: ctx.deps.reads().events(involved, warnings_only)
    )


async def topology(ctx: Ctx) -> str:
    return ctx.deps.invoke(ctx, "topology", {}, ctx.deps.reads().topology)


async def check(ctx: Ctx, command: str) -> str:
    def run() -> str:
        decision = ctx.deps.mitigation().check(command)
        return f"{'allowed' if decision.allowed else 'refused:'} {decision.reason}"

    return ctx.deps.invoke(ctx, "check", {"command": command}, run)


async def write(ctx: Ctx, command: str) -> str:
    def run() -> Observation:
        tools = ctx.deps.mitigation()
        if not tools.announced:
            tools.announce(ctx.deps.intent or "mitigation", [command])
        return tools.write(command)

    return ctx.deps.invoke(ctx, "write", {"command": command}, run)


async def wait(ctx: Ctx, seconds: float) -> str:
    return ctx.deps.invoke(
        ctx, "wait", {"seconds": seconds}, lambda: ctx.deps.mitigation().wait(seconds)
    )


def tool_functions() -> dict[str, Callable[..., Any]]:
    """Every tool a catalogue may name, by name."""
    return {
        f.__name__: f
        for f in (kubectl, promql, alerts, traces, logs, events, topology, check, write, wait)
    }


_SEQUENTIAL = frozenset({"write", "wait", "check"})


def build_tools(role: LlmRole, catalog: Catalog) -> list[Tool[ToolContext]]:
    """The pydantic-ai tools of ``role``, described as the catalogue says."""
    functions = tool_functions()
    return [
        Tool(
            functions[name],
            name=name,
            description=spec.description,
            prepare=_describe(spec),
            sequential=name in _SEQUENTIAL,
        )
        for name, spec in catalog.toolset(role).items()
    ]


def _describe(
    spec: ToolSpec,
) -> Callable[[Ctx, ToolDefinition], Any]:
    async def prepare(ctx: Ctx, tool_def: ToolDefinition) -> ToolDefinition:
        return replace(tool_def, parameters_json_schema=_with_descriptions(tool_def, spec))

    return prepare


def _with_descriptions(tool_def: ToolDefinition, spec: ToolSpec) -> dict[str, Any]:
    schema = dict(tool_def.parameters_json_schema)
    properties = {k: dict(v) for k, v in (schema.get("properties") or {}).items()}
    for name, text in spec.parameters.items():
        if name in properties:
            properties[name]["description"] = text
    schema["properties"] = properties
    return schema


def parameters(function: Callable[..., Any]) -> Iterable[str]:
    """The parameters a tool function takes from a model (all but the run context)."""
    return [p for p in inspect.signature(function).parameters if p != "ctx"]
