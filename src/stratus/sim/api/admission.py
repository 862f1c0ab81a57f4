"""Admission plugins with visible effects: LimitRange defaults and bounds, ResourceQuota."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from stratus.sim.errors import Forbidden
from stratus.sim.kinds import ResourceKind
from stratus.sim.kinds.quantity import parse_quantity
from stratus.sim.store import Obj, Store

__all__ = ["Admission", "pod_usage"]

_COUNTED = {
    "pods": "pods",
    "services": "services",
    "configmaps": "configmaps",
    "secrets": "secrets",
    "persistentvolumeclaims": "persistentvolumeclaims",
    "resourcequotas": "resourcequotas",
}


def _q(value: Any) -> Decimal:
    try:
        return parse_quantity(value)
    except ValueError:
        return Decimal(0)


def _fmt(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    return f"{int(value * 1000)}m"


def pod_usage(pod: Obj) -> dict[str, Decimal]:
    """What a pod counts against a quota: requests.* / limits.* per resource, and one pod."""
    usage: dict[str, Decimal] = {"pods": Decimal(1)}
    for container in (pod.get("spec") or {}).get("containers") or []:
        resources = container.get("resources") or {}
        for kind in ("requests", "limits"):
            for name, value in (resources.get(kind) or {}).items():
                key = f"{kind}.{name}"
                usage[key] = usage.get(key, Decimal(0)) + _q(value)
    for name in ("cpu", "memory"):
        if f"requests.{name}" in usage:
            usage[name] = usage[f"requests.{name}"]
    return usage


def _terminal(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


class Admission:
    def __init__(self, store: Store) -> None:
        self.store = store

    def admit(self, rk: ResourceKind, obj: Obj, old: Obj | None) -> None:
        if old is not None:
            return
        namespace = obj["metadata"].get("namespace", "")
        if rk.resource == "pods":
            self._limit_ranges(obj, namespace)
        self._quota(rk, obj, namespace)

    def _limit_ranges(self, pod: Obj, namespace: str) -> None:
        problems: list[str] = []
        for limit_range in self.store.iter("limitranges", namespace):
            for item in (limit_range.get("spec") or {}).get("limits") or []:
                if item.get("type") != "Container":
                    continue
                for container in (pod.get("spec") or {}).get("containers") or []:
                    resources = container.setdefault("resources", {})
                    for name, value in (item.get("default") or {}).items():
                        resources.setdefault("limits", {}).setdefault(name, value)
                    for name, value in (item.get("defaultRequest") or {}).items():
                        resources.setdefault("requests", {}).setdefault(name, value)
                    for name, value in (item.get("max") or {}).items():
                        limit = (resources.get("limits") or {}).get(name)
                        if limit is not None and _q(limit) > _q(value):
                            problems.append(
                                f"maximum {name} usage per Container is {value}, but "
                                f"limit is {limit}"
                            )
                    for name, value in (item.get("min") or {}).items():
                        request = (resources.get("requests") or {}).get(name)
                        if request is not None and _q(request) < _q(value):
                            problems.append(
                                f"minimum {name} usage per Container is {value}, but "
                                f"request is {request}"
                            )
        if problems:
            name = pod["metadata"].get("name", "")
            listed = problems[0] if len(problems) == 1 else "[" + ", ".join(problems) + "]"
            raise Forbidden(
                f'pods "{name}" is forbidden: {listed}', details={"name": name, "kind": "pods"}
            )

    def _quota(self, rk: ResourceKind, obj: Obj, namespace: str) -> None:
        quotas = list(self.store.iter("resourcequotas", namespace))
        if not quotas:
            return
        if rk.resource == "pods":
            if _terminal(obj):
                return
            requested = pod_usage(obj)
        else:
            requested = {}
        requested[f"count/{rk.resource}"] = Decimal(1)
        if rk.resource in _COUNTED:
            requested[_COUNTED[rk.resource]] = Decimal(1)
        name = obj["metadata"].get("name", "")
        for quota in sorted(quotas, key=lambda q: q["metadata"]["name"]):
            hard = (quota.get("spec") or {}).get("hard") or {}
            qname = quota["metadata"]["name"]
            if rk.resource == "pods":
                missing = self._missing_specs(obj, hard)
                if missing:
                    raise Forbidden(
                        f'pods "{name}" is forbidden: failed quota: {qname}: must '
                        f"specify {missing}",
                        details={"name": name, "kind": "pods"},
                    )
            used = self.used(namespace, hard)
            exceeded = [
                key
                for key in sorted(hard)
                if key in requested and used.get(key, Decimal(0)) + requested[key] > _q(hard[key])
            ]
            if exceeded:
                parts = [
                    ",".join(f"{k}={_fmt(requested[k])}" for k in exceeded),
                    ",".join(f"{k}={_fmt(used.get(k, Decimal(0)))}" for k in exceeded),
                    ",".join(f"{k}={hard[k]}" for k in exceeded),
                ]
                raise Forbidden(
                    f'{rk.resource} "{name}" is forbidden: exceeded quota: {qname}, requested: '
                    f"{parts[0]}, used: {parts[1]}, limited: {parts[2]}",
                    details={"name": name, "kind": rk.plural},
                )

    @staticmethod
    def _missing_specs(pod: Obj, hard: dict[str, Any]) -> str:
        missing: list[str] = []
        for key in sorted(hard):
            kind, _, resource = key.partition(".")
            if kind not in ("requests", "limits") or resource not in ("cpu", "memory"):
                continue
            lacking = [
                c.get("name", "")
                for c in (pod.get("spec") or {}).get("containers") or []
                if resource not in ((c.get("resources") or {}).get(kind) or {})
            ]
            if lacking:
                missing.append(f"{key} for: {','.join(lacking)}")
        return "; ".join(missing)

    def used(self, namespace: str, hard: dict[str, Any]) -> dict[str, Decimal]:
        """Current usage of every resource the quota limits (what its status reports)."""
        totals: dict[str, Decimal] = {}
        for pod in self.store.iter("pods", namespace):
            if _terminal(pod):
                continue
            for key, value in pod_usage(pod).items():
                totals[key] = totals.get(key, Decimal(0)) + value
        for key in hard:
            if key.startswith("count/"):
                totals[key] = Decimal(self._count(key[6:], namespace))
            elif key in _COUNTED.values() and key != "pods":
                totals[key] = Decimal(self._count(key, namespace))
        return {key: totals.get(key, Decimal(0)) for key in hard}

    def _count(self, resource: str, namespace: str) -> int:
        return sum(1 for _ in self.store.iter(resource, namespace))
