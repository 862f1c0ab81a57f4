"""What the API server's per-kind strategies do to an object before it is stored."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from stratus.sim.kinds import ResourceKind
from stratus.sim.kinds.quantity import parse_quantity
from stratus.sim.store import Obj

if TYPE_CHECKING:
    from stratus.sim.api.service import ApiService

__all__ = ["pod_qos_class", "prepare_create", "prepare_update"]

_EMPTY_STATUS: dict[str, dict[str, Any]] = {
    "Deployment": {},
    "ReplicaSet": {"replicas": 0},
    "StatefulSet": {"replicas": 0},
    "DaemonSet": {
        "currentNumberScheduled": 0,
        "numberMisscheduled": 0,
        "desiredNumberScheduled": 0,
        "numberReady": 0,
    },
    "Job": {},
    "CronJob": {},
    "Service": {"loadBalancer": {}},
    "PersistentVolume": {"phase": "Pending"},
    "PersistentVolumeClaim": {"phase": "Pending"},
    "HorizontalPodAutoscaler": {"desiredReplicas": 0, "currentReplicas": 0},
    "PodDisruptionBudget": {
        "disruptionsAllowed": 0,
        "currentHealthy": 0,
        "desiredHealthy": 0,
        "expectedPods": 0,
    },
    "ResourceQuota": {},
    "Ingress": {"loadBalancer": {}},
}


def prepare_create(api: ApiService, rk: ResourceKind, obj: Obj) -> None:
    kind = rk.kind
    if kind in _EMPTY_STATUS:
        obj["status"] = dict(_EMPTY_STATUS[kind])
    if kind == "Pod":
        _pod_resources(obj.get("spec") or {})
        obj["status"] = {"phase": "Pending", "qosClass": pod_qos_class(obj.get("spec") or {})}
    if kind == "Service":
        _allocate(api, obj, None)
    elif kind == "Secret":
        _secret_data(obj)
    elif kind == "Job":
        _job_selector(api, obj)


def prepare_update(api: ApiService, rk: ResourceKind, old: Obj, obj: Obj) -> None:
    if rk.kind == "Service":
        _allocate(api, obj, old)
    elif rk.kind == "Secret":
        _secret_data(obj)
    elif rk.kind == "Job":
        spec, old_spec = obj.setdefault("spec", {}), old.get("spec") or {}
        spec.setdefault("selector", old_spec.get("selector"))
        template_meta = spec.setdefault("template", {}).setdefault("metadata", {})
        old_labels = (old_spec.get("template") or {}).get("metadata", {}).get("labels") or {}
        template_meta.setdefault("labels", {}).update(
            {k: v for k, v in old_labels.items() if "job-name" in k or "controller-uid" in k}
        )
    elif rk.kind == "Pod":
        _pod_resources(obj.get("spec") or {})


def _pod_resources(spec: dict[str, Any]) -> None:
    """Requests default to limits when only limits are given (for pods only: templates
    keep what was written, so controllers can compare them with their owners')."""
    for group in ("initContainers", "containers"):
        for container in spec.get(group) or []:
            resources = container.setdefault("resources", {})
            limits = resources.get("limits") or {}
            if limits:
                requests = resources.setdefault("requests", {})
                for name, value in limits.items():
                    requests.setdefault(name, value)


def pod_qos_class(spec: dict[str, Any]) -> str:
    containers = list(spec.get("containers") or []) + list(spec.get("initContainers") or [])
    any_set = False
    guaranteed = True
    for container in containers:
        resources = container.get("resources") or {}
        requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
        if requests or limits:
            any_set = True
        for name in ("cpu", "memory"):
            if name not in limits or name not in requests:
                guaranteed = False
                continue
            try:
                if parse_quantity(limits[name]) != parse_quantity(requests[name]):
                    guaranteed = False
            except ValueError:
                guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def _allocate(api: ApiService, obj: Obj, old: Obj | None) -> None:
    spec = obj.setdefault("spec", {})
    old_spec = (old or {}).get("spec") or {}
    name = obj["metadata"]["name"]
    if spec.get("type") == "ExternalName":
        spec.pop("clusterIP", None)
        return
    if old_spec.get("clusterIP") and not spec.get("clusterIP"):
        spec["clusterIP"] = old_spec["clusterIP"]
    if spec.get("clusterIP") == "None":
        spec["clusterIPs"] = ["None"]
    elif old is None or not spec.get("clusterIP"):
        requested = spec.get("clusterIP") or (spec.get("clusterIPs") or [None])[0]
        spec["clusterIP"] = api.allocator.cluster_ip(requested, name)
        spec["clusterIPs"] = [spec["clusterIP"]]
    else:
        spec["clusterIPs"] = [spec["clusterIP"]]
    old_ports = {
        (p.get("port"), p.get("protocol", "TCP")): p.get("nodePort")
        for p in old_spec.get("ports") or []
    }
    for port in spec.get("ports") or []:
        if spec.get("type") in ("NodePort", "LoadBalancer"):
            if not port.get("nodePort"):
                previous = old_ports.get((port.get("port"), port.get("protocol", "TCP")))
                port["nodePort"] = previous or api.allocator.node_port(None)
        else:
            port.pop("nodePort", None)


def _secret_data(obj: Obj) -> None:
    string_data = obj.pop("stringData", None) or {}
    if string_data:
        data = obj.setdefault("data", {})
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()


def _job_selector(api: ApiService, obj: Obj) -> None:
    meta = obj["metadata"]
    meta["uid"] = api.store.new_uid()
    spec = obj.setdefault("spec", {})
    labels = {
        "batch.kubernetes.io/controller-uid": meta["uid"],
        "batch.kubernetes.io/job-name": meta["name"],
        "controller-uid": meta["uid"],
        "job-name": meta["name"],
    }
    if not spec.get("manualSelector"):
        spec["selector"] = {"matchLabels": {"batch.kubernetes.io/controller-uid": meta["uid"]}}
    template_meta = spec.setdefault("template", {}).setdefault("metadata", {})
    template_meta.setdefault("labels", {}).update(labels)
