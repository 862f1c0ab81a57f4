"""The reference an incident is judged against: the kernel's baseline (workloads and their
replicas, ready nodes, normal latency and rate of the entrypoints) plus, when known, the
objects as they were while the system was healthy ("known good").

Three sources: observed while watching a healthy system (``--watch``, or the demo before the
fault), loaded from a file saved earlier, or reconstructed in a one-shot run from what the
cluster records: ``kubectl.kubernetes.io/last-applied-configuration`` gives an object's
intended spec, and a workload scaled to zero that a Service still selects is taken to have
had one replica.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from stratus.agents.tools import ReadTools
from stratus.kube.objects import strip_server_fields
from stratus.observe.baseline import Baseline, WorkloadBaseline

__all__ = [
    "KNOWN_KINDS",
    "Reference",
    "last_applied",
    "observe_known_good",
    "observed",
    "reconstruct_baseline",
    "reconstructed",
    "selects",
]

KNOWN_KINDS = (
    "deployments,statefulsets,daemonsets,services,configmaps,networkpolicies,"
    "resourcequotas,persistentvolumeclaims"
)
_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


class Reference(BaseModel):
    """``objects`` are known-good objects (server-owned fields stripped); empty when none
    are known."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    baseline: Baseline
    objects: tuple[dict[str, Any], ...] = ()
    source: Literal["observed-healthy", "reconstructed", "file"] = "observed-healthy"

    def known(self, kind: str, name: str, namespace: str = "") -> dict[str, Any] | None:
        """The known-good object of ``kind``/``name`` (in ``namespace``, if given)."""
        for obj in self.objects:
            meta = obj.get("metadata") or {}
            same = obj.get("kind") == kind and meta.get("name") == name
            if same and (not namespace or meta.get("namespace", namespace) == namespace):
                return obj
        return None

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [o for o in self.objects if o.get("kind") == kind]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.model_dump_json(indent=1))

    @classmethod
    def load(cls, path: Path) -> Reference:
        data = json.loads(path.read_text())
        return cls.model_validate({**data, "source": "file"})


def observed(baseline: Baseline, tools: ReadTools) -> Reference:
    """A reference taken now, while the system is healthy."""
    return Reference(
        baseline=baseline, objects=observe_known_good(tools), source="observed-healthy"
    )


def reconstructed(baseline: Baseline, tools: ReadTools) -> Reference:
    """A reference rebuilt from what the cluster records (``baseline`` captured now)."""
    live = tools.objects(KNOWN_KINDS)
    return Reference(
        baseline=reconstruct_baseline(baseline, live),
        objects=last_applied(live),
        source="reconstructed",
    )


def observe_known_good(tools: ReadTools) -> tuple[dict[str, Any], ...]:
    """The namespace's workloads, Services, ConfigMaps, policies, quotas and claims, and the
    nodes, as they are now (call it while the system is healthy)."""
    objects = [*tools.objects(KNOWN_KINDS), *tools.objects("nodes", cluster=True)]
    return tuple(_trim(o) for o in objects)


def last_applied(objects: Iterable[Mapping[str, Any]]) -> tuple[dict[str, Any], ...]:
    """The specs ``kubectl apply`` recorded on ``objects``: what their owners intended."""
    found = []
    for obj in objects:
        text = ((obj.get("metadata") or {}).get("annotations") or {}).get(_LAST_APPLIED)
        if not text:
            continue
        try:
            applied = json.loads(text)
        except json.JSONDecodeError:
            continue
        if isinstance(applied, dict) and applied.get("kind") == obj.get("kind"):
            found.append(applied)
    return tuple(found)


def reconstruct_baseline(baseline: Baseline, objects: Sequence[Mapping[str, Any]]) -> Baseline:
    """``baseline`` (captured now) with the replicas of workloads scaled to zero restored
    from what the cluster records: their last-applied replicas, else one when a Service
    selects their pods."""
    applied = {
        (o.get("kind"), (o.get("metadata") or {}).get("name")): o for o in last_applied(objects)
    }
    services = [o for o in objects if o.get("kind") == "Service"]
    workloads = {(o.get("kind"), (o.get("metadata") or {}).get("name")): o for o in objects}
    fixed = []
    for w in baseline.workloads:
        replicas = w.replicas
        if replicas == 0:
            intended = (applied.get((w.key.kind, w.key.name)) or {}).get("spec") or {}
            live = workloads.get((w.key.kind, w.key.name)) or {}
            labels = (((live.get("spec") or {}).get("template") or {}).get("metadata") or {}).get(
                "labels"
            ) or {}
            if isinstance(intended.get("replicas"), int) and intended["replicas"] > 0:
                replicas = int(intended["replicas"])
            elif any(selects(s, labels) for s in services):
                replicas = 1
        fixed.append(WorkloadBaseline(key=w.key, replicas=replicas, pods=w.pods))
    return baseline.model_copy(update={"workloads": tuple(fixed)})


def selects(service: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """Whether ``service``'s selector matches pods labelled ``labels``."""
    selector = (service.get("spec") or {}).get("selector") or {}
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def _trim(obj: Mapping[str, Any]) -> dict[str, Any]:
    trimmed = strip_server_fields(obj)
    annotations = (trimmed.get("metadata") or {}).get("annotations")
    if isinstance(annotations, dict):
        annotations.pop(_LAST_APPLIED, None)
    return trimmed
