"""The schema of image behaviour files: what a container image does when it runs."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from stratus.sim.kinds.quantity import parse_quantity

__all__ = ["BehaviourFile", "CrashLines", "Exit", "ImageSpec", "LogLines", "Program"]

_STRICT = ConfigDict(extra="forbid", frozen=True)
Quantity = Annotated[str, Field(description="a Kubernetes quantity such as 50m or 64Mi")]


class CrashLines(BaseModel):
    """Lines written just before the program exits on each kind of failure. ``{name}``,
    ``{file}``, ``{flag}`` and ``{time}`` are replaced."""

    model_config = _STRICT
    missing_env: str = "{time} error: required environment variable {name} is not set"
    missing_file: str = "{time} error: open {file}: no such file or directory"
    bad_flag: str = "flag provided but not defined: {flag}"
    oom: str = ""


class LogLines(BaseModel):
    model_config = _STRICT
    start: list[str] = Field(default_factory=list, description="written when the program starts")
    ready: list[str] = Field(default_factory=list, description="written when it starts serving")
    stop: list[str] = Field(default_factory=list, description="written on a graceful stop")
    crash: CrashLines = Field(default_factory=CrashLines)


class Exit(BaseModel):
    """A program that finishes on its own (a job) rather than serving forever."""

    model_config = _STRICT
    code: int = Field(0, ge=0, le=255)
    after: float = Field(1.0, ge=0, description="seconds after start")


class Program(BaseModel):
    """One executable in an image and how it behaves."""

    model_config = _STRICT
    paths: list[str] = Field(min_length=1, description="names or paths that start it")
    ports: list[int] | None = Field(
        None, description="ports it listens on; null means the container's declared ports"
    )
    http: dict[int, list[str]] | None = Field(
        None,
        description="HTTP paths served (200) per port; '*' serves any path; null serves "
        "any path on every listening port",
    )
    flags: list[str] | None = Field(
        None, description="command-line flags it accepts; null accepts anything"
    )
    requires_env: list[str] = Field(default_factory=list)
    requires_files: list[str] = Field(default_factory=list)
    cpu: Quantity = "5m"
    memory: Quantity = "8Mi"
    startup: float = Field(1.0, ge=0, description="seconds from start until it serves")
    shutdown: float = Field(0.5, ge=0, description="seconds it takes to stop on SIGTERM")
    exits: Exit | None = None
    logs: LogLines = Field(default_factory=LogLines)

    @field_validator("cpu", "memory")
    @classmethod
    def _quantity(cls, value: str) -> str:
        parse_quantity(value)
        return value

    @field_validator("ports")
    @classmethod
    def _ports(cls, value: list[int] | None) -> list[int] | None:
        for port in value or []:
            if not 1 <= port <= 65535:
                raise ValueError(f"port {port} is outside 1-65535")
        return value


class ImageSpec(BaseModel):
    """A repository, the tags the emulated registry holds for it, and its programs."""

    model_config = _STRICT
    repository: str = Field(description="e.g. nginx or ghcr.io/org/app (no tag)")
    tags: list[str] = Field(min_length=1)
    size: Quantity = Field("50Mi", description="compressed size, which sets the pull time")
    entrypoint: list[str] = Field(
        default_factory=list, description="ENTRYPOINT: what runs when the pod gives no command"
    )
    args: list[str] = Field(default_factory=list, description="CMD: default arguments")
    programs: list[Program] = Field(min_length=1)
    shell: bool = Field(True, description="whether sh is present for `sh -c` commands")

    @field_validator("size")
    @classmethod
    def _size(cls, value: str) -> str:
        parse_quantity(value)
        return value

    @model_validator(mode="after")
    def _runs_something(self) -> ImageSpec:
        if not self.entrypoint and not self.args:
            raise ValueError("an image needs an entrypoint or default args (CMD)")
        return self


class BehaviourFile(BaseModel):
    model_config = _STRICT
    images: list[ImageSpec] = Field(min_length=1)
