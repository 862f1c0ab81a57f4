"""Node lifecycle: taints that follow cordoning and readiness, eviction of pods from nodes
that stay down past their toleration, and removal of pods whose node is gone."""

from __future__ import annotations

from typing import Any

from stratus.sim.clock import parse_timestamp
from stratus.sim.controllers.base import Controller, update_status
from stratus.sim.controllers.conditions import condition, set_condition
from stratus.sim.controllers.scheduling import tolerates
from stratus.sim.store import Change, Obj, ObjectKey, clone

__all__ = ["NodeLifecycleController"]

UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
NOT_READY = "node.kubernetes.io/not-ready"
UNREACHABLE = "node.kubernetes.io/unreachable"
_COMPONENT = "node-controller"


class NodeLifecycleController(Controller):
    name = _COMPONENT
    resource = "nodes"

    def observe(self, change: Change) -> None:
        if change.resource == "nodes":
            super().observe(change)
            if change.type == "DELETED":
                name = change.new["metadata"]["name"]
                for pod in self.env.store.iter("pods"):
                    if (pod.get("spec") or {}).get("nodeName") == name:
                        self.env.api.delete(
                            self.env.api.kind("pods"),
                            pod["metadata"]["namespace"],
                            pod["metadata"]["name"],
                            {"gracePeriodSeconds": 0},
                        )

    def sync(self, key: ObjectKey) -> None:
        node = self.get(key)
        if node is None:
            return
        spec = node.get("spec") or {}
        ready = condition((node.get("status") or {}).get("conditions"), "Ready")
        state = (ready or {}).get("status", "Unknown")
        wanted: dict[str, dict[str, Any]] = {}
        now = self.env.clock.timestamp()
        if spec.get("unschedulable"):
            wanted[UNSCHEDULABLE] = {"key": UNSCHEDULABLE, "effect": "NoSchedule", "timeAdded": now}
        if state != "True":
            name = NOT_READY if state == "False" else UNREACHABLE
            for effect in ("NoSchedule", "NoExecute"):
                wanted[f"{name}/{effect}"] = {"key": name, "effect": effect, "timeAdded": now}
        managed = {UNSCHEDULABLE, NOT_READY, UNREACHABLE}
        taints = [t for t in spec.get("taints") or [] if t.get("key") not in managed]
        for current in spec.get("taints") or []:
            ident = (
                current.get("key")
                if current.get("key") == UNSCHEDULABLE
                else f"{current.get('key')}/{current.get('effect')}"
            )
            if ident in wanted:
                wanted[ident] = current
        taints.extend(wanted.values())
        if taints != (spec.get("taints") or []):
            updated = clone(node)
            if taints:
                updated["spec"]["taints"] = taints
            else:
                updated["spec"].pop("taints", None)
            node = self.env.store.update("nodes", updated)
        if state != "True":
            self._evict(node, [t for t in taints if t.get("effect") == "NoExecute"])

    def _evict(self, node: Obj, taints: list[dict[str, Any]]) -> None:
        name = node["metadata"]["name"]
        now = self.env.clock.now()
        soonest: float | None = None
        for pod in list(self.env.store.iter("pods")):
            if (pod.get("spec") or {}).get("nodeName") != name:
                continue
            self._mark_not_ready(pod)
            if pod["metadata"].get("deletionTimestamp"):
                continue
            tolerations = (pod.get("spec") or {}).get("tolerations") or []
            deadline = now
            for taint in taints:
                matching = [t for t in tolerations if tolerates([t], taint)]
                if not matching:
                    deadline = now
                    break
                seconds = min(
                    (
                        t.get("tolerationSeconds")
                        for t in matching
                        if t.get("tolerationSeconds") is not None
                    ),
                    default=None,
                )
                added = parse_timestamp(taint.get("timeAdded") or self.env.clock.timestamp())
                deadline = 1e18 if seconds is None else max(deadline, added + seconds)
            if deadline <= now:
                self.env.events.record(
                    pod,
                    "Normal",
                    "TaintManagerEviction",
                    f"Marking for deletion Pod {pod['metadata']['namespace']}/"
                    f"{pod['metadata']['name']}",
                    component="taint-eviction-controller",
                )
                self.env.api.delete(
                    self.env.api.kind("pods"), pod["metadata"]["namespace"], pod["metadata"]["name"]
                )
            elif deadline < 1e18:
                soonest = deadline if soonest is None else min(soonest, deadline)
        if soonest is not None:
            key = ("nodes", "", name)
            self.env.clock.call_at(soonest, lambda: self.enqueue(key))

    def _mark_not_ready(self, pod: Obj) -> None:
        status = dict(pod.get("status") or {})
        ready = condition(status.get("conditions"), "Ready")
        if ready is None or ready.get("status") == "False":
            return
        now = self.env.clock.timestamp()
        conditions = status.get("conditions") or []
        for kind in ("Ready", "ContainersReady"):
            conditions = set_condition(
                conditions,
                {
                    "type": kind,
                    "status": "False",
                    "lastProbeTime": None,
                    "lastTransitionTime": now,
                    "reason": "NodeNotReady" if kind == "Ready" else "ContainersNotReady",
                    "message": "" if kind == "Ready" else "containers with unready status",
                },
            )
        status["conditions"] = conditions
        update_status(self.env.store, pod, status)
