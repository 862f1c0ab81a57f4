"""Shared vocabulary of the offline analyzers: which workloads are unhealthy and why their
pods say so, what a log line means, and how a hypothesis is written."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from stratus.agents.offline.index import Obj, name, spec
from stratus.agents.offline.situation import Situation
from stratus.agents.results import Category, Component, Hypothesis, ProposedAction

__all__ = [
    "LOG_CLASSES",
    "Trouble",
    "classify_log",
    "component",
    "container_statuses",
    "hypothesis",
    "log_excerpt",
    "troubled_workloads",
]

# What a log line says, checked in this order; the first match wins.
LOG_CLASSES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "credentials",
        re.compile(
            r"not authorized|authentication ?failed|auth(entication)? error|unauthorized"
            r"|access denied|invalid password|wrong password|NOAUTH|WRONGPASS",
            re.I,
        ),
    ),
    ("dns", re.compile(r"no such host|could not resolve|name or service not known|NXDOMAIN", re.I)),
    (
        "config",
        re.compile(r"environment variable|env var|not set\b|missing required|no such file", re.I),
    ),
    ("tls", re.compile(r"\btls\b|\bssl\b|x509|certificate|handshake", re.I)),
    (
        "dependency",
        re.compile(r"connection refused|failed to connect|connection reset|unreachable", re.I),
    ),
    ("timeout", re.compile(r"deadline exceeded|timed? ?out|i/o timeout", re.I)),
    ("panic", re.compile(r"panic|nil pointer|segmentation fault|fatal|traceback|exception", re.I)),
)
_ERRORISH = re.compile(r"\b(PNC|ERR|FTL|error|fatal|panic|fail)", re.I)


def classify_log(text: str) -> tuple[str, str]:
    """(class, the line that says so) for the most telling line of ``text``; ("", "") when
    nothing in it explains a failure."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    telling = [ln for ln in lines if _ERRORISH.search(ln)] or lines[-3:]
    for cls, pattern in LOG_CLASSES:
        for line in reversed(telling):
            if pattern.search(line):
                return cls, line[:300]
    return "", ""


def log_excerpt(text: str, limit: int = 3) -> list[str]:
    lines = [ln.strip()[:300] for ln in text.splitlines() if ln.strip()]
    telling = [ln for ln in lines if _ERRORISH.search(ln)]
    return (telling or lines)[-limit:]


def container_statuses(pod: Mapping[str, Any]) -> list[tuple[bool, Obj]]:
    """(is an init container, status) of every container of ``pod``."""
    status = pod.get("status") or {}
    return [(True, cs) for cs in status.get("initContainerStatuses") or []] + [
        (False, cs) for cs in status.get("containerStatuses") or []
    ]


@dataclass
class Trouble:
    """A workload that serves less than it should: its pods that are not ready, why."""

    workload: Obj
    pods: list[Obj] = field(default_factory=list)
    desired: int = 0
    available: int = 0

    @property
    def kind(self) -> str:
        return str(self.workload.get("kind"))

    @property
    def name(self) -> str:
        return name(self.workload)


def troubled_workloads(sit: Situation) -> list[Trouble]:
    """Workloads with pods that should serve and do not, or fewer available replicas than
    desired."""
    out = []
    for workload in sit.index.workloads:
        pods = [p for p in sit.index.pods_of(workload) if _unready(p)]
        status = workload.get("status") or {}
        if workload.get("kind") == "DaemonSet":
            desired = int(status.get("desiredNumberScheduled") or 0)
            available = int(status.get("numberAvailable") or 0)
        else:
            replicas = spec(workload).get("replicas")
            desired = 1 if replicas is None else int(replicas)
            available = int(status.get("availableReplicas") or status.get("readyReplicas") or 0)
        if pods or available < desired:
            out.append(Trouble(workload, pods, desired, available))
    return out


def _unready(pod: Mapping[str, Any]) -> bool:
    meta, status = pod.get("metadata") or {}, pod.get("status") or {}
    if meta.get("deletionTimestamp") or status.get("phase") in ("Succeeded", "Failed"):
        return False
    ready = any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in status.get("conditions") or []
    )
    return not (status.get("phase") == "Running" and ready)


def component(kind: str, obj_name: str, namespace: str = "") -> Component:
    return Component(kind=kind, name=obj_name, namespace=namespace)


def hypothesis(
    statement: str,
    category: Category,
    components: Iterable[Component],
    confidence: float,
    evidence: Sequence[str] = (),
    actions: Sequence[ProposedAction] = (),
    needs_human: str = "",
) -> Hypothesis:
    return Hypothesis(
        statement=statement,
        category=category,
        components=tuple(components),
        confidence=max(0.0, min(1.0, confidence)),
        evidence=tuple(e for e in evidence if e)[:12],
        actions=tuple(actions),
        needs_human=needs_human,
    )
