"""What the kubelet tells the node runtime about a container it has started."""

from __future__ import annotations

from typing import Any

from stratus.sim.behaviours import ImageSpec
from stratus.sim.controllers.kubelet.runs import ContainerRun, PodRun
from stratus.sim.kinds.quantity import parse_quantity
from stratus.sim.runtime import RunningContainer
from stratus.sim.store import Obj, Store

__all__ = ["running_container", "storage_identity"]


def _cores(value: Any) -> float | None:
    if value is None:
        return None
    try:
        return float(parse_quantity(value))
    except ValueError:
        return None


def storage_identity(store: Store, pod: Obj, volume: dict[str, Any]) -> str:
    """Where a volume's data lives: a persistent volume outlives its pods, the rest does not."""
    claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
    if claim:
        pvc = store.get("persistentvolumeclaims", pod["metadata"]["namespace"], claim)
        bound = ((pvc or {}).get("spec") or {}).get("volumeName")
        return f"pv:{bound}" if bound else f"pvc:{pod['metadata']['namespace']}/{claim}"
    host_path = (volume.get("hostPath") or {}).get("path")
    if host_path:
        return f"host:{(pod.get('spec') or {}).get('nodeName', '')}:{host_path}"
    return f"pod:{pod['metadata']['uid']}/{volume.get('name', '')}"


def running_container(
    store: Store,
    pod: Obj,
    run: PodRun,
    c: ContainerRun,
    spec: dict[str, Any],
    ports: set[int],
    image: ImageSpec | None,
) -> RunningContainer:
    assert c.launch is not None
    assert c.config is not None
    resources = spec.get("resources") or {}
    limits, requests = resources.get("limits") or {}, resources.get("requests") or {}
    volumes = {v.get("name"): v for v in (pod.get("spec") or {}).get("volumes") or []}
    mounts = {}
    for mount in spec.get("volumeMounts") or []:
        volume = volumes.get(mount.get("name"))
        if volume is not None and "configMap" not in volume and "secret" not in volume:
            mounts[str(mount.get("mountPath", ""))] = storage_identity(store, pod, volume)
    return RunningContainer(
        pod_uid=run.uid,
        namespace=pod["metadata"]["namespace"],
        pod=pod["metadata"]["name"],
        container=c.name,
        node=run.node,
        ip=run.ip,
        labels=dict(pod["metadata"].get("labels") or {}),
        launch=c.launch,
        env=dict(c.config.env),
        files=dict(c.config.files),
        ports=ports,
        started_at=c.started_at,
        up_at=c.up_at,
        cpu_limit=_cores(limits.get("cpu")),
        cpu_request=_cores(requests.get("cpu")) or 0.0,
        memory_limit=_cores(limits.get("memory")),
        volumes=mounts,
        restart_count=c.restart_count,
        spec=spec,
        binaries=frozenset(
            path.rsplit("/", 1)[-1]
            for program in (image.programs if image else [])
            for path in program.paths
        ),
        has_shell=image.shell if image is not None else True,
    )
