"""A scripted model for the LLM agents: what it answers is written down per role, one
episode (a list of replies) per agent run, so a test decides every tool call a "model"
makes, well-formed or not, and can read every tool result the agents fed back.

    script = Script(diagnosis=[[call("kubectl", command="kubectl get pods"), DIAGNOSIS]])
    agents = build_agent_set(script.model())
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    TextPart,
    ToolCallPart,
)
from pydantic_ai.models.function import AgentInfo, FunctionModel

from stratus.agents.llm.prompts import LlmRole, load_catalog

Reply = ModelResponse | Callable[[list[ModelMessage]], ModelResponse]

_ROLE_OF_SUBMIT: dict[str, LlmRole] = {
    prompt.submit.name: role for role, prompt in load_catalog().roles.items()
}
SUBMIT: dict[LlmRole, str] = {role: name for name, role in _ROLE_OF_SUBMIT.items()}


def call(tool: str, **args: Any) -> ModelResponse:
    """A well-formed call of ``tool``."""
    return ModelResponse(parts=[ToolCallPart(tool, args)])


def raw(tool: str, arguments: str) -> ModelResponse:
    """A call of ``tool`` whose arguments are exactly ``arguments`` (e.g. broken JSON)."""
    return ModelResponse(parts=[ToolCallPart(tool, arguments)])


def text(words: str) -> ModelResponse:
    """Prose instead of a tool call."""
    return ModelResponse(parts=[TextPart(words)])


def answer(role: LlmRole, **fields: Any) -> ModelResponse:
    """The role's answer through its submit tool."""
    return call(SUBMIT[role], **fields)


DEFAULTS: dict[LlmRole, Reply] = {
    "detection": answer(
        "detection",
        summary="requests to the front end fail",
        suspects=[{"kind": "Service", "name": "frontend"}],
    ),
    "reflection": answer(
        "reflection",
        worked=["the transaction kept the system safe"],
        failed=["the change did not fix the cause"],
        lesson="look at what the failing service depends on",
    ),
}


class Script:
    """Replies per role: ``episodes[role][n]`` is the n-th run of that role. A role with no
    episodes left answers with its default (detection, reflection) or fails the test."""

    def __init__(self, **episodes: Sequence[Sequence[Reply]]) -> None:
        unknown = set(episodes) - set(SUBMIT)
        assert not unknown, f"no such roles: {unknown}"
        self.episodes: dict[str, list[list[Reply]]] = {
            role: [list(e) for e in runs] for role, runs in episodes.items()
        }
        self.runs: dict[str, list[list[ModelMessage]]] = {role: [] for role in SUBMIT}
        self._step: dict[str, int] = {}

    def model(self, name: str = "scripted") -> FunctionModel:
        return FunctionModel(self, model_name=name)

    def __call__(self, messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        role = _ROLE_OF_SUBMIT[info.output_tools[0].name]
        runs = self.runs[role]
        if not any(isinstance(m, ModelResponse) for m in messages):
            runs.append(messages)
            self._step[role] = 0
        else:
            runs[-1] = messages
        episode_no, step = len(runs) - 1, self._step[role]
        self._step[role] = step + 1
        episodes = self.episodes.get(role, [])
        if episode_no < len(episodes) and step < len(episodes[episode_no]):
            reply = episodes[episode_no][step]
        elif role in DEFAULTS and episode_no >= len(episodes):
            reply = DEFAULTS[role]
        else:
            raise AssertionError(f"the script of {role} run {episode_no + 1} ran out at {step}")
        return reply(messages) if callable(reply) else reply

    def fed_back(self, role: LlmRole, run: int = -1) -> list[str]:
        """Every tool result and retry message the agents sent back in a run of ``role``."""
        out: list[str] = []
        for message in self.runs[role][run][1:]:
            if not isinstance(message, ModelRequest):
                continue
            for part in message.parts:
                content = getattr(part, "content", None)
                if content is not None:
                    out.append(
                        content if isinstance(content, str) else json.dumps(content, default=str)
                    )
        return out

    def prompt(self, role: LlmRole, run: int = -1) -> str:
        """The first user message of a run of ``role``."""
        first = self.runs[role][run][0]
        assert isinstance(first, ModelRequest)
        return "\n".join(str(getattr(p, "content", "")) for p in first.parts)
