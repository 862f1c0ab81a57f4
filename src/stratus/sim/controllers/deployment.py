"""The Deployment controller: one ReplicaSet per pod template revision, rolled by strategy."""

from __future__ import annotations

import math
from typing import Any

from stratus.sim.api import WriteOptions
from stratus.sim.clock import parse_timestamp
from stratus.sim.controllers.base import Controller, ControllerEnv, update_status
from stratus.sim.controllers.conditions import condition, set_condition
from stratus.sim.controllers.templates import (
    HASH_LABEL,
    controller_ref,
    template_hash,
    without_hash_label,
)
from stratus.sim.errors import AlreadyExists
from stratus.sim.store import Obj, ObjectKey, clone

__all__ = ["DeploymentController", "resolve_int_or_percent"]

REVISION = "deployment.kubernetes.io/revision"
_COMPONENT = "deployment-controller"


def resolve_int_or_percent(value: Any, total: int, round_up: bool) -> int:
    if isinstance(value, str) and value.endswith("%"):
        fraction = int(value[:-1]) * total / 100
        return math.ceil(fraction) if round_up else math.floor(fraction)
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _revision(rs: Obj) -> int:
    try:
        return int((rs["metadata"].get("annotations") or {}).get(REVISION, "0"))
    except ValueError:
        return 0


class DeploymentController(Controller):
    name = _COMPONENT
    resource = "deployments.apps"
    owns = "replicasets.apps"
    kind = "Deployment"

    def __init__(self, env: ControllerEnv) -> None:
        super().__init__(env)
        self._fingerprints: dict[str, str] = {}

    def sync(self, key: ObjectKey) -> None:
        d = self.get(key)
        if d is None or d["metadata"].get("deletionTimestamp"):
            return
        spec = d.get("spec") or {}
        sets = sorted(self.owned(d, "replicasets.apps"), key=_revision)
        template = spec.get("template") or {}
        new = next(
            (
                rs
                for rs in sets
                if without_hash_label((rs.get("spec") or {}).get("template") or {}) == template
            ),
            None,
        )
        old = [rs for rs in sets if rs is not new]
        max_old = max((_revision(rs) for rs in old), default=0)
        if not spec.get("paused"):
            if new is None:
                new = self._create_new(d, max_old + 1)
            elif _revision(new) <= max_old:
                new = self._bump_revision(new, max_old + 1)
            self._annotate(d, _revision(new) if new is not None else max_old)
            replicas = spec.get("replicas", 1)
            if (spec.get("strategy") or {}).get("type") == "Recreate":
                self._recreate(d, new, old, replicas)
            else:
                self._rolling(d, new, old, replicas)
            self._cleanup(d, old)
        self._status(key)

    # -- replica sets ---------------------------------------------------------------------

    def _create_new(self, d: Obj, revision: int) -> Obj | None:
        spec = d.get("spec") or {}
        template = clone(spec.get("template") or {})
        hash_value = template_hash(template)
        template.setdefault("metadata", {}).setdefault("labels", {})[HASH_LABEL] = hash_value
        selector = clone(spec.get("selector") or {})
        selector.setdefault("matchLabels", {})[HASH_LABEL] = hash_value
        strategy = spec.get("strategy") or {}
        replicas = spec.get("replicas", 1)
        surge = resolve_int_or_percent(
            (strategy.get("rollingUpdate") or {}).get("maxSurge", "25%"), replicas, round_up=True
        )
        annotations = {
            k: v
            for k, v in (d["metadata"].get("annotations") or {}).items()
            if k not in ("kubectl.kubernetes.io/last-applied-configuration", REVISION)
        }
        annotations.update(
            {
                REVISION: str(revision),
                "deployment.kubernetes.io/desired-replicas": str(replicas),
                "deployment.kubernetes.io/max-replicas": str(replicas + surge),
            }
        )
        rs = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": f"{d['metadata']['name']}-{hash_value}",
                "namespace": d["metadata"]["namespace"],
                "labels": dict(template["metadata"]["labels"]),
                "annotations": annotations,
                "ownerReferences": [controller_ref(d)],
            },
            "spec": {
                "replicas": 0,
                "minReadySeconds": spec.get("minReadySeconds", 0),
                "selector": selector,
                "template": template,
            },
        }
        try:
            return self.env.api.create(
                self.env.api.kind("replicasets.apps"),
                d["metadata"]["namespace"],
                rs,
                WriteOptions(),
            )
        except AlreadyExists:
            return None

    def _bump_revision(self, rs: Obj, revision: int) -> Obj:
        updated = clone(rs)
        annotations = updated["metadata"].setdefault("annotations", {})
        history = annotations.get("deployment.kubernetes.io/revision-history")
        previous = annotations.get(REVISION)
        if previous:
            annotations["deployment.kubernetes.io/revision-history"] = (
                f"{history},{previous}" if history else previous
            )
        annotations[REVISION] = str(revision)
        return self.env.store.update("replicasets.apps", updated)

    def _annotate(self, d: Obj, revision: int) -> None:
        annotations = d["metadata"].get("annotations") or {}
        if annotations.get(REVISION) == str(revision) or not revision:
            return
        updated = clone(d)
        updated["metadata"].setdefault("annotations", {})[REVISION] = str(revision)
        self.env.store.update("deployments.apps", updated)

    def _scale(self, d: Obj, rs: Obj, replicas: int) -> None:
        current = (rs.get("spec") or {}).get("replicas", 0)
        if current == replicas:
            return
        fresh = self.env.store.get(
            "replicasets.apps", rs["metadata"]["namespace"], rs["metadata"]["name"]
        )
        if fresh is None:
            return
        updated = clone(fresh)
        updated["spec"]["replicas"] = replicas
        annotations = updated["metadata"].setdefault("annotations", {})
        annotations["deployment.kubernetes.io/desired-replicas"] = str(
            (d.get("spec") or {}).get("replicas", 1)
        )
        self.env.store.update("replicasets.apps", updated)
        direction = "up" if replicas > current else "down"
        self.env.events.record(
            d,
            "Normal",
            "ScalingReplicaSet",
            f"Scaled {direction} replica set {rs['metadata']['name']} from {current} to {replicas}",
            component=_COMPONENT,
        )

    def _recreate(self, d: Obj, new: Obj | None, old: list[Obj], replicas: int) -> None:
        running_old = 0
        for rs in old:
            self._scale(d, rs, 0)
            running_old += sum(1 for p in self.owned(rs, "pods"))
        if new is not None and running_old == 0:
            self._scale(d, new, replicas)

    def _rolling(self, d: Obj, new: Obj | None, old: list[Obj], replicas: int) -> None:
        rolling = ((d.get("spec") or {}).get("strategy") or {}).get("rollingUpdate") or {}
        surge = resolve_int_or_percent(rolling.get("maxSurge", "25%"), replicas, round_up=True)
        unavailable = resolve_int_or_percent(
            rolling.get("maxUnavailable", "25%"), replicas, round_up=False
        )
        if surge == 0 and unavailable == 0:
            unavailable = 1
        if new is None:
            return
        if not old:
            self._scale(d, new, replicas)
            return
        total = sum((rs.get("spec") or {}).get("replicas", 0) for rs in [new, *old])
        new_replicas = (new.get("spec") or {}).get("replicas", 0)
        if new_replicas < replicas:
            room = replicas + surge - total
            if room > 0:
                self._scale(d, new, min(replicas, new_replicas + room))
        new = (
            self.env.store.get(
                "replicasets.apps", new["metadata"]["namespace"], new["metadata"]["name"]
            )
            or new
        )
        # old pods that are not available can go at once; the rest within maxUnavailable
        min_available = replicas - unavailable
        available = sum((rs.get("status") or {}).get("availableReplicas", 0) for rs in [new, *old])
        budget = max(0, available - min_available)
        for rs in sorted(old, key=_revision):
            current = (rs.get("spec") or {}).get("replicas", 0)
            if current == 0:
                continue
            unhealthy = current - (rs.get("status") or {}).get("availableReplicas", 0)
            cut = min(current, max(0, unhealthy) + budget)
            budget -= max(0, cut - max(0, unhealthy))
            if cut > 0:
                self._scale(d, rs, current - cut)

    def _cleanup(self, d: Obj, old: list[Obj]) -> None:
        limit = (d.get("spec") or {}).get("revisionHistoryLimit", 10)
        idle = [
            rs
            for rs in sorted(old, key=_revision)
            if (rs.get("spec") or {}).get("replicas", 0) == 0
            and (rs.get("status") or {}).get("replicas", 0) == 0
            and not rs["metadata"].get("deletionTimestamp")
        ]
        for rs in idle[: max(0, len(idle) - limit)]:
            self.env.api.delete(
                self.env.api.kind("replicasets.apps"),
                rs["metadata"]["namespace"],
                rs["metadata"]["name"],
            )

    # -- status ----------------------------------------------------------------------------

    def _status(self, key: ObjectKey) -> None:
        d = self.get(key)
        if d is None:
            return
        spec = d.get("spec") or {}
        sets = self.owned(d, "replicasets.apps")
        template = spec.get("template") or {}
        new = next(
            (
                rs
                for rs in sets
                if without_hash_label((rs.get("spec") or {}).get("template") or {}) == template
            ),
            None,
        )
        replicas = spec.get("replicas", 1)

        def total(field: str, group: list[Obj]) -> int:
            return sum((rs.get("status") or {}).get(field, 0) for rs in group)

        available = total("availableReplicas", sets)
        updated = total("replicas", [new]) if new is not None else 0
        rolling = (spec.get("strategy") or {}).get("rollingUpdate") or {}
        max_unavailable = resolve_int_or_percent(
            rolling.get("maxUnavailable", "25%"), replicas, round_up=False
        )
        if (spec.get("strategy") or {}).get("type") == "Recreate":
            max_unavailable = replicas
        now = self.env.clock.timestamp()
        old_status = d.get("status") or {}
        conditions = list(old_status.get("conditions") or [])
        enough = available >= replicas - max_unavailable
        conditions = set_condition(
            conditions,
            {
                "type": "Available",
                "status": "True" if enough else "False",
                "lastUpdateTime": now,
                "lastTransitionTime": now,
                "reason": "MinimumReplicasAvailable" if enough else "MinimumReplicasUnavailable",
                "message": "Deployment has minimum availability."
                if enough
                else "Deployment does not have minimum availability.",
            },
        )
        conditions = self._progressing(d, conditions, new, sets, replicas, now)
        conditions.sort(key=lambda c: 0 if c["type"] == "Available" else 1)
        status: dict[str, Any] = {
            "observedGeneration": d["metadata"].get("generation", 1),
            "replicas": total("replicas", sets),
            "updatedReplicas": updated,
            "readyReplicas": total("readyReplicas", sets),
            "availableReplicas": available,
            "unavailableReplicas": max(0, replicas - available),
            "conditions": conditions,
        }
        terminating = total("terminatingReplicas", sets)
        if terminating:
            status["terminatingReplicas"] = terminating
        for field in (
            "replicas",
            "updatedReplicas",
            "readyReplicas",
            "availableReplicas",
            "unavailableReplicas",
        ):
            if not status[field]:
                del status[field]
        update_status(self.env.store, d, status)

    def _progressing(
        self,
        d: Obj,
        conditions: list[dict[str, Any]],
        new: Obj | None,
        sets: list[Obj],
        replicas: int,
        now: str,
    ) -> list[dict[str, Any]]:
        """The Progressing condition: complete, progressing, paused, or past its deadline."""
        spec = d.get("spec") or {}
        previous = condition(conditions, "Progressing")
        name = new["metadata"]["name"] if new is not None else ""
        new_status = (new or {}).get("status") or {}
        complete = (
            new is not None
            and new_status.get("availableReplicas", 0) >= replicas
            and new_status.get("replicas", 0) == replicas
            and sum((rs.get("status") or {}).get("replicas", 0) for rs in sets) == replicas
        )
        fingerprint = repr([rs.get("status") for rs in sets])
        progressed = self._fingerprints.get(d["metadata"]["uid"]) != fingerprint
        self._fingerprints[d["metadata"]["uid"]] = fingerprint
        deadline = spec.get("progressDeadlineSeconds", 600)
        if spec.get("paused"):
            entry = {
                "type": "Progressing",
                "status": "Unknown",
                "reason": "DeploymentPaused",
                "message": "Deployment is paused",
            }
        elif complete:
            entry = {
                "type": "Progressing",
                "status": "True",
                "reason": "NewReplicaSetAvailable",
                "message": f'ReplicaSet "{name}" has successfully progressed.',
            }
        elif (
            progressed
            or previous is None
            or previous.get("reason") in ("NewReplicaSetAvailable", "DeploymentPaused")
        ):
            first = previous is None
            entry = {
                "type": "Progressing",
                "status": "True",
                "reason": "NewReplicaSetCreated" if first else "ReplicaSetUpdated",
                "message": f'Created new replica set "{name}"'
                if first
                else f'ReplicaSet "{name}" is progressing.',
            }
            key = ("deployments.apps", d["metadata"]["namespace"], d["metadata"]["name"])
            self.env.clock.call_later(deadline + 1, lambda: self.enqueue(key))
        elif (
            previous.get("reason") != "ProgressDeadlineExceeded"
            and self.env.clock.now() - parse_timestamp(previous.get("lastUpdateTime", now))
            > deadline
        ):
            entry = {
                "type": "Progressing",
                "status": "False",
                "reason": "ProgressDeadlineExceeded",
                "message": f'ReplicaSet "{name}" has timed out progressing.',
            }
        else:
            return conditions
        entry["lastUpdateTime"] = now
        entry["lastTransitionTime"] = now
        if (
            previous is not None
            and previous.get("reason") == entry["reason"]
            and previous.get("status") == entry["status"]
            and not progressed
        ):
            return conditions
        return set_condition(conditions, entry)
