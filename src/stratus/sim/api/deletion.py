"""Deletion: preconditions, grace periods, finalizers and the propagation policy.

The API server only marks: it sets ``deletionTimestamp`` and the ``foregroundDeletion`` or
``orphan`` finalizer; the garbage collector and the kubelet finish the job, as in a real cluster.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from stratus.sim.api.options import WriteOptions
from stratus.sim.errors import BadRequest, Conflict
from stratus.sim.kinds import ResourceKind
from stratus.sim.store import Obj, clone

if TYPE_CHECKING:
    from stratus.sim.api.service import ApiService

__all__ = ["FOREGROUND", "ORPHAN", "Deleter"]

FOREGROUND = "foregroundDeletion"
ORPHAN = "orphan"


class Deleter:
    def __init__(self, api: ApiService) -> None:
        self.api = api

    def delete(
        self,
        rk: ResourceKind,
        namespace: str,
        name: str,
        options: dict[str, Any],
        write: WriteOptions,
    ) -> Obj:
        store = self.api.store
        current = self.api.get(rk, namespace, name)
        meta = current["metadata"]
        _check_preconditions(rk, name, meta, options.get("preconditions") or {})
        policy = _propagation(options)
        grace = self._grace_period(rk, current, options)
        if write.dry_run:
            return current
        if meta.get("deletionTimestamp"):
            if rk.kind == "Pod" and grace == 0 and not meta.get("finalizers"):
                return store.remove(rk.resource, meta.get("namespace", ""), name)
            return current
        finalizers = list(meta.get("finalizers") or [])
        if policy == "Foreground" and FOREGROUND not in finalizers:
            finalizers.append(FOREGROUND)
        if policy == "Orphan" and ORPHAN not in finalizers:
            finalizers.append(ORPHAN)
        if rk.kind == "Namespace":
            marked = clone(current)
            marked["metadata"]["finalizers"] = finalizers or meta.get("finalizers")
            marked.setdefault("status", {})["phase"] = "Terminating"
            if not marked["metadata"].get("finalizers"):
                marked["metadata"].pop("finalizers", None)
            return store.mark_deleting(rk.resource, marked, 0)
        if finalizers or grace > 0:
            marked = clone(current)
            marked["metadata"]["finalizers"] = finalizers
            if not finalizers:
                marked["metadata"].pop("finalizers")
            return store.mark_deleting(rk.resource, marked, grace)
        return store.remove(rk.resource, meta.get("namespace", ""), name)

    def _grace_period(self, rk: ResourceKind, obj: Obj, options: dict[str, Any]) -> int:
        if rk.kind != "Pod":
            return 0
        requested = options.get("gracePeriodSeconds")
        spec, status = obj.get("spec") or {}, obj.get("status") or {}
        if not spec.get("nodeName") or status.get("phase") in ("Succeeded", "Failed"):
            return 0
        if requested is None:
            requested = spec.get("terminationGracePeriodSeconds", 30)
        if not isinstance(requested, int) or isinstance(requested, bool):
            raise BadRequest("gracePeriodSeconds must be an integer")
        return max(0, requested)


def _propagation(options: dict[str, Any]) -> str:
    policy = options.get("propagationPolicy")
    if policy is not None and policy not in ("Orphan", "Background", "Foreground"):
        raise BadRequest(
            f'propagationPolicy: Unsupported value: "{policy}": supported values: '
            '"Foreground", "Background", "Orphan"'
        )
    if policy is None and options.get("orphanDependents") is True:
        return "Orphan"
    return str(policy or "Background")


def _check_preconditions(
    rk: ResourceKind, name: str, meta: dict[str, Any], preconditions: dict[str, Any]
) -> None:
    uid, version = preconditions.get("uid"), preconditions.get("resourceVersion")
    if uid and uid != meta.get("uid"):
        raise Conflict(
            f'Operation cannot be fulfilled on {rk.resource} "{name}": Precondition '
            f"failed: UID in precondition: {uid}, UID in object meta: {meta.get('uid')}"
        )
    if version and version != meta.get("resourceVersion"):
        raise Conflict(
            f'Operation cannot be fulfilled on {rk.resource} "{name}": Precondition '
            f"failed: ResourceVersion in precondition: {version}, ResourceVersion in "
            f"object meta: {meta.get('resourceVersion')}"
        )
