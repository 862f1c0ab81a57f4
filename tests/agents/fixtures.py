"""Small Kubernetes objects, shaped as ``kubectl get -o json`` returns them, and a
``Situation`` around them, for the offline analyzers' unit tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from stratus.agents.offline.index import Index, Obj
from stratus.agents.offline.situation import CallFailure, Situation
from stratus.agents.reference import Reference
from stratus.observe.baseline import Baseline, WorkloadBaseline
from stratus.observe.cluster import WorkloadKey
from stratus.observe.jaeger import Dependency
from stratus.observe.prometheus import Alert

NS = "shop"
T0 = "2026-01-01T00:00:00Z"  # deployed
T_CHANGE = "2026-01-01T00:20:00Z"  # a rollout shortly before the incident
START = 1767227400.0  # 2026-01-01T00:30:00Z: the incident starts


def container(
    name: str = "app",
    image: str = "shop/app:1",
    ports: Sequence[int] = (8080,),
    **extra: Any,
) -> Obj:
    return {"name": name, "image": image, "ports": [{"containerPort": p} for p in ports], **extra}


def deployment(
    name: str,
    *,
    replicas: int = 1,
    labels: Mapping[str, str] | None = None,
    containers: Sequence[Obj] | None = None,
    revision: int = 1,
    available: int | None = None,
    pod_spec: Mapping[str, Any] | None = None,
) -> Obj:
    labels = dict(labels or {"app": name})
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": NS,
            "annotations": {"deployment.kubernetes.io/revision": str(revision)},
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": list(containers or [container()]), **(pod_spec or {})},
            },
        },
        "status": {"availableReplicas": replicas if available is None else available},
    }


def replicaset(owner: Obj, revision: int, template: Obj, created: str = T0) -> Obj:
    name = f"{owner['metadata']['name']}-rs{revision}"
    labels = {**template["metadata"]["labels"], "pod-template-hash": f"rs{revision}"}
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": name,
            "namespace": NS,
            "creationTimestamp": created,
            "annotations": {"deployment.kubernetes.io/revision": str(revision)},
            "ownerReferences": [
                {"kind": "Deployment", "name": owner["metadata"]["name"], "controller": True}
            ],
        },
        "spec": {"template": {**template, "metadata": {"labels": labels}}},
    }


def pod(
    name: str,
    rs: Obj,
    *,
    phase: str = "Running",
    ready: bool = True,
    statuses: Sequence[Obj] = (),
    conditions: Sequence[Obj] = (),
    ip: str = "",
) -> Obj:
    template = rs["spec"]["template"]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": NS,
            "labels": dict(template["metadata"]["labels"]),
            "ownerReferences": [
                {"kind": "ReplicaSet", "name": rs["metadata"]["name"], "controller": True}
            ],
        },
        "spec": dict(template["spec"]),
        "status": {
            "phase": phase,
            "podIP": ip,
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}, *conditions],
            "containerStatuses": list(statuses),
        },
    }


def waiting(reason: str, message: str = "", name: str = "app", last: str = "") -> Obj:
    """A container waiting for ``reason``; ``last``: why its previous run ended."""
    status: Obj = {"name": name, "state": {"waiting": {"reason": reason, "message": message}}}
    if last:
        status["lastState"] = {"terminated": {"reason": last}}
    return status


def service(
    name: str,
    selector: Mapping[str, str],
    ports: Sequence[tuple[int, int]] = ((80, 8080),),
    ip: str = "10.96.0.10",
) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": NS},
        "spec": {
            "selector": dict(selector),
            "clusterIP": ip,
            "ports": [{"port": p, "targetPort": t} for p, t in ports],
        },
    }


def event(
    kind: str,
    name: str,
    reason: str,
    message: str,
    at: str = "2026-01-01T00:29:00Z",
    field_path: str = "",
) -> Obj:
    involved = {"kind": kind, "name": name, "namespace": NS}
    if field_path:
        involved["fieldPath"] = field_path
    return {
        "kind": "Event",
        "metadata": {"name": f"{name}.{reason}.{at}", "namespace": NS},
        "involvedObject": involved,
        "reason": reason,
        "message": message,
        "type": "Warning",
        "lastTimestamp": at,
    }


def node(
    name: str,
    *,
    unschedulable: bool = False,
    taints: Sequence[Obj] = (),
    control_plane: bool = False,
) -> Obj:
    labels = {"kubernetes.io/hostname": name}
    if control_plane:
        labels["node-role.kubernetes.io/control-plane"] = ""
    spec: Obj = {"taints": list(taints)}
    if unschedulable:
        spec["unschedulable"] = True
    return {"kind": "Node", "metadata": {"name": name, "labels": labels}, "spec": spec}


def situation(
    objects: Iterable[Obj],
    *,
    nodes: Sequence[Obj] = (),
    volumes: Sequence[Obj] = (),
    known: Sequence[Obj] = (),
    replicas: Mapping[str, int] | None = None,
    failures: Sequence[CallFailure] = (),
    edges: Sequence[tuple[str, str]] = (),
    logs: Mapping[str, str] | None = None,
    alerts: Sequence[Alert] = (),
    source: Literal["observed-healthy", "reconstructed", "file"] = "observed-healthy",
) -> Situation:
    baseline = Baseline(
        captured_at=START - 3600,
        namespaces=(NS,),
        workloads=tuple(
            WorkloadBaseline(key=WorkloadKey("Deployment", NS, n), replicas=r)
            for n, r in (replicas or {}).items()
        ),
    )
    texts = dict(logs or {})
    return Situation(
        namespace=NS,
        now=START + 60,
        index=Index(objects, nodes, volumes),
        reference=Reference(baseline=baseline, objects=tuple(known), source=source),
        alerts=list(alerts),
        edges=[Dependency(a, b, 10) for a, b in edges],
        failures=list(failures),
        log=lambda pod, container, previous: texts.get(pod, ""),
        incident_start=START,
    )
