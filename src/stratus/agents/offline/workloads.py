"""Workloads that serve less than they should, and why their pods say so: image pulls,
configuration errors, crash loops (read through their logs), OOM kills, probes, init
containers that never finish, replicas scaled away; plus CPU throttling and OOM alerts on
workloads that still look ready. Each finding carries the roll-back actions of the
workload's recent changes first, then a targeted fix."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from stratus.agents.offline import actions, database
from stratus.agents.offline.changes import history
from stratus.agents.offline.common import (
    Trouble,
    classify_log,
    component,
    container_statuses,
    hypothesis,
    log_excerpt,
    troubled_workloads,
)
from stratus.agents.offline.index import Obj, name, spec
from stratus.agents.offline.situation import Situation
from stratus.agents.offline.units import cpu_millis, memory_mib
from stratus.agents.results import Category, Hypothesis, ProposedAction
from stratus.observe.cluster import WorkloadKey

__all__ = ["analyze"]

_IMAGE = {"ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull"}
_CONFIG = {"CreateContainerConfigError", "CreateContainerError"}
_MISSING = re.compile(r'(configmap|secret)s? "([^"]+)" not found', re.I)
_LOG_CATEGORY: dict[str, Category] = {
    "credentials": "credentials",
    "dns": "dns",
    "config": "misconfiguration",
    "tls": "misconfiguration",
    "dependency": "dependency",
    "timeout": "dependency",
    "panic": "crash",
}


@dataclass
class _Finding:
    category: Category
    statement: str
    confidence: float
    evidence: list[str] = field(default_factory=list)
    fixes: list[ProposedAction] = field(default_factory=list)
    needs_human: str = ""


def analyze(sit: Situation) -> list[Hypothesis]:
    out, scaled = _scaled(sit)
    troubled = troubled_workloads(sit)
    for trouble in troubled:
        if trouble.name not in scaled:
            out += _workload(sit, trouble)
    out += _alerted(sit, {t.name for t in troubled} | scaled)
    return out


def _scaled(sit: Situation) -> tuple[list[Hypothesis], set[str]]:
    """Workloads running fewer replicas than they did when the system was healthy."""
    out, names = [], set()
    ns = sit.namespace
    for workload in sit.index.workloads:
        kind, wname = str(workload.get("kind")), name(workload)
        base = sit.reference.baseline.workload(WorkloadKey(kind, ns, wname))
        replicas = spec(workload).get("replicas")
        desired = 1 if replicas is None or kind == "DaemonSet" else int(replicas)
        if base is None or kind == "DaemonSet" or desired >= base.replicas:
            continue
        why = f"it ran {base.replicas} replicas when the system was healthy"
        names.add(wname)
        out.append(
            hypothesis(
                f"{kind}/{wname} was scaled to {desired} replicas; {why}",
                "capacity",
                [component(kind, wname, ns)],
                0.85,
                [f"desired {desired}, healthy {base.replicas}"],
                [actions.scale(ns, kind, wname, base.replicas, why)],
            )
        )
    return out, names


def _workload(sit: Situation, t: Trouble) -> list[Hypothesis]:
    ns = sit.namespace
    comp = component(t.kind, t.name, ns)
    evidence, undo = history(sit, t.workload)
    findings = _findings(sit, t)
    if not findings and t.available < t.desired and not t.pods:
        return []  # no pod to look at: the controller cannot create them (see scheduling)
    if not findings:
        findings = [_Finding("unknown", f"{t.kind}/{t.name} is not ready", 0.3)]
    out = []
    for f in findings:
        recent = 0.1 if undo else 0.0
        out.append(
            hypothesis(
                f.statement,
                f.category,
                [comp],
                f.confidence + recent,
                [*f.evidence, *evidence],
                [*undo, *f.fixes],
                f.needs_human,
            )
        )
    return out


def _findings(sit: Situation, t: Trouble) -> list[_Finding]:
    found: dict[str, _Finding] = {}
    for pod in t.pods[:3]:
        for f in _pod(sit, t, pod):
            found.setdefault(f.category + f.statement.split(":")[0], f)
    return list(found.values())


def _pod(sit: Situation, t: Trouble, pod: Obj) -> list[_Finding]:
    ns, pname = sit.namespace, name(pod)
    status = pod.get("status") or {}
    out: list[_Finding] = []
    containers = (spec(t.workload).get("template") or {}).get("spec", {}).get("containers") or []
    for init, cs in container_statuses(pod):
        cname = str(cs.get("name", ""))
        state, last = cs.get("state") or {}, (cs.get("lastState") or {}).get("terminated") or {}
        waiting = state.get("waiting") or {}
        reason, message = str(waiting.get("reason", "")), str(waiting.get("message", ""))
        if reason in _IMAGE:
            out.append(
                _Finding(
                    "image",
                    f"{t.kind}/{t.name} cannot pull image {cs.get('image')}: {reason}",
                    0.85,
                    [message],
                )
            )
        elif reason in _CONFIG:
            out.append(_config(ns, t, f"container {cname}: {message}"))
        elif last.get("reason") == "OOMKilled":
            out.append(_oom(ns, t, cname, containers))
        elif reason == "CrashLoopBackOff" or last.get("reason") == "Error":
            out.append(_crash(sit, t, pname, cname, t.workload))
        elif init and state.get("running") and status.get("phase") == "Pending":
            since = state["running"].get("startedAt", "?")
            out.append(
                _Finding(
                    "misconfiguration",
                    f"init container {cname} of {t.kind}/{t.name} never finishes",
                    0.7,
                    [f"{pname}: {cname} running since {since}"],
                )
            )
    if status.get("phase") == "Running" and not out:
        out += _probes(sit, t, pod, containers)
    for ev in sit.index.pod_events(pod, "FailedMount")[-1:]:
        out.append(_config(ns, t, str(ev.get("message", ""))))
    return out


def _config(ns: str, t: Trouble, message: str) -> _Finding:
    f = _Finding(
        "misconfiguration",
        f"{t.kind}/{t.name} refers to configuration that is missing",
        0.8,
        [message],
    )
    missing = _MISSING.search(message)
    if missing and missing.group(1).lower() == "configmap":
        f.fixes.append(
            actions.create_configmap(ns, missing.group(2), f"{t.name}'s pods wait for it")
        )
    elif missing:
        f.needs_human = (
            f"Secret/{missing.group(2)} is missing: recreate it with its values "
            "(STRATUS never sees secret values)"
        )
    return f


def _oom(ns: str, t: Trouble, container: str, containers: list[Obj]) -> _Finding:
    f = _Finding(
        "resources", f"{t.kind}/{t.name} ({container}) is killed for running out of memory", 0.85
    )
    spec_c = next((c for c in containers if c.get("name") == container), {})
    limit = memory_mib(((spec_c.get("resources") or {}).get("limits") or {}).get("memory"))
    if limit is not None:
        f.evidence.append(f"memory limit {limit:g}Mi")
        value = f"{max(256, int(limit * 2))}Mi"
        f.fixes.append(
            actions.raise_memory(ns, t.kind, t.name, container, value, "the limit kills it")
        )
    return f


def _crash(sit: Situation, t: Trouble, pod: str, container: str, workload: Obj) -> _Finding:
    text = sit.log(pod, container, True) or sit.log(pod, container, False)
    cls, line = classify_log(text)
    category: Category = _LOG_CATEGORY.get(cls, "crash")
    f = _Finding(
        category,
        f"{t.kind}/{t.name} crash-loops: {line or 'it exits at start-up'}",
        0.75,
        log_excerpt(text),
    )
    if category == "credentials":
        f.fixes += database.restore_user(sit, t.kind, t.name, line)
        f.needs_human = (
            f"{t.name} is refused by a service it logs in to ({line[:120]}): restore the "
            "credentials or grants inside that service (needs exec or its admin tools, which "
            "the policy refuses by default)"
        )
    if category == "dns":
        policy = (spec(workload).get("template") or {}).get("spec", {}).get("dnsPolicy")
        if policy not in (None, "ClusterFirst", "ClusterFirstWithHostNet"):
            ops = [
                {"op": "replace", "path": "/spec/template/spec/dnsPolicy", "value": "ClusterFirst"}
            ]
            f.evidence.append(f"dnsPolicy is {policy}: cluster names do not resolve")
            f.fixes.append(
                actions.patch_json(
                    sit.namespace,
                    t.kind,
                    t.name,
                    ops,
                    f"dnsPolicy {t.kind}/{t.name}",
                    f"Resolve names through the cluster DNS in {t.kind}/{t.name}",
                    "its pods resolve names outside the cluster",
                    "low",
                )
            )
    return f


def _probes(sit: Situation, t: Trouble, pod: Obj, containers: list[Obj]) -> list[_Finding]:
    out = []
    for ev in sit.index.pod_events(pod)[-10:]:
        message = str(ev.get("message", ""))
        if ev.get("reason") not in ("Unhealthy", "Killing") or "probe" not in message.lower():
            continue
        which = "liveness" if "liveness" in message.lower() else "readiness"
        f = _Finding("probe", f"{t.kind}/{t.name} fails its {which} probe", 0.75, [message[:300]])
        for i, c in enumerate(containers):
            f.fixes += _probe_fixes(sit.namespace, t, i, c, which)
        out.append(f)
        break
    return out


def _probe_fixes(
    ns: str, t: Trouble, index: int, container: Mapping[str, Any], which: str
) -> list[ProposedAction]:
    probe = container.get(f"{which}Probe") or {}
    path = f"/spec/template/spec/containers/{index}/{which}Probe"
    declared = [
        p.get("containerPort") for p in container.get("ports") or [] if p.get("containerPort")
    ]
    for handler in ("tcpSocket", "httpGet", "grpc"):
        port = (probe.get(handler) or {}).get("port")
        if isinstance(port, int) and declared and port not in declared:
            ops = [{"op": "replace", "path": f"{path}/{handler}/port", "value": declared[0]}]
            return [
                actions.patch_json(
                    ns,
                    t.kind,
                    t.name,
                    ops,
                    f"probe port {t.kind}/{t.name}",
                    f"Probe port {declared[0]} (the declared one) in {t.kind}/{t.name}",
                    f"the {which} probe checks port {port}, which no container declares",
                    "low",
                )
            ]
    if which == "liveness" and probe:
        relaxed = {
            **probe,
            "initialDelaySeconds": max(30, int(probe.get("initialDelaySeconds") or 0)),
            "periodSeconds": max(10, int(probe.get("periodSeconds") or 10)),
            "failureThreshold": max(3, int(probe.get("failureThreshold") or 3)),
            "timeoutSeconds": max(5, int(probe.get("timeoutSeconds") or 1)),
        }
        ops = [{"op": "replace", "path": path, "value": relaxed}]
        return [
            actions.patch_json(
                ns,
                t.kind,
                t.name,
                ops,
                f"relax liveness {t.kind}/{t.name}",
                f"Give {t.kind}/{t.name} time to start before its liveness probe kills it",
                "the probe kills the container before it is up",
                "low",
            )
        ]
    return []


def _alerted(sit: Situation, troubled: set[str]) -> list[Hypothesis]:
    """CPU throttling and OOM kills on workloads whose pods still count as ready."""
    out: list[Hypothesis] = []
    seen: set[str] = set()
    for alert in sit.alerts:
        pod = sit.index.get("Pod", alert.labels.get("pod", ""))
        owner = sit.index.owner(pod) if pod is not None else None
        if owner is None or name(owner) in troubled or name(owner) in seen:
            continue
        kind, wname, container = (
            str(owner.get("kind")),
            name(owner),
            alert.labels.get("container", ""),
        )
        containers = (spec(owner).get("template") or {}).get("spec", {}).get("containers") or []
        c = next(
            (c for c in containers if c.get("name") == container),
            containers[0] if containers else {},
        )
        limits = (c.get("resources") or {}).get("limits") or {}
        evidence, undo = history(sit, owner)
        fixes: list[ProposedAction] = []
        if alert.name == "ContainerCPUThrottling":
            cpu = cpu_millis(limits.get("cpu"))
            if cpu is not None:
                value = "1" if cpu < 1000 else f"{int(cpu * 2)}m"
                fixes.append(
                    ProposedAction(
                        key=f"cpu {kind}/{wname} {c.get('name')}",
                        title=f"Raise the CPU limit of {kind}/{wname} to {value}",
                        commands=(
                            actions.kubectl(
                                "set",
                                "resources",
                                f"{kind.lower()}/{wname}",
                                "-n",
                                sit.namespace,
                                "-c",
                                str(c.get("name")),
                                f"--limits=cpu={value}",
                            ),
                        ),
                        rationale=f"its CPU limit ({limits.get('cpu')}) throttles it",
                        risk="medium",
                    )
                )
            statement = f"{kind}/{wname} is CPU-throttled (limit {limits.get('cpu')})"
        elif alert.name == "KubeContainerOOMKilled":
            statement = f"{kind}/{wname} was OOM-killed"
        else:
            continue
        seen.add(wname)
        out.append(
            hypothesis(
                statement,
                "resources",
                [component(kind, wname, sit.namespace)],
                0.7,
                [f"alert {alert.name} fires", *evidence],
                [*undo, *fixes],
            )
        )
    return out
