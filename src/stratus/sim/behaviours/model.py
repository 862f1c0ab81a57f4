"""The schema of image behaviour files: what a container image does when it runs."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from stratus.sim.kinds.quantity import parse_quantity

__all__ = [
    "BehaviourFile",
    "Call",
    "CrashLines",
    "Exit",
    "FlagEffect",
    "ImageSpec",
    "LogLines",
    "MixEntry",
    "Operation",
    "Program",
    "RequestLogs",
    "WorkloadSpec",
]

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


class Call(BaseModel):
    """A request a program makes to another service.

    ``to`` is ``host:port`` as the program would dial it; ``${VAR}`` and ``${VAR:-default}``
    read the container's environment, so a wrong or missing variable sends the call astray.
    The host is a DNS name: ``svc``, ``svc.ns``, ``svc.ns.svc.cluster.local``, or a pod's
    stateful name ``pod.svc``."""

    model_config = _STRICT
    to: str
    op: str = Field(description="the operation name at the callee")
    optional: bool = Field(False, description="a failure does not fail the caller")
    retries: int = Field(0, ge=0, le=10)
    timeout_ms: float = Field(1000.0, gt=0)
    probability: float = Field(1.0, ge=0, le=1, description="share of requests that make it")
    user: str | None = Field(None, description="credentials for stores (env refs allowed)")
    password: str | None = None
    db: str | None = Field(None, description="database the call reads or writes")
    tls: bool = False


class FlagEffect(BaseModel):
    """What a feature flag's variant does to an operation."""

    model_config = _STRICT
    error_rate: float = Field(0.0, ge=0, le=1)
    extra_ms: float = Field(0.0, ge=0)
    cpu_factor: float = Field(1.0, ge=0)
    message: str = "feature flag error"


class Operation(BaseModel):
    """Something a program serves: an HTTP route, a gRPC or Thrift method, a store command."""

    model_config = _STRICT
    name: str = Field(description="span name, e.g. 'HTTP GET /hotels' or '/geo.Geo/Nearby'")
    path: str | None = Field(None, description="HTTP path load generators may request")
    time_ms: float = Field(1.0, ge=0, description="mean own service time")
    cpu_ms: float = Field(0.5, ge=0, description="CPU time per request")
    calls: list[Call] = Field(default_factory=list)
    error_rate: float = Field(0.0, ge=0, le=1, description="intrinsic failure rate")
    flags: dict[str, dict[str, FlagEffect]] = Field(
        default_factory=dict,
        description="feature flag -> variant -> effect; flags are asked of flagd",
    )


class RequestLogs(BaseModel):
    """Lines a program writes about the requests it serves. ``{op}``, ``{ms}``, ``{status}``,
    ``{error}``, ``{peer}`` and ``{time}`` are replaced."""

    model_config = _STRICT
    sample: float = Field(0.05, ge=0, le=1, description="share of successful requests logged")
    ok: str = "{time} {op} {status} {ms}ms"
    error: str = "{time} {op} failed: {error}"


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
    # -- requests ------------------------------------------------------------------------
    service: str | None = Field(
        None, description="name in traces and metrics (default: the container's name)"
    )
    protocol: str = Field(
        "http", pattern="^(http|grpc|thrift|mongodb|memcached|redis|kafka|flagd|tcp)$"
    )
    operations: list[Operation] = Field(default_factory=list)
    startup_calls: list[Call] = Field(
        default_factory=list, description="dependencies it contacts when it starts"
    )
    fatal: list[str] = Field(
        default_factory=list,
        description="error kinds (dns refused timeout auth unauthorized tls error) that make it "
        "exit when a call meets them, as a program that calls log.Fatal does",
    )
    error_lines: dict[str, str] = Field(
        default_factory=dict,
        description="log line per error kind; {error}, {peer}, {time} are replaced",
    )
    request_logs: RequestLogs | None = None
    store: str | None = Field(
        None,
        pattern="^(mongodb|memcached|redis|kafka|flagd)$",
        description="a built-in stateful server this program is",
    )
    store_options: dict[str, str] = Field(default_factory=dict)

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


class MixEntry(BaseModel):
    model_config = _STRICT
    op: str = Field(description="operation of the entry service")
    weight: float = Field(1.0, gt=0)


class WorkloadSpec(BaseModel):
    """A load generator's settings, as an app declares them (``app.yaml`` ``workload:``)."""

    model_config = _STRICT
    target: str = Field(description="host:port of the entry service, e.g. frontend:5000")
    rate: float = Field(10.0, ge=0, description="requests per second")
    mix: list[MixEntry] = Field(min_length=1)
    client: str = Field("wrk2", description="service name of the client in traces")


class BehaviourFile(BaseModel):
    model_config = _STRICT
    images: list[ImageSpec] = Field(min_length=1)
