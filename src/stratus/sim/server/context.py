"""What the HTTP layer needs from a cloud: its API, clock, lock, logs and public address."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from stratus.sim.api import ApiService, Subresources
from stratus.sim.runtime import LogBook
from stratus.sim.server.openapi import OpenApi

__all__ = ["ExecHandler", "ServerContext"]


class ExecHandler(Protocol):
    """Runs a command in a pod's container: (exit code, stdout, stderr)."""

    def __call__(
        self, namespace: str, pod: str, container: str, command: list[str], stdin: str
    ) -> tuple[int, str, str]: ...


@dataclass
class ServerContext:
    api: ApiService
    logs: LogBook
    address: str = "127.0.0.1:0"
    max_body_bytes: int = 3 * 1024 * 1024
    exec_handler: ExecHandler | None = None
    subresources: Subresources = field(init=False)
    openapi: OpenApi = field(init=False)

    def __post_init__(self) -> None:
        self.subresources = self.api.subresources
        self.openapi = OpenApi(self.api.kinds)
