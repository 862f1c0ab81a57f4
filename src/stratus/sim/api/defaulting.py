"""Defaults the API server fills in: the schema's declared defaults, then per-kind rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stratus.sim.kinds import Schema, TypeDef
from stratus.sim.kinds.schema import ListOf, MapOf, Ref, TypeRef
from stratus.sim.store import Obj, clone

__all__ = ["apply_defaults", "image_pull_policy"]


def apply_defaults(schema: Schema, typedef: TypeDef, obj: Obj) -> None:
    """Fill declared defaults in place, recursively, then the kind's own rules."""
    _fill(schema, typedef, obj)
    rule = _KIND_RULES.get(typedef.short)
    if rule is not None:
        rule(obj)


def _fill(schema: Schema, typedef: TypeDef, obj: dict[str, Any]) -> None:
    for fdef in typedef.fields.values():
        if fdef.name not in obj and fdef.has_default:
            obj[fdef.name] = clone(fdef.default)
        value = obj.get(fdef.name)
        if value is not None:
            _fill_value(schema, fdef.type, value)
    if typedef.short == "Container":
        obj.setdefault("imagePullPolicy", image_pull_policy(str(obj.get("image", ""))))
    elif typedef.short == "ServicePort" and "targetPort" not in obj and "port" in obj:
        obj["targetPort"] = obj["port"]
    elif typedef.short == "DeploymentStrategy" and obj.get("type") == "RollingUpdate":
        rolling = obj.setdefault("rollingUpdate", {})
        rolling.setdefault("maxUnavailable", "25%")
        rolling.setdefault("maxSurge", "25%")


def _fill_value(schema: Schema, ref: TypeRef, value: Any) -> None:
    if isinstance(ref, Ref) and isinstance(value, dict):
        _fill(schema, schema.get(ref.name), value)
    elif isinstance(ref, ListOf) and isinstance(value, list):
        for item in value:
            _fill_value(schema, ref.item, item)
    elif isinstance(ref, MapOf) and isinstance(value, dict):
        for item in value.values():
            _fill_value(schema, ref.value, item)


def image_pull_policy(image: str) -> str:
    """``Always`` for ``:latest`` or untagged images, else ``IfNotPresent``."""
    if "@" in image:
        return "IfNotPresent"
    last = image.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else ""
    return "Always" if tag in ("", "latest") else "IfNotPresent"


def _pod(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    account = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
    spec["serviceAccountName"] = account
    spec["serviceAccount"] = account
    spec.setdefault("priority", 0)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
    spec.setdefault("enableServiceLinks", True)
    tolerations = spec.setdefault("tolerations", [])
    for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"):
        if not any(
            t.get("key") == key and t.get("effect") in (None, "", "NoExecute") for t in tolerations
        ):
            tolerations.append(
                {"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
            )


def _service(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    if spec.get("type", "ClusterIP") != "ExternalName":
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        spec.setdefault("internalTrafficPolicy", "Cluster")
    if spec.get("type") in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")


def _daemon_set(obj: Obj) -> None:
    strategy = obj.setdefault("spec", {}).setdefault("updateStrategy", {})
    if strategy.get("type", "RollingUpdate") == "RollingUpdate":
        rolling = strategy.setdefault("rollingUpdate", {})
        rolling.setdefault("maxUnavailable", 1)
        rolling.setdefault("maxSurge", 0)


def _stateful_set(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    strategy = spec.setdefault("updateStrategy", {})
    if strategy.get("type", "RollingUpdate") == "RollingUpdate":
        strategy.setdefault("rollingUpdate", {}).setdefault("partition", 0)
    policy = spec.setdefault("persistentVolumeClaimRetentionPolicy", {})
    policy.setdefault("whenDeleted", "Retain")
    policy.setdefault("whenScaled", "Retain")


def _job(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    if spec.get("completions") is None and spec.get("parallelism", 1) == 1:
        spec["completions"] = 1
    spec.setdefault("podReplacementPolicy", "TerminatingOrFailed")


def _namespace(obj: Obj) -> None:
    obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
    obj.setdefault("status", {}).setdefault("phase", "Active")
    labels = obj["metadata"].setdefault("labels", {})
    labels.setdefault("kubernetes.io/metadata.name", obj["metadata"].get("name", ""))


_KIND_RULES: dict[str, Callable[[Obj], None]] = {
    "Pod": _pod,
    "Service": _service,
    "DaemonSet": _daemon_set,
    "StatefulSet": _stateful_set,
    "Job": _job,
    "Namespace": _namespace,
}
