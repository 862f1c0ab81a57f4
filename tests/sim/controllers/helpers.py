"""Builders and readers shared by the controller tests."""

from __future__ import annotations

from typing import Any

from stratus.sim.cloud import Cloud
from stratus.sim.store import Obj


def container(name: str = "main", image: str = "nginx:1.27", **extra: Any) -> dict[str, Any]:
    return {"name": name, "image": image, **extra}


def deployment(
    name: str,
    replicas: int = 2,
    namespace: str = "default",
    containers: list[dict[str, Any]] | None = None,
    **spec: Any,
) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": containers or [container()]},
            },
            **spec,
        },
    }


def pod(
    name: str,
    namespace: str = "default",
    containers: list[dict[str, Any]] | None = None,
    **spec: Any,
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": name}},
        "spec": {"containers": containers or [container()], **spec},
    }


def pods(cloud: Cloud, namespace: str = "default", prefix: str = "") -> list[Obj]:
    return sorted(
        (
            p
            for p in cloud.store.iter("pods", namespace)
            if p["metadata"]["name"].startswith(prefix)
        ),
        key=lambda p: p["metadata"]["name"],
    )


def get(cloud: Cloud, resource: str, name: str, namespace: str = "default") -> Obj:
    obj = cloud.store.get(resource, namespace if resource not in ("nodes",) else "", name)
    assert obj is not None, f"{resource}/{name} does not exist"
    return obj


def container_state(p: Obj, index: int = 0) -> tuple[str, str]:
    """("running"|"waiting"|"terminated", reason) of a container."""
    status = (p.get("status") or {}).get("containerStatuses") or []
    if len(status) <= index:
        return "none", ""
    state = status[index]["state"]
    kind = next(iter(state))
    return kind, state[kind].get("reason", "")


def events(cloud: Cloud, reason: str, namespace: str = "default") -> list[Obj]:
    return [e for e in cloud.store.iter("events", namespace) if e.get("reason") == reason]


def ready(p: Obj) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in (p.get("status") or {}).get("conditions") or []
    )
