"""What `stratus demo` and `stratus run` share about the agents' model: the ``--model`` and
``--base-url`` options, and building the agents with the settings they imply."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from stratus.agents import AgentSet, Budget
    from stratus.settings import Settings

__all__ = ["BaseUrl", "Model", "agents_and_settings"]

Model = Annotated[str, typer.Option(help="offline (rule-based, no LLM), or provider:name.")]
BaseUrl = Annotated[
    str | None,
    typer.Option(
        help="An OpenAI-compatible server for --model, e.g. http://127.0.0.1:8000/v1 "
        "(default: STRATUS_LLM__BASE_URL)."
    ),
]


def agents_and_settings(
    model: str, base_url: str | None, budget: Budget
) -> tuple[AgentSet, Settings]:
    """The agents ``model`` names, with the LLM settings (``base_url`` over the settings'
    sources) and ``budget``; raises ``AgentError`` or ``SettingsError``."""
    from stratus.agents import build_agents
    from stratus.settings import load_settings

    settings = load_settings(llm={"base_url": base_url} if base_url else None)
    return build_agents(model, settings=settings.llm, budget=budget), settings
