"""The ReplicaSet controller: keep ``spec.replicas`` pods that match the template."""

from __future__ import annotations

import functools
from typing import Any

from stratus.sim.api import WriteOptions
from stratus.sim.controllers.base import Controller, update_status
from stratus.sim.controllers.podstate import available_since, is_active, is_ready
from stratus.sim.controllers.templates import pod_from_template
from stratus.sim.errors import ApiError
from stratus.sim.store import Obj, ObjectKey

__all__ = ["ReplicaSetController", "deletion_rank"]

_BURST = 500
_RETRY_SECONDS = 10.0
_COMPONENT = "replicaset-controller"


def deletion_rank(pod: Obj) -> tuple[Any, ...]:
    """Lower ranks are deleted first: unscheduled, pending, unready, restarting, newest."""
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    restarts = sum(cs.get("restartCount", 0) for cs in status.get("containerStatuses") or [])
    return (
        bool(spec.get("nodeName")),
        status.get("phase") == "Running",
        is_ready(pod),
        -restarts,
        _negate(pod["metadata"].get("creationTimestamp", "")),
        pod["metadata"]["name"],
    )


def _negate(text: str) -> str:
    return "".join(chr(0x10FFFF - ord(ch)) for ch in text)


class ReplicaSetController(Controller):
    name = _COMPONENT
    resource = "replicasets.apps"
    owns = "pods"
    kind = "ReplicaSet"

    def sync(self, key: ObjectKey) -> None:
        rs = self.get(key)
        if rs is None or rs["metadata"].get("deletionTimestamp"):
            return
        spec = rs.get("spec") or {}
        pods = [p for p in self.owned(rs, "pods") if is_active(p)]
        wanted = spec.get("replicas", 1)
        if len(pods) < wanted:
            self._create(rs, wanted - len(pods))
        elif len(pods) > wanted:
            doomed = sorted(pods, key=deletion_rank)[: len(pods) - wanted]
            for pod in doomed:
                self.env.api.delete(
                    self.env.api.kind("pods"), pod["metadata"]["namespace"], pod["metadata"]["name"]
                )
                self.env.events.record(
                    rs,
                    "Normal",
                    "SuccessfulDelete",
                    f"Deleted pod: {pod['metadata']['name']}",
                    component=_COMPONENT,
                )
        self._status(key)

    def _create(self, rs: Obj, count: int) -> None:
        template = (rs.get("spec") or {}).get("template") or {}
        pods_kind = self.env.api.kind("pods")
        for _ in range(min(count, _BURST)):
            pod = pod_from_template(rs, template, generate_name=rs["metadata"]["name"] + "-")
            try:
                created = self.env.api.create(
                    pods_kind, rs["metadata"]["namespace"], pod, WriteOptions()
                )
            except ApiError as exc:
                self.env.events.record(
                    rs,
                    "Warning",
                    "FailedCreate",
                    f"Error creating: {exc.message}",
                    component=_COMPONENT,
                )
                key = ("replicasets.apps", rs["metadata"]["namespace"], rs["metadata"]["name"])
                self.env.clock.call_later(_RETRY_SECONDS, functools.partial(self.enqueue, key))
                return
            self.env.events.record(
                rs,
                "Normal",
                "SuccessfulCreate",
                f"Created pod: {created['metadata']['name']}",
                component=_COMPONENT,
            )

    def _status(self, key: ObjectKey) -> None:
        rs = self.get(key)
        if rs is None:
            return
        spec = rs.get("spec") or {}
        pods = [p for p in self.owned(rs, "pods") if is_active(p)]
        min_ready = spec.get("minReadySeconds", 0)
        now = self.env.clock.now()
        ready = [p for p in pods if is_ready(p)]
        available = 0
        soonest: float | None = None
        for pod in ready:
            since = available_since(pod) or 0.0
            if since + min_ready <= now:
                available += 1
            else:
                soonest = min(soonest or 1e18, since + min_ready)
        if soonest is not None:
            self.env.clock.call_at(soonest, lambda: self.enqueue(key))
        labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        status: dict[str, Any] = {
            "replicas": len(pods),
            "fullyLabeledReplicas": sum(
                1
                for p in pods
                if all((p["metadata"].get("labels") or {}).get(k) == v for k, v in labels.items())
            ),
            "readyReplicas": len(ready),
            "availableReplicas": available,
            "observedGeneration": rs["metadata"].get("generation", 1),
        }
        terminating = sum(
            1 for p in self.owned(rs, "pods") if p["metadata"].get("deletionTimestamp")
        )
        if terminating:
            status["terminatingReplicas"] = terminating
        for field in ("readyReplicas", "availableReplicas", "fullyLabeledReplicas"):
            if not status[field]:
                del status[field]
        update_status(self.env.store, rs, status)
