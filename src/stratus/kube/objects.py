"""What of a Kubernetes object a client owns, and how two reads of an object differ.

The kernel snapshots objects as the server returns them and, after an undo, reads them back;
both reads carry the server's defaults, so defaulted fields compare equal and need no special
case. What legitimately differs between the two reads is what the server and its controllers
own, and that is what these functions set aside:

- ``status``, and the metadata the server writes: ``resourceVersion``, ``uid``,
  ``creationTimestamp``, ``generation``, ``managedFields``, ``selfLink``,
  ``deletionTimestamp``/``deletionGracePeriodSeconds`` (but ``semantic_diff`` reports an
  object that has *become* terminating: an undo cannot cancel a deletion);
- annotations that controllers write (``SERVER_ANNOTATIONS``: the deployment revision, volume
  binding, node ttl ...); ``kubectl.kubernetes.io/last-applied-configuration`` is *kept*, because
  ``kubectl apply`` wrote it for the client and a later apply merges against it;
- node taints under ``node.kubernetes.io/`` (the node controller adds ``unschedulable``,
  ``not-ready`` ... itself);
- for ``semantic_diff`` only, the IPs a Service was allocated (``clusterIP``/``clusterIPs``,
  except a headless ``None``): a recreated Service keeps its name and DNS, but may not get the
  same address back. Writes keep them, so a recreate asks for the same address first.

Labels, other annotations, ``finalizers``, ``ownerReferences``, ``spec``, ``data`` and every other
top-level field belong to the client and are compared and restored.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from stratus.kube.refs import ObjectRef

__all__ = [
    "SERVER_ANNOTATIONS",
    "SERVER_METADATA",
    "Obj",
    "controller_of",
    "restoration",
    "semantic_diff",
    "strip_allocated",
    "strip_server_fields",
]

Obj = dict[str, Any]

SERVER_METADATA = frozenset(
    {
        "resourceVersion",
        "uid",
        "creationTimestamp",
        "generation",
        "managedFields",
        "selfLink",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
    }
)

SERVER_ANNOTATIONS = frozenset(
    {
        "deployment.kubernetes.io/revision",
        "deployment.kubernetes.io/revision-history",
        "deployment.kubernetes.io/desired-replicas",
        "deployment.kubernetes.io/max-replicas",
        "endpoints.kubernetes.io/last-change-trigger-time",
        "control-plane.alpha.kubernetes.io/leader",
        "pv.kubernetes.io/bind-completed",
        "pv.kubernetes.io/bound-by-controller",
        "pv.kubernetes.io/provisioned-by",
        "pv.kubernetes.io/migrated-to",
        "volume.beta.kubernetes.io/storage-provisioner",
        "volume.kubernetes.io/storage-provisioner",
        "volume.kubernetes.io/selected-node",
        "node.alpha.kubernetes.io/ttl",
        "volumes.kubernetes.io/controller-managed-attach-detach",
        "csi.volume.kubernetes.io/nodeid",
        "kubeadm.alpha.kubernetes.io/cri-socket",
        "kubernetes.io/service-account.uid",
    }
)

_CONTROLLER_TAINT_PREFIXES = ("node.kubernetes.io/", "node.cloudprovider.kubernetes.io/")
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def strip_server_fields(obj: Mapping[str, Any]) -> Obj:
    """A copy of ``obj`` without what the server and its controllers own: the object as a
    client would write it (to create it again, or to replace it)."""
    out: Obj = copy.deepcopy(dict(obj))
    out.pop("status", None)
    meta = out.get("metadata")
    if isinstance(meta, dict):
        for key in SERVER_METADATA:
            meta.pop(key, None)
        annotations = {
            k: v for k, v in (meta.get("annotations") or {}).items() if k not in SERVER_ANNOTATIONS
        }
        if annotations:
            meta["annotations"] = annotations
        else:
            meta.pop("annotations", None)
    if out.get("kind") == "Node":
        spec = out.get("spec")
        if isinstance(spec, dict) and "taints" in spec:
            taints = [t for t in spec["taints"] or [] if not _controller_taint(t)]
            if taints:
                spec["taints"] = taints
            else:
                spec.pop("taints")
    return out


def strip_allocated(obj: Mapping[str, Any]) -> Obj:
    """A copy of ``obj`` without the addresses and ports a Service was allocated (a headless
    ``None`` stays): the form to create it with when its old address is taken."""
    out: Obj = copy.deepcopy(dict(obj))
    spec = out.get("spec")
    if out.get("kind") != "Service" or not isinstance(spec, dict):
        return out
    if spec.get("clusterIP") != "None":
        spec.pop("clusterIP", None)
        spec.pop("clusterIPs", None)
    spec.pop("healthCheckNodePort", None)
    for port in spec.get("ports") or []:
        if isinstance(port, dict):
            port.pop("nodePort", None)
    return out


def restoration(snapshot: Mapping[str, Any], current: Mapping[str, Any]) -> Obj:
    """The body that replaces ``current`` with ``snapshot``: everything the client owns from
    the snapshot, on the current ``resourceVersion``, keeping what the server owns now
    (controller annotations and taints, a Service's allocated addresses)."""
    body = strip_server_fields(snapshot)
    now = current.get("metadata") or {}
    meta = body.setdefault("metadata", {})
    if now.get("resourceVersion"):
        meta["resourceVersion"] = now["resourceVersion"]
    owned = {k: v for k, v in (now.get("annotations") or {}).items() if k in SERVER_ANNOTATIONS}
    if owned:
        meta["annotations"] = {**(meta.get("annotations") or {}), **owned}
    spec, current_spec = body.get("spec"), current.get("spec") or {}
    if body.get("kind") == "Node" and isinstance(spec, dict):
        taints = [t for t in current_spec.get("taints") or [] if _controller_taint(t)]
        if taints:
            spec["taints"] = [*(spec.get("taints") or []), *taints]
    if (
        body.get("kind") == "Service"
        and isinstance(spec, dict)
        and spec.get("clusterIP") != "None"
        and current_spec.get("clusterIP") not in (None, "None")
    ):
        for key in ("clusterIP", "clusterIPs"):
            if key in current_spec:
                spec[key] = current_spec[key]
    return body


def semantic_diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[str]:
    """The paths (``spec.replicas``, ``metadata.labels.app``, ``data["a.b"]``) where ``after``
    differs from ``before`` in what the client owns; ``[]`` when they agree. ``None`` is an
    absent object; existence differing is one entry, and so is an object that has become
    terminating (``metadata.deletionTimestamp``)."""
    if before is None or after is None:
        if before is None and after is None:
            return []
        return ["(object absent before)" if before is None else "(object absent after)"]
    paths = _walk(_comparable(before), _comparable(after), "")
    if _terminating(after) and not _terminating(before):
        paths.append("metadata.deletionTimestamp")
    return paths


def controller_of(obj: Mapping[str, Any]) -> ObjectRef | None:
    """The object's managing controller (its ``controller: true`` owner), if any."""
    meta = obj.get("metadata") or {}
    for owner in meta.get("ownerReferences") or []:
        if owner.get("controller"):
            return ObjectRef(
                str(owner.get("apiVersion", "")),
                str(owner.get("kind", "")),
                str(meta.get("namespace") or ""),
                str(owner.get("name", "")),
            )
    return None


def _controller_taint(taint: Any) -> bool:
    return isinstance(taint, dict) and str(taint.get("key", "")).startswith(
        _CONTROLLER_TAINT_PREFIXES
    )


def _terminating(obj: Mapping[str, Any]) -> bool:
    return bool((obj.get("metadata") or {}).get("deletionTimestamp"))


def _comparable(obj: Mapping[str, Any]) -> Obj:
    out = strip_server_fields(obj)
    spec = out.get("spec")
    if out.get("kind") == "Service" and isinstance(spec, dict) and spec.get("clusterIP") != "None":
        spec.pop("clusterIP", None)
        spec.pop("clusterIPs", None)
    return out


def _walk(a: Any, b: Any, path: str) -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for key in sorted(set(a) | set(b), key=str):
            sub = _join(path, str(key))
            if key not in a or key not in b:
                out.append(sub)
            else:
                out.extend(_walk(a[key], b[key], sub))
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            p
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for p in _walk(x, y, f"{path}[{i}]")
        ]
    if type(a) is not type(b) or a != b:
        return [path or "(object)"]
    return []


def _join(path: str, key: str) -> str:
    if _PLAIN_KEY.match(key):
        return f"{path}.{key}" if path else key
    return f'{path}["{key}"]'
