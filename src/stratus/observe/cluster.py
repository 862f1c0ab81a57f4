"""What the cluster's workloads look like now: per namespace in scope, every Deployment,
StatefulSet and DaemonSet with desired, ready and available replicas, the pods that are not
ready (and whose they are), and the nodes.

Reads go through a small ``KubeReader`` protocol (the kernel's ``KubeClient`` is one) so a
fake serves in unit tests.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from stratus.kube.errors import ApiError, KubeError, Unreachable
from stratus.observe.errors import EndpointUnreachable, ObserveError, QueryRejected

__all__ = [
    "WORKLOAD_KINDS",
    "ClusterObserver",
    "ClusterSnapshot",
    "KubeReader",
    "NodeStatus",
    "PodStatus",
    "WorkloadKey",
    "WorkloadStatus",
    "kube_errors",
]

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")


class KubeReader(Protocol):
    """Lists objects as JSON mappings: in ``namespace`` (empty: all namespaces, or a
    cluster-scoped kind) matching the label ``selector``. ``stratus.kube.client.KubeClient``
    is one. Raises ``stratus.kube.errors`` (``Unreachable`` when the server does not answer)."""

    def list(
        self, api_version: str, kind: str, namespace: str = "", selector: str = ""
    ) -> Sequence[Mapping[str, Any]]: ...


@dataclass(frozen=True, order=True)
class WorkloadKey:
    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind}/{self.name} -n {self.namespace}"


@dataclass(frozen=True)
class WorkloadStatus:
    """Replica counts as the workload's status reports them (DaemonSets: nodes scheduled);
    ``current`` counts every pod the controller owns, old revisions included."""

    key: WorkloadKey
    desired: int
    ready: int
    available: int
    updated: int
    current: int
    generation: int
    observed_generation: int

    @property
    def converged(self) -> bool:
        """The controller saw the latest spec and replaced every old pod."""
        return (
            self.observed_generation >= self.generation
            and self.updated >= self.desired
            and self.current == self.desired
        )

    @property
    def rollout_complete(self) -> bool:
        """Converged, and every desired replica is available (``kubectl rollout status``)."""
        return self.converged and self.available >= self.desired


@dataclass(frozen=True)
class PodStatus:
    namespace: str
    name: str
    phase: str
    ready: bool
    reason: str  # a waiting container's reason, else the pod's reason or phase
    owner: WorkloadKey | None
    terminating: bool = False


@dataclass(frozen=True)
class NodeStatus:
    name: str
    ready: bool
    schedulable: bool


@dataclass(frozen=True)
class ClusterSnapshot:
    namespaces: tuple[str, ...]
    workloads: dict[WorkloadKey, WorkloadStatus]
    pods: list[PodStatus]
    nodes: dict[str, NodeStatus] | None = field(default=None)

    @property
    def unready_pods(self) -> list[PodStatus]:
        """Pods that should serve and do not: not terminating, not finished, not ready."""
        return [
            p
            for p in self.pods
            if not p.ready and not p.terminating and p.phase not in ("Succeeded", "Failed")
        ]

    def pods_of(self, key: WorkloadKey) -> list[PodStatus]:
        return [p for p in self.pods if p.owner == key]

    @property
    def rollouts_complete(self) -> bool:
        return all(w.rollout_complete for w in self.workloads.values())

    @property
    def converged(self) -> bool:
        return all(w.converged for w in self.workloads.values()) and not any(
            p.terminating for p in self.pods
        )

    def signature(self) -> tuple[object, ...]:
        """What changes while a rollout moves (restart counts and waiting reasons do not)."""
        return (
            tuple(
                sorted(
                    (k, w.desired, w.ready, w.available, w.updated, w.current)
                    for k, w in self.workloads.items()
                )
            ),
            tuple(sorted((p.namespace, p.name, p.ready, p.terminating) for p in self.pods)),
        )


class ClusterObserver:
    """Snapshots of the workloads in ``namespaces`` (and the nodes, unless ``nodes`` is
    False, e.g. when the credentials may not list them)."""

    def __init__(self, kube: KubeReader, namespaces: Sequence[str], *, nodes: bool = True) -> None:
        if not namespaces:
            raise ValueError("a cluster observer needs at least one namespace in scope")
        self.kube = kube
        self.namespaces = tuple(namespaces)
        self.nodes = nodes

    def snapshot(self) -> ClusterSnapshot:
        workloads: dict[WorkloadKey, WorkloadStatus] = {}
        pods: list[PodStatus] = []
        with kube_errors():
            for ns in self.namespaces:
                for kind in WORKLOAD_KINDS:
                    for obj in self.kube.list("apps/v1", kind, ns):
                        status = _workload(kind, ns, obj)
                        workloads[status.key] = status
                pods.extend(_pod(ns, obj) for obj in self.kube.list("v1", "Pod", ns))
            nodes = (
                {n.name: n for n in map(_node, self.kube.list("v1", "Node"))}
                if self.nodes
                else None
            )
        return ClusterSnapshot(self.namespaces, workloads, pods, nodes)


@contextmanager
def kube_errors() -> Iterator[None]:
    """Kubernetes client errors as observe errors (``Unreachable`` → ``EndpointUnreachable``)."""
    try:
        yield
    except Unreachable as exc:
        raise EndpointUnreachable(f"the Kubernetes API is unreachable: {exc}") from exc
    except ApiError as exc:
        raise QueryRejected(exc.reason, exc.message) from exc
    except KubeError as exc:
        raise ObserveError(f"cannot read the cluster: {exc}") from exc


def _int(value: Any) -> int:
    return int(value) if isinstance(value, int | float) else 0


def _workload(kind: str, namespace: str, obj: Mapping[str, Any]) -> WorkloadStatus:
    meta, spec, status = (obj.get(k) or {} for k in ("metadata", "spec", "status"))
    key = WorkloadKey(kind, namespace, str(meta.get("name", "")))
    generation = _int(meta.get("generation"))
    observed = _int(status.get("observedGeneration"))
    if kind == "DaemonSet":
        return WorkloadStatus(
            key,
            desired=_int(status.get("desiredNumberScheduled")),
            ready=_int(status.get("numberReady")),
            available=_int(status.get("numberAvailable")),
            updated=_int(status.get("updatedNumberScheduled")),
            current=_int(status.get("currentNumberScheduled")),
            generation=generation,
            observed_generation=observed,
        )
    replicas = spec.get("replicas")
    ready = _int(status.get("readyReplicas"))
    return WorkloadStatus(
        key,
        desired=1 if replicas is None else _int(replicas),
        ready=ready,
        # StatefulSets report availableReplicas since Kubernetes 1.22; ready before that
        available=_int(status.get("availableReplicas", ready if kind == "StatefulSet" else 0)),
        updated=_int(status.get("updatedReplicas")),
        current=_int(status.get("replicas")),
        generation=generation,
        observed_generation=observed,
    )


def _owner(namespace: str, meta: Mapping[str, Any]) -> WorkloadKey | None:
    """The workload a pod belongs to; a ReplicaSet's pod belongs to its Deployment (the
    ReplicaSet's name is the Deployment's plus ``-<pod-template-hash>``)."""
    for ref in meta.get("ownerReferences") or []:
        if not ref.get("controller", False):
            continue
        kind, name = str(ref.get("kind", "")), str(ref.get("name", ""))
        if kind == "ReplicaSet":
            suffix = "-" + str((meta.get("labels") or {}).get("pod-template-hash", ""))
            if len(suffix) > 1 and name.endswith(suffix):
                return WorkloadKey("Deployment", namespace, name[: -len(suffix)])
            return WorkloadKey("ReplicaSet", namespace, name)
        return WorkloadKey(kind, namespace, name)
    return None


def _pod(namespace: str, obj: Mapping[str, Any]) -> PodStatus:
    meta, status = obj.get("metadata") or {}, obj.get("status") or {}
    phase = str(status.get("phase") or "Pending")
    ready = phase == "Running" and _condition(status, "Ready")
    reason = str(status.get("reason") or phase)
    for cs in [
        *(status.get("initContainerStatuses") or []),
        *(status.get("containerStatuses") or []),
    ]:
        waiting = (cs.get("state") or {}).get("waiting")
        if waiting and waiting.get("reason"):
            reason = str(waiting["reason"])
            break
    return PodStatus(
        namespace,
        str(meta.get("name", "")),
        phase,
        ready,
        reason,
        _owner(namespace, meta),
        terminating=bool(meta.get("deletionTimestamp")),
    )


def _node(obj: Mapping[str, Any]) -> NodeStatus:
    meta, spec, status = (obj.get(k) or {} for k in ("metadata", "spec", "status"))
    return NodeStatus(
        str(meta.get("name", "")),
        _condition(status, "Ready"),
        not spec.get("unschedulable", False),
    )


def _condition(status: Mapping[str, Any], kind: str) -> bool:
    return any(
        c.get("type") == kind and c.get("status") == "True" for c in status.get("conditions") or []
    )
