"""An OpenAI-compatible chat-completions server on 127.0.0.1 with scripted replies, to test
the real provider wire path (pydantic-ai's OpenAI model, the OpenAI SDK, HTTP) without any
model. Replies are per role (recognised by the answer tool the request offers), one episode
per agent run; every request is kept for assertions."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from stratus.sim.server.serving import ServedApp
from tests.agents.llm.scripted import SUBMIT

Message = dict[str, Any]
_ids = itertools.count(1)


def tool_call(name: str, **args: Any) -> Message:
    """An assistant message calling ``name`` with ``args``."""
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": f"call_{next(_ids)}",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(args)},
            }
        ],
    }


@dataclass
class Seen:
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def tools(self) -> dict[str, dict[str, Any]]:
        return {t["function"]["name"]: t["function"] for t in self.body.get("tools", [])}

    @property
    def role(self) -> str:
        return next(r for r, name in SUBMIT.items() if name in self.tools)


@dataclass
class StubOpenAI:
    """``replies[role]`` lists episodes of assistant messages. Each reply reports
    ``usage`` = (prompt tokens, completion tokens). ``key``: the only API key accepted."""

    replies: dict[str, Sequence[Sequence[Message]]]
    usage: tuple[int, int] = (1200, 80)
    key: str | None = None
    seen: list[Seen] = field(default_factory=list)
    url: str = ""
    _episode: dict[str, int] = field(default_factory=dict)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v1/chat/completions", self._chat, methods=["POST"])])

    async def _chat(self, request: Request) -> JSONResponse:
        body = await request.json()
        seen = Seen(dict(request.headers), body)
        self.seen.append(seen)
        if self.key is not None and request.headers.get("authorization") != f"Bearer {self.key}":
            error = {"message": "Incorrect API key provided", "type": "invalid_request_error"}
            return JSONResponse({"error": {**error, "code": "invalid_api_key"}}, status_code=401)
        role = seen.role
        step = sum(1 for m in body["messages"] if m["role"] == "assistant")
        if step == 0:
            self._episode[role] = self._episode.get(role, -1) + 1
        episode = self._episode[role]
        try:
            message = self.replies[role][episode][step]
        except (KeyError, IndexError):
            error = {"message": f"the stub has no reply {step} for {role} run {episode + 1}"}
            return JSONResponse({"error": error}, status_code=400)
        prompt, completion = self.usage
        return JSONResponse(
            {
                "id": f"chatcmpl-{len(self.seen)}",
                "object": "chat.completion",
                "created": 1767225600,
                "model": body["model"],
                "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls"}],
                "usage": {
                    "prompt_tokens": prompt,
                    "completion_tokens": completion,
                    "total_tokens": prompt + completion,
                },
            }
        )

    def requests(self, role: str) -> list[Seen]:
        return [s for s in self.seen if s.role == role]


@contextmanager
def serving(stub: StubOpenAI) -> Iterator[StubOpenAI]:
    served = ServedApp(stub.app()).start()
    stub.url = f"{served.url}/v1"
    try:
        yield stub
    finally:
        served.stop()
