"""The kubelet's memory of each pod and container, and the status it reports from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from stratus.sim.behaviours import Launch
from stratus.sim.clock import format_timestamp
from stratus.sim.controllers.kubelet.config import ContainerConfig

__all__ = ["ContainerRun", "PodRun", "ProbeState", "container_status", "fingerprint"]


@dataclass
class ProbeState:
    next_at: float = 0.0
    successes: int = 0
    failures: int = 0


@dataclass
class ContainerRun:
    name: str
    init: bool
    image: str
    phase: str = "pull"  # pull pulling pull_failed pull_backoff create config_wait running backoff
    #                      done blocked
    next_at: float = 0.0
    # what kubectl sees
    state: str = "waiting"  # waiting running terminated
    reason: str = "ContainerCreating"
    message: str = ""
    started_at: float = 0.0
    finished_at: float = 0.0
    exit_code: int = 0
    restart_count: int = 0
    last_terminated: dict[str, Any] | None = None
    container_id: str = ""
    image_id: str = ""
    ready: bool = False
    started: bool = False
    # what the process does
    launch: Launch | None = None
    config: ContainerConfig | None = None
    up_at: float = 0.0
    ready_logged: bool = False
    end_at: float | None = None
    end_code: int = 0
    end_reason: str = ""
    end_line: str = ""
    pull_backoff: float = 0.0
    pull_seconds: float = 0.0
    pull_size: int = 0
    backoff_index: int = 0
    config_error_at: float = -1e18
    probes: dict[str, ProbeState] = field(default_factory=dict)

    def terminated(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "exitCode": self.exit_code,
            "reason": self.reason,
            "startedAt": format_timestamp(self.started_at),
            "finishedAt": format_timestamp(self.finished_at),
            "containerID": self.container_id,
        }
        if self.message:
            out["message"] = self.message
        return out


@dataclass
class PodRun:
    uid: str
    node: str
    ip: str = ""
    start_time: float = 0.0
    containers: dict[str, ContainerRun] = field(default_factory=dict)
    mount_error: str = ""
    mount_event_at: float = -1e18
    stopping_at: float | None = None
    wake_at: float | None = None
    poked: bool = False  # a timer fired since the last sync
    written: tuple[object, ...] | None = None  # what the last status write reflected
    written_version: str = ""


def fingerprint(run: PodRun) -> tuple[object, ...]:
    """Everything the reported status depends on, to skip writes that would change nothing."""
    return (
        run.mount_error,
        run.ip,
        tuple(
            (
                c.name,
                c.state,
                c.reason,
                c.message,
                c.ready,
                c.started,
                c.restart_count,
                c.container_id,
                c.image,
                c.image_id,
                c.exit_code,
                c.finished_at,
                c.last_terminated is not None and c.last_terminated.get("finishedAt"),
            )
            for c in run.containers.values()
        ),
    )


def container_status(run: ContainerRun, spec: dict[str, Any]) -> dict[str, Any]:
    if run.state == "running":
        state: dict[str, Any] = {"running": {"startedAt": format_timestamp(run.started_at)}}
    elif run.state == "terminated":
        state = {"terminated": run.terminated()}
    else:
        waiting: dict[str, Any] = {"reason": run.reason}
        if run.message:
            waiting["message"] = run.message
        state = {"waiting": waiting}
    status: dict[str, Any] = {
        "name": run.name,
        "state": state,
        "lastState": {"terminated": run.last_terminated} if run.last_terminated else {},
        "ready": run.ready,
        "restartCount": run.restart_count,
        "image": spec.get("image", ""),
        "imageID": run.image_id,
        "started": run.started if run.state == "running" else False,
    }
    if run.container_id:
        status["containerID"] = run.container_id
    mounts = [
        {"name": m.get("name"), "mountPath": m.get("mountPath")}
        for m in spec.get("volumeMounts") or []
    ]
    if mounts:
        status["volumeMounts"] = mounts
    return status
