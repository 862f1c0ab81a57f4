"""Errors of the agents and the state machine, split by who must act.

::

    AgentError               anything an agent or the state machine raises on purpose
    ├── ModelUnavailable     the model named cannot be used here: the operator picks another
    ├── BudgetExhausted      a budget (steps, attempts, time, tokens, money) ran out: the run ends
    ├── ToolCallError        a tool was called wrongly (unknown tool, bad arguments): the model
    │                        must change the call; its message is written for the model
    ├── AgentOutputInvalid   an agent's answer does not fit its typed result: the model retries
    └── CatalogError         a prompt or toolset data file is malformed: its author must fix it
"""

from __future__ import annotations

__all__ = [
    "AgentError",
    "AgentOutputInvalid",
    "BudgetExhausted",
    "CatalogError",
    "ModelUnavailable",
    "ToolCallError",
]


class AgentError(Exception):
    """Base of every error the agents and the state machine raise on purpose."""


class ModelUnavailable(AgentError):
    """The ``--model`` given is not one this installation can run."""


class BudgetExhausted(AgentError):
    """A budget ran out; ``what`` names it (``steps``, ``attempts``, ``seconds``...)."""

    def __init__(self, what: str, detail: str) -> None:
        super().__init__(f"{what} budget exhausted: {detail}")
        self.what = what
        self.detail = detail


class ToolCallError(AgentError):
    """A tool call that cannot run as made; the message says how to call it instead."""

    def __init__(self, tool: str, message: str) -> None:
        super().__init__(f"{tool}: {message}")
        self.tool = tool
        self.message = message


class AgentOutputInvalid(AgentError):
    """An agent returned something its typed result cannot hold."""


class CatalogError(AgentError):
    """A prompt or toolset file that cannot be used: which file, and why."""
