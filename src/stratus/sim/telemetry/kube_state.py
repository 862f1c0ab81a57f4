"""Series named as kube-state-metrics names them, computed from the objects in the store."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from stratus.sim.store import Obj, Store

__all__ = ["kube_state_samples"]

Sample = tuple[Mapping[str, str], float]
_WAITING = (
    "ContainerCreating",
    "CrashLoopBackOff",
    "CreateContainerConfigError",
    "ErrImagePull",
    "ImagePullBackOff",
    "CreateContainerError",
    "InvalidImageName",
)
_TERMINATED = (
    "OOMKilled",
    "Completed",
    "Error",
    "ContainerCannotRun",
    "DeadlineExceeded",
    "Evicted",
    "StartError",
)
_JOB = {"job": "kube-state-metrics"}


def _sample(name: str, value: float, **labels: str) -> Sample:
    return {"__name__": name, **_JOB, **labels}, value


def kube_state_samples(store: Store) -> Iterator[Sample]:
    yield from _pods(store)
    yield from _workloads(store)
    yield from _nodes(store)
    yield from _services(store)


def _pods(store: Store) -> Iterator[Sample]:
    for pod in store.iter("pods"):
        meta, spec, status = pod["metadata"], pod.get("spec") or {}, pod.get("status") or {}
        base = {"namespace": meta["namespace"], "pod": meta["name"], "uid": meta["uid"]}
        owner: dict[str, Any] = next(
            (r for r in meta.get("ownerReferences") or [] if r.get("controller")), {}
        )
        yield _sample(
            "kube_pod_info",
            1.0,
            **base,
            node=spec.get("nodeName", ""),
            host_ip=status.get("hostIP", ""),
            pod_ip=status.get("podIP", ""),
            created_by_kind=owner.get("kind", "<none>"),
            created_by_name=owner.get("name", "<none>"),
        )
        phase = status.get("phase", "Pending")
        for candidate in ("Pending", "Running", "Succeeded", "Failed", "Unknown"):
            yield _sample(
                "kube_pod_status_phase", float(candidate == phase), **base, phase=candidate
            )
        conditions = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
        for kind, metric in (
            ("Ready", "kube_pod_status_ready"),
            ("PodScheduled", "kube_pod_status_scheduled"),
        ):
            value = conditions.get(kind)
            if value is None:
                continue
            for candidate in ("true", "false", "unknown"):
                yield _sample(
                    metric, float(value.lower() == candidate), **base, condition=candidate
                )
        scheduled = conditions.get("PodScheduled")
        if scheduled == "False":
            yield _sample("kube_pod_status_unschedulable", 1.0, **base)
        if meta.get("deletionTimestamp"):
            yield _sample("kube_pod_deletion_timestamp", 1.0, **base)
        yield from _containers(base, spec, status)


def _containers(
    base: dict[str, str], spec: dict[str, Any], status: dict[str, Any]
) -> Iterator[Sample]:
    images = {c.get("name"): c.get("image", "") for c in spec.get("containers") or []}
    for cs in status.get("containerStatuses") or []:
        labels = {**base, "container": cs.get("name", "")}
        state = cs.get("state") or {}
        yield _sample(
            "kube_pod_container_info",
            1.0,
            **labels,
            image=images.get(cs.get("name"), cs.get("image", "")),
            image_id=cs.get("imageID", ""),
            container_id=cs.get("containerID", ""),
        )
        yield _sample(
            "kube_pod_container_status_restarts_total", float(cs.get("restartCount", 0)), **labels
        )
        yield _sample("kube_pod_container_status_ready", float(bool(cs.get("ready"))), **labels)
        yield _sample("kube_pod_container_status_running", float("running" in state), **labels)
        yield _sample("kube_pod_container_status_waiting", float("waiting" in state), **labels)
        yield _sample(
            "kube_pod_container_status_terminated", float("terminated" in state), **labels
        )
        waiting = (state.get("waiting") or {}).get("reason")
        for reason in _WAITING:
            yield _sample(
                "kube_pod_container_status_waiting_reason",
                float(waiting == reason),
                **labels,
                reason=reason,
            )
        terminated = (state.get("terminated") or {}).get("reason")
        last = ((cs.get("lastState") or {}).get("terminated") or {}).get("reason")
        for reason in _TERMINATED:
            yield _sample(
                "kube_pod_container_status_terminated_reason",
                float(terminated == reason),
                **labels,
                reason=reason,
            )
            yield _sample(
                "kube_pod_container_status_last_terminated_reason",
                float(last == reason),
                **labels,
                reason=reason,
            )


def _workloads(store: Store) -> Iterator[Sample]:
    for d in store.iter("deployments.apps"):
        base = {"namespace": d["metadata"]["namespace"], "deployment": d["metadata"]["name"]}
        spec, status = d.get("spec") or {}, d.get("status") or {}
        yield _sample("kube_deployment_spec_replicas", float(spec.get("replicas", 1)), **base)
        for field, metric in (
            ("replicas", "replicas"),
            ("availableReplicas", "replicas_available"),
            ("unavailableReplicas", "replicas_unavailable"),
            ("updatedReplicas", "replicas_updated"),
            ("readyReplicas", "replicas_ready"),
        ):
            yield _sample(f"kube_deployment_status_{metric}", float(status.get(field, 0)), **base)
        yield _sample(
            "kube_deployment_status_observed_generation",
            float(status.get("observedGeneration", 0)),
            **base,
        )
        yield _sample(
            "kube_deployment_metadata_generation", float(d["metadata"].get("generation", 1)), **base
        )
    for sts in store.iter("statefulsets.apps"):
        base = {"namespace": sts["metadata"]["namespace"], "statefulset": sts["metadata"]["name"]}
        spec, status = sts.get("spec") or {}, sts.get("status") or {}
        yield _sample("kube_statefulset_replicas", float(spec.get("replicas", 1)), **base)
        yield _sample(
            "kube_statefulset_status_replicas_ready", float(status.get("readyReplicas", 0)), **base
        )
    for ds in store.iter("daemonsets.apps"):
        base = {"namespace": ds["metadata"]["namespace"], "daemonset": ds["metadata"]["name"]}
        status = ds.get("status") or {}
        yield _sample(
            "kube_daemonset_status_desired_number_scheduled",
            float(status.get("desiredNumberScheduled", 0)),
            **base,
        )
        yield _sample(
            "kube_daemonset_status_number_ready", float(status.get("numberReady", 0)), **base
        )
        yield _sample(
            "kube_daemonset_status_number_unavailable",
            float(status.get("numberUnavailable", 0)),
            **base,
        )


def _nodes(store: Store) -> Iterator[Sample]:
    for node in store.iter("nodes"):
        name = node["metadata"]["name"]
        yield _sample(
            "kube_node_spec_unschedulable",
            float(bool((node.get("spec") or {}).get("unschedulable"))),
            node=name,
        )
        for cond in (node.get("status") or {}).get("conditions") or []:
            for candidate in ("true", "false", "unknown"):
                yield _sample(
                    "kube_node_status_condition",
                    float(str(cond.get("status", "")).lower() == candidate),
                    node=name,
                    condition=str(cond.get("type")),
                    status=candidate,
                )


def _services(store: Store) -> Iterator[Sample]:
    for svc in store.iter("services"):
        meta = svc["metadata"]
        base = {"namespace": meta["namespace"], "service": meta["name"]}
        yield _sample(
            "kube_service_info",
            1.0,
            **base,
            cluster_ip=(svc.get("spec") or {}).get("clusterIP", ""),
        )
        ep: Obj | None = store.get("endpoints", meta["namespace"], meta["name"])
        ready = not_ready = 0
        for subset in (ep or {}).get("subsets") or []:
            ready += len(subset.get("addresses") or [])
            not_ready += len(subset.get("notReadyAddresses") or [])
        if (svc.get("spec") or {}).get("selector"):
            yield _sample(
                "kube_endpoint_address",
                float(ready),
                namespace=meta["namespace"],
                endpoint=meta["name"],
                ready="true",
            )
            yield _sample(
                "kube_endpoint_address",
                float(not_ready),
                namespace=meta["namespace"],
                endpoint=meta["name"],
                ready="false",
            )
