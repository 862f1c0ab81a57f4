"""What the gateway needs to know about the cluster, behind a small protocol.

The gateway asks two questions: which images are in use in each namespace, and whether an
object exists. :class:`KubectlView` answers them through the kubectl runner;
:class:`StaticView` answers from fixed data (tests, or a caller that already knows).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from stratus.kube.client import KubeClient
from stratus.kube.refs import ObjectRef
from stratus.kube.runner import Kubectl

__all__ = ["ClientView", "ClusterView", "KubectlView", "StaticView", "images_of", "pod_spec"]

_IMAGE_SOURCES = "pods,replicasets,deployments,statefulsets,daemonsets,jobs,cronjobs"
_IMAGE_KINDS = (
    ("v1", "Pod"),
    ("apps/v1", "ReplicaSet"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "DaemonSet"),
    ("batch/v1", "Job"),
    ("batch/v1", "CronJob"),
)


class ClusterView(Protocol):
    def images_in_use(self) -> Mapping[str, frozenset[str]]:
        """Namespace → images its pods and workload pod templates use."""
        ...

    def exists(self, ref: ObjectRef) -> bool: ...


def pod_spec(obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The pod spec inside a Pod, a workload's template or a CronJob's job template."""
    spec = obj.get("spec") or {}
    kind = obj.get("kind")
    if kind == "Pod":
        return spec if isinstance(spec, Mapping) else None
    if kind == "CronJob":
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    template = spec.get("template") if isinstance(spec, Mapping) else None
    inner = (template or {}).get("spec") if isinstance(template, Mapping) else None
    return inner if isinstance(inner, Mapping) else None


def images_of(obj: Mapping[str, Any]) -> set[str]:
    spec = pod_spec(obj) or {}
    return {
        str(c["image"])
        for group in ("initContainers", "containers", "ephemeralContainers")
        for c in spec.get(group) or []
        if isinstance(c, Mapping) and c.get("image")
    }


def _key(ref: ObjectRef) -> tuple[str, str, str, str]:
    return (ref.group, ref.kind, ref.namespace, ref.name)


@dataclass
class StaticView:
    """Fixed answers: ``images`` per namespace, and the objects that exist."""

    images: Mapping[str, Iterable[str]] = field(default_factory=dict)
    objects: Iterable[ObjectRef] = ()

    def images_in_use(self) -> Mapping[str, frozenset[str]]:
        return {ns: frozenset(imgs) for ns, imgs in self.images.items()}

    def exists(self, ref: ObjectRef) -> bool:
        return _key(ref) in {_key(r) for r in self.objects}


@dataclass
class KubectlView:
    """Answers by asking the cluster through ``runner`` (one kubectl call per question)."""

    runner: Kubectl

    def images_in_use(self) -> Mapping[str, frozenset[str]]:
        result = self.runner.run(["get", _IMAGE_SOURCES, "--all-namespaces", "--output=json"])
        found: dict[str, set[str]] = {}
        if result.exit_code == 0:
            for item in json.loads(result.stdout or "{}").get("items") or []:
                ns = str((item.get("metadata") or {}).get("namespace") or "")
                found.setdefault(ns, set()).update(images_of(item))
        return {ns: frozenset(imgs) for ns, imgs in found.items()}

    def exists(self, ref: ObjectRef) -> bool:
        version = ref.api_version.rpartition("/")[2]
        type_ = f"{ref.kind.lower()}.{version}.{ref.group}" if ref.group else ref.kind.lower()
        args = ["get", type_, ref.name, "--ignore-not-found", "--output=name"]
        if ref.namespace:
            args.append(f"--namespace={ref.namespace}")
        result = self.runner.run(args)
        return result.exit_code == 0 and bool(result.stdout.strip())


@dataclass
class ClientView:
    """Answers through the REST client: the same questions as :class:`KubectlView`, without
    starting a kubectl process for each (the kernel's default)."""

    client: KubeClient

    def images_in_use(self) -> Mapping[str, frozenset[str]]:
        found: dict[str, set[str]] = {}
        for api_version, kind in _IMAGE_KINDS:
            for item in self.client.list(api_version, kind):
                ns = str((item.get("metadata") or {}).get("namespace") or "")
                found.setdefault(ns, set()).update(images_of(item))
        return {ns: frozenset(imgs) for ns, imgs in found.items()}

    def exists(self, ref: ObjectRef) -> bool:
        return self.client.get(ref) is not None
