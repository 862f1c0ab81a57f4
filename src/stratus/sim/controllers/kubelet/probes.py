"""Evaluating readiness, liveness and startup probes against what a program serves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stratus.sim.behaviours import Program

__all__ = ["ProbeResult", "listening_ports", "run_probe"]


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    message: str = ""


def listening_ports(program: Program, container: dict[str, Any]) -> set[int]:
    if program.ports is not None:
        return set(program.ports)
    return {
        int(p["containerPort"])
        for p in container.get("ports") or []
        if isinstance(p.get("containerPort"), int)
    }


def _resolve_port(port: Any, container: dict[str, Any]) -> int | None:
    if isinstance(port, int):
        return port
    for declared in container.get("ports") or []:
        if declared.get("name") == port:
            return int(declared.get("containerPort", 0))
    if isinstance(port, str) and port.isdigit():
        return int(port)
    return None


def run_probe(
    probe: dict[str, Any],
    program: Program,
    container: dict[str, Any],
    pod_ip: str,
    serving: bool,
    files: set[str],
    directories: set[str],
) -> ProbeResult:
    """Whether ``probe`` passes against ``program``, with the kubelet's failure message."""
    ports = listening_ports(program, container) if serving else set()
    if "httpGet" in probe:
        action = probe["httpGet"] or {}
        port = _resolve_port(action.get("port"), container)
        scheme = str(action.get("scheme", "HTTP")).lower()
        path = action.get("path") or "/"
        url = f"{scheme}://{pod_ip}:{port}{path}"
        if port is None:
            return ProbeResult(
                False,
                f'Get "{scheme}://{pod_ip}:{action.get("port")}{path}": '
                f"invalid port {action.get('port')!r}",
            )
        if port not in ports:
            return ProbeResult(
                False, f'Get "{url}": dial tcp {pod_ip}:{port}: connect: connection refused'
            )
        served = program.http.get(port) if program.http is not None else ["*"]
        if served is None or ("*" not in served and path not in served):
            return ProbeResult(False, "HTTP probe failed with statuscode: 404")
        return ProbeResult(True)
    if "tcpSocket" in probe:
        port = _resolve_port((probe["tcpSocket"] or {}).get("port"), container)
        if port not in ports:
            return ProbeResult(False, f"dial tcp {pod_ip}:{port}: connect: connection refused")
        return ProbeResult(True)
    if "grpc" in probe:
        port = (probe["grpc"] or {}).get("port")
        if port not in ports:
            return ProbeResult(
                False,
                f'timeout: failed to connect service "{pod_ip}:{port}" '
                "within 1s: context deadline exceeded",
            )
        return ProbeResult(True)
    command = ((probe.get("exec") or {}).get("command")) or []
    if not serving:
        return ProbeResult(False, "")
    for word in command[1:]:
        mounted = any(word.startswith(d + "/") for d in directories)
        if mounted and word not in files and command[0] in ("cat", "test", "ls", "stat"):
            return ProbeResult(
                False, f"{command[0]}: can't open '{word}': No such file or directory"
            )
    return ProbeResult(True)
