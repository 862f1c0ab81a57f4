"""Endpoints and EndpointSlices: a Service's ready (and not-ready) pod addresses and ports."""

from __future__ import annotations

from typing import Any

from stratus.sim.controllers.base import Controller
from stratus.sim.controllers.podstate import is_ready, is_terminal
from stratus.sim.store import Change, Obj, ObjectKey, selector_from_object

__all__ = ["EndpointsController", "resolve_target_port"]

_SLICE_LABEL = "kubernetes.io/service-name"
_MANAGED_BY = "endpointslice.kubernetes.io/managed-by"


def resolve_target_port(service_port: dict[str, Any], pod: Obj) -> int | None:
    """The container port a service port sends to on this pod (named ports looked up)."""
    target = service_port.get("targetPort", service_port.get("port"))
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    for container in (pod.get("spec") or {}).get("containers") or []:
        for port in container.get("ports") or []:
            if port.get("name") == target and port.get("protocol", "TCP") == service_port.get(
                "protocol", "TCP"
            ):
                return int(port["containerPort"])
    return None


class EndpointsController(Controller):
    name = "endpoint-controller"
    resource = "services"

    def observe(self, change: Change) -> None:
        if change.resource == "services":
            super().observe(change)
            return
        if change.resource != "pods":
            if (
                change.resource in ("endpoints", "endpointslices.discovery.k8s.io")
                and change.type == "DELETED"
            ):
                name = (
                    change.new["metadata"]
                    .get("labels", {})
                    .get(_SLICE_LABEL, change.new["metadata"]["name"])
                )
                self.enqueue(("services", change.new["metadata"]["namespace"], name))
            return
        namespace = change.new["metadata"]["namespace"]
        labels_before = (change.old or {}).get("metadata", {}).get("labels") or {}
        labels_after = change.new["metadata"].get("labels") or {}
        for svc in self.env.store.iter("services", namespace):
            selector = (svc.get("spec") or {}).get("selector")
            if not selector:
                continue
            if _selects(selector, labels_before) or _selects(selector, labels_after):
                self.enqueue(("services", namespace, svc["metadata"]["name"]))

    def sync(self, key: ObjectKey) -> None:
        _, namespace, name = key
        svc = self.get(key)
        store = self.env.store
        if svc is None:
            if store.get("endpoints", namespace, name) is not None:
                store.remove("endpoints", namespace, name)
            for es in store.iter("endpointslices.discovery.k8s.io", namespace):
                if (es["metadata"].get("labels") or {}).get(_SLICE_LABEL) == name:
                    store.remove(
                        "endpointslices.discovery.k8s.io", namespace, es["metadata"]["name"]
                    )
                    break
            return
        selector = (svc.get("spec") or {}).get("selector")
        if not selector:
            return
        pods = sorted(
            (
                p
                for p in store.iter("pods", namespace)
                if _selects(selector, p["metadata"].get("labels") or {})
                and (p.get("status") or {}).get("podIP")
                and not is_terminal(p)
            ),
            key=lambda p: p["metadata"]["name"],
        )
        self._endpoints(svc, pods)
        self._slice(svc, pods)

    def _endpoints(self, svc: Obj, pods: list[Obj]) -> None:
        publish = (svc.get("spec") or {}).get("publishNotReadyAddresses", False)
        groups: dict[tuple[tuple[str, int, str], ...], dict[str, list[dict[str, Any]]]] = {}
        for pod in pods:
            ports = _ports_for(svc, pod)
            if ports is None:
                continue
            address = _address(pod)
            entry = groups.setdefault(tuple(ports), {"addresses": [], "notReadyAddresses": []})
            ready = (is_ready(pod) or publish) and not pod["metadata"].get("deletionTimestamp")
            entry["addresses" if ready else "notReadyAddresses"].append(address)
        subsets = []
        for port_key, entry in groups.items():
            subset: dict[str, Any] = {}
            if entry["addresses"]:
                subset["addresses"] = sorted(entry["addresses"], key=lambda a: a["ip"])
            if entry["notReadyAddresses"]:
                subset["notReadyAddresses"] = sorted(
                    entry["notReadyAddresses"], key=lambda a: a["ip"]
                )
            subset["ports"] = [_port_entry(n, p, proto) for n, p, proto in port_key]
            subsets.append(subset)
        meta = svc["metadata"]
        labels = dict(meta.get("labels") or {})
        labels["endpoints.kubernetes.io/managed-by"] = "endpoint-controller"
        desired: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {"name": meta["name"], "namespace": meta["namespace"], "labels": labels},
        }
        if subsets:
            desired["subsets"] = subsets
        self._put("endpoints", desired)

    def _slice(self, svc: Obj, pods: list[Obj]) -> None:
        meta = svc["metadata"]
        store = self.env.store
        existing = next(
            (
                es
                for es in store.iter("endpointslices.discovery.k8s.io", meta["namespace"])
                if (es["metadata"].get("labels") or {}).get(_SLICE_LABEL) == meta["name"]
            ),
            None,
        )
        endpoints = []
        port_set: list[tuple[str, int, str]] | None = None
        for pod in pods:
            ports = _ports_for(svc, pod)
            if ports is None:
                continue
            port_set = port_set or ports
            terminating = bool(pod["metadata"].get("deletionTimestamp"))
            ready = is_ready(pod) and not terminating
            endpoints.append(
                {
                    "addresses": [(pod.get("status") or {})["podIP"]],
                    "conditions": {
                        "ready": ready,
                        "serving": is_ready(pod),
                        "terminating": terminating,
                    },
                    "nodeName": (pod.get("spec") or {}).get("nodeName", ""),
                    "targetRef": _pod_ref(pod),
                }
            )
        labels = dict(meta.get("labels") or {})
        labels.update({_SLICE_LABEL: meta["name"], _MANAGED_BY: "endpointslice-controller.k8s.io"})
        name = (
            existing["metadata"]["name"]
            if existing
            else f"{meta['name']}-{self.env.api.random_suffix()}"
        )
        desired = {
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "metadata": {
                "name": name,
                "namespace": meta["namespace"],
                "labels": labels,
                "generateName": f"{meta['name']}-",
                "ownerReferences": [
                    {
                        "apiVersion": "v1",
                        "kind": "Service",
                        "name": meta["name"],
                        "uid": meta["uid"],
                        "controller": True,
                        "blockOwnerDeletion": True,
                    }
                ],
            },
            "addressType": "IPv4",
            "endpoints": endpoints,
            "ports": [_port_entry(n, p, proto) for n, p, proto in port_set or []],
        }
        self._put("endpointslices.discovery.k8s.io", desired)

    def _put(self, resource: str, desired: Obj) -> None:
        store = self.env.store
        meta = desired["metadata"]
        current = store.get(resource, meta["namespace"], meta["name"])
        if current is None:
            store.create(resource, desired)
            return
        merged = dict(current)
        merged["metadata"] = {**current["metadata"], "labels": meta["labels"]}
        for field in ("subsets", "endpoints", "ports", "addressType"):
            if field in desired:
                merged[field] = desired[field]
            else:
                merged.pop(field, None)
        store.update(resource, merged)


def _selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return selector_from_object({"matchLabels": selector}).matches(labels)


def _ports_for(svc: Obj, pod: Obj) -> list[tuple[str, int, str]] | None:
    ports = []
    for port in (svc.get("spec") or {}).get("ports") or []:
        target = resolve_target_port(port, pod)
        if target is None:
            return None
        ports.append((port.get("name", ""), target, port.get("protocol", "TCP")))
    return ports


def _port_entry(name: str, port: int, protocol: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"port": port, "protocol": protocol}
    if name:
        entry = {"name": name, **entry}
    return entry


def _address(pod: Obj) -> dict[str, Any]:
    return {
        "ip": (pod.get("status") or {})["podIP"],
        "nodeName": (pod.get("spec") or {}).get("nodeName", ""),
        "targetRef": _pod_ref(pod),
    }


def _pod_ref(pod: Obj) -> dict[str, str]:
    meta = pod["metadata"]
    return {"kind": "Pod", "namespace": meta["namespace"], "name": meta["name"], "uid": meta["uid"]}
