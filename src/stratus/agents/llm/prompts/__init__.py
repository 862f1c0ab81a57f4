"""The LLM agents' prompts and toolset descriptions, as data files beside this module:

- ``toolsets.yaml``: each tool's description and the descriptions of its parameters, and
  which tools each role is given;
- ``<role>.yaml`` (detection, diagnosis, mitigation, reflection): the system prompt, the
  user prompt (a ``string.Template`` over the fields ``FIELDS[role]`` names), the retry
  addendum, the forced-answer prompt, and the name and description of the answer tool.

``load_catalog`` validates them against the schema below; a malformed file is a
``CatalogError`` naming the file and what is wrong.
"""

from __future__ import annotations

import string
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from stratus.agents.errors import CatalogError

__all__ = [
    "FIELDS",
    "ROLES",
    "Catalog",
    "LlmRole",
    "RolePrompt",
    "SubmitSpec",
    "ToolSpec",
    "load_catalog",
]

LlmRole = Literal["detection", "diagnosis", "mitigation", "reflection"]
ROLES: tuple[LlmRole, ...] = ("detection", "diagnosis", "mitigation", "reflection")
HERE = Path(__file__).parent

# The fields each role's user prompt may use (``$name``); the agents fill in every one.
FIELDS: dict[LlmRole, frozenset[str]] = {
    "detection": frozenset({"namespace", "severity", "health", "baseline", "max_steps"}),
    "diagnosis": frozenset(
        {"namespace", "detection", "baseline", "topology", "alerts", "attempts", "max_steps"}
    ),
    "mitigation": frozenset(
        {"namespace", "detection", "diagnosis", "known_good", "attempts", "max_steps"}
    ),
    "reflection": frozenset({"namespace", "detection", "attempt", "earlier"}),
}
_FROZEN = ConfigDict(frozen=True, extra="forbid")
_NAME = r"^[a-z][a-z0-9_]*$"


class ToolSpec(BaseModel):
    """What a model is told about one tool: what it does, and what each parameter means."""

    model_config = _FROZEN
    description: str = Field(min_length=1)
    parameters: dict[str, str] = {}


class SubmitSpec(BaseModel):
    """The tool a role answers through."""

    model_config = _FROZEN
    name: str = Field(pattern=_NAME)
    description: str = Field(min_length=1)


class RolePrompt(BaseModel):
    model_config = _FROZEN
    role: LlmRole
    submit: SubmitSpec
    system: str = Field(min_length=1)
    user: str = Field(min_length=1)
    retry: str = ""
    force: str = Field(min_length=1)

    @model_validator(mode="after")
    def _known_fields(self) -> RolePrompt:
        for part in ("user", "retry"):
            template = string.Template(getattr(self, part))
            if not template.is_valid():
                raise ValueError(f"{part}: a '$' that starts no field (write '$$' for a dollar)")
            unknown = set(template.get_identifiers()) - FIELDS[self.role]
            if unknown:
                allowed = ", ".join(sorted(FIELDS[self.role]))
                raise ValueError(
                    f"{part}: unknown fields {', '.join(sorted(unknown))} (allowed: {allowed})"
                )
        return self

    def render(self, part: Literal["user", "retry"], **fields: str) -> str:
        return string.Template(getattr(self, part)).substitute(fields)


class Catalog(BaseModel):
    model_config = _FROZEN
    tools: dict[str, ToolSpec]
    toolsets: dict[LlmRole, tuple[str, ...]]
    roles: dict[LlmRole, RolePrompt]

    @model_validator(mode="after")
    def _consistent(self) -> Catalog:
        for role, names in self.toolsets.items():
            missing = [n for n in names if n not in self.tools]
            if missing:
                raise ValueError(f"toolset {role} names undescribed tools: {', '.join(missing)}")
        absent = [r for r in ROLES if r not in self.roles or r not in self.toolsets]
        if absent:
            raise ValueError(f"roles without a prompt or a toolset: {', '.join(absent)}")
        return self

    def toolset(self, role: LlmRole) -> dict[str, ToolSpec]:
        return {name: self.tools[name] for name in self.toolsets[role]}


def load_catalog(directory: Path | None = None) -> Catalog:
    """The catalogue in ``directory`` (default: the one shipped beside this module)."""
    return _load(directory or HERE)


@cache
def _load(directory: Path) -> Catalog:
    toolsets = _read(directory / "toolsets.yaml")
    roles = {role: _read(directory / f"{role}.yaml") for role in ROLES}
    try:
        for role, data in roles.items():
            _validate_role(directory / f"{role}.yaml", role, data)
        return Catalog.model_validate({**toolsets, "roles": roles})
    except ValidationError as exc:
        raise CatalogError(f"{directory}: {_problems(exc)}") from exc


def _validate_role(path: Path, role: str, data: dict[str, object]) -> None:
    if data.get("role") != role:
        raise CatalogError(f"{path}: says role {data.get('role')!r}, but the file is for {role!r}")
    try:
        RolePrompt.model_validate(data)
    except ValidationError as exc:
        raise CatalogError(f"{path}: {_problems(exc)}") from exc


def _read(path: Path) -> dict[str, object]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise CatalogError(f"{path}: must be a mapping")
    return data


def _problems(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in exc.errors()
    )
