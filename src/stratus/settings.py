"""Typed settings for the whole tool.

Precedence, highest first: command-line flags > ``STRATUS_*`` environment variables > the
settings file (``STRATUS_CONFIG``, else ``<config dir>/stratus/config.yaml`` if present) >
defaults. Nested fields use ``__`` in variable names (``STRATUS_SIM__SPEED=10``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import platformdirs
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

__all__ = [
    "KernelSettings",
    "LLMSettings",
    "Settings",
    "SettingsError",
    "SimSettings",
    "load_settings",
]


class SettingsError(Exception):
    """The settings file or an environment variable is invalid; the message says which."""


class SimSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nodes: int = Field(3, ge=1, le=5000, description="nodes in a new emulated cloud")
    seed: int = Field(0, description="seed of the emulated cloud's random choices")
    speed: float = Field(1.0, gt=0, description="virtual seconds per wall second in `sim up`")
    port: int = Field(0, ge=0, le=65535, description="API port of `sim up` (0: a free port)")


class KernelSettings(BaseModel):
    """The safety kernel's defaults (flags of `stratus kubectl` and `stratus run` override)."""

    model_config = ConfigDict(extra="forbid")

    journal: Path | None = Field(
        None, description="journal file (default: <state_dir>/journal/<context>.sqlite)"
    )
    settle_min: float = Field(60.0, ge=0, description="seconds to wait at least after writes")
    settle_max: float = Field(300.0, ge=0, description="seconds to wait at most for rollouts")
    w_alerts: float = Field(1.0, ge=0, description="weight of firing alerts in μ")
    w_sla: float = Field(3.0, ge=0, description="weight of SLA violations in μ")
    w_capacity: float = Field(1.0, ge=0, description="weight of lost capacity in μ")


class LLMSettings(BaseModel):
    """How the LLM-backed agents reach their model (``--model provider:name``) and what one
    incident may spend on it. With ``base_url`` any OpenAI-compatible server (vLLM, Ollama,
    llama.cpp, LM Studio) serves ``openai:NAME``."""

    model_config = ConfigDict(extra="forbid")

    base_url: str | None = Field(
        None, description="an OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1"
    )
    api_key_env: str | None = Field(
        None, description="environment variable holding the API key (default: the provider's)"
    )
    request_timeout: float = Field(120.0, gt=0, description="seconds one model request may take")
    run_timeout: float = Field(600.0, gt=0, description="wall seconds one agent's loop may take")
    http_retries: int = Field(2, ge=0, le=10, description="retries of a failed model request")
    tool_retries: int = Field(
        4, ge=0, le=20, description="malformed tool calls or answers a model may correct"
    )
    temperature: float | None = Field(None, ge=0, le=2, description="sampling temperature")
    max_output_tokens: int | None = Field(None, ge=1, description="tokens one reply may hold")
    tokens: int | None = Field(None, ge=0, description="tokens one incident may spend")
    cost_usd: float | None = Field(None, ge=0, description="dollars one incident may spend")


def _default_state_dir() -> Path:
    return Path(platformdirs.user_state_dir("stratus"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="STRATUS_", env_nested_delimiter="__", extra="forbid"
    )

    state_dir: Path = Field(
        default_factory=_default_state_dir,
        description="where kubeconfigs, journals and reports are kept",
    )
    sim: SimSettings = Field(default_factory=SimSettings)
    kernel: KernelSettings = Field(default_factory=KernelSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _FileSource(settings_cls))


class _FileSource(PydanticBaseSettingsSource):
    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = settings_file()
        if path is None:
            return {}
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise SettingsError(f"{path}: cannot read settings: {exc}") from exc
        if not isinstance(data, dict):
            raise SettingsError(f"{path}: the settings file must be a mapping")
        return data


def settings_file() -> Path | None:
    explicit = os.environ.get("STRATUS_CONFIG")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise SettingsError(f"STRATUS_CONFIG names {path}, which is not a file")
        return path
    default = Path(platformdirs.user_config_dir("stratus")) / "config.yaml"
    return default if default.is_file() else None


def load_settings(**overrides: Any) -> Settings:
    """Settings with ``overrides`` (from flags) on top; invalid values raise SettingsError."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise SettingsError(f"invalid settings: {problems}") from exc
