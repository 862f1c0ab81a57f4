"""Prompts and toolset descriptions as data (``data/prompts.yaml``, ``data/toolsets.yaml``),
checked against a schema when loaded: every tool has a description and typed parameters,
every role names known tools, every prompt uses only the placeholders its role fills."""

from __future__ import annotations

import string
from functools import cache
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from stratus.agents.errors import CatalogError

__all__ = [
    "PLACEHOLDERS",
    "Catalog",
    "ParameterSpec",
    "Prompts",
    "RolePrompts",
    "ToolSpec",
    "Toolsets",
    "load_catalog",
]

_DATA = Path(__file__).parent / "data"
AgentRole = Literal["detection", "diagnosis", "mitigation", "reflection"]

# What each prompt part may refer to: the agent fills these from its typed input.
PLACEHOLDERS: dict[str, dict[str, frozenset[str]]] = {
    "detection": {
        "system": frozenset(),
        "user": frozenset({"namespace", "severity", "symptoms", "health"}),
    },
    "diagnosis": {
        "system": frozenset(),
        "user": frozenset({"namespace", "detection", "attempts"}),
    },
    "mitigation": {
        "system": frozenset({"max_writes"}),
        "user": frozenset({"namespace", "diagnosis"}),
        "retry": frozenset({"oracle_results", "reflection", "attempts"}),
    },
    "reflection": {"system": frozenset(), "user": frozenset({"attempt", "outcome"})},
}

_STRICT = ConfigDict(frozen=True, extra="forbid")
_M = TypeVar("_M", bound=BaseModel)


class ParameterSpec(BaseModel):
    model_config = _STRICT
    type: Literal["string", "integer", "number", "boolean"]
    description: str = Field(min_length=3)
    default: Any = None

    @property
    def required(self) -> bool:
        return "default" not in self.model_fields_set


class ToolSpec(BaseModel):
    model_config = _STRICT
    description: str = Field(min_length=10)
    parameters: dict[str, ParameterSpec] = Field(default_factory=dict)


class Toolsets(BaseModel):
    model_config = _STRICT
    version: Literal[1]
    tools: dict[str, ToolSpec]
    roles: dict[AgentRole, tuple[str, ...]]

    @model_validator(mode="after")
    def _known_tools(self) -> Toolsets:
        for role, names in self.roles.items():
            unknown = sorted(set(names) - set(self.tools))
            if unknown:
                raise ValueError(f"role {role} names unknown tools: {', '.join(unknown)}")
        writers = [r for r, names in self.roles.items() if "write" in names and r != "mitigation"]
        if writers:
            raise ValueError(f"only mitigation may write, not {', '.join(writers)}")
        return self

    def for_role(self, role: AgentRole) -> dict[str, ToolSpec]:
        return {name: self.tools[name] for name in self.roles.get(role, ())}


class RolePrompts(BaseModel):
    model_config = _STRICT
    system: str = Field(min_length=20)
    user: str = Field(min_length=5)
    retry: str | None = None


class Prompts(BaseModel):
    model_config = _STRICT
    version: Literal[1]
    roles: dict[AgentRole, RolePrompts]

    @model_validator(mode="after")
    def _placeholders(self) -> Prompts:
        for role, prompts in self.roles.items():
            allowed = PLACEHOLDERS[role]
            for part in ("system", "user", "retry"):
                text = getattr(prompts, part)
                if text is None:
                    continue
                if part not in allowed:
                    raise ValueError(f"{role}.{part}: this role has no {part} prompt")
                extra = placeholders(text) - allowed[part]
                if extra:
                    raise ValueError(f"{role}.{part} uses unknown placeholders {sorted(extra)}")
        return self

    def render(self, role: AgentRole, part: str, **values: object) -> str:
        """A prompt with its placeholders filled; a missing value raises CatalogError."""
        text = getattr(self.roles[role], part)
        if text is None:
            raise CatalogError(f"{role} has no {part} prompt")
        missing = placeholders(text) - set(values)
        if missing:
            raise CatalogError(f"{role}.{part} needs {', '.join(sorted(missing))}")
        return str(text.format(**{k: values[k] for k in placeholders(text)}))


class Catalog(BaseModel):
    model_config = _STRICT
    toolsets: Toolsets
    prompts: Prompts


def placeholders(text: str) -> frozenset[str]:
    return frozenset(f for _, f, _, _ in string.Formatter().parse(text) if f)


@cache
def load_catalog(directory: Path = _DATA) -> Catalog:
    """The prompts and toolsets shipped with STRATUS (or in ``directory``)."""
    return Catalog(
        toolsets=_load(directory / "toolsets.yaml", Toolsets),
        prompts=_load(directory / "prompts.yaml", Prompts),
    )


def _load(path: Path, model: type[_M]) -> _M:
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError(f"{path}: cannot read it: {exc}") from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise CatalogError(f"{path}: {where}: {first['msg']}") from exc
