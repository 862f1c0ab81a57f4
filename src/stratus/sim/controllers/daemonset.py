"""The DaemonSet controller: one pod on every node the template fits."""

from __future__ import annotations

from typing import Any

from stratus.sim.api import WriteOptions
from stratus.sim.controllers.base import Controller, update_status
from stratus.sim.controllers.podstate import is_active, is_ready
from stratus.sim.controllers.revisions import current_revision
from stratus.sim.controllers.scheduling import tolerates
from stratus.sim.controllers.templates import pod_from_template
from stratus.sim.errors import ApiError
from stratus.sim.store import Change, Obj, ObjectKey, clone

__all__ = ["DaemonSetController"]

_COMPONENT = "daemonset-controller"
_REVISION_LABEL = "controller-revision-hash"
_DAEMON_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
]


class DaemonSetController(Controller):
    name = _COMPONENT
    resource = "daemonsets.apps"
    owns = "pods"
    kind = "DaemonSet"

    def observe(self, change: Change) -> None:
        super().observe(change)
        if change.resource == "nodes":
            self.enqueue_all()

    def sync(self, key: ObjectKey) -> None:
        ds = self.get(key)
        if ds is None or ds["metadata"].get("deletionTimestamp"):
            return
        api = self.env.api
        namespace = ds["metadata"]["namespace"]
        revision, _ = current_revision(
            lambda body, opts: api.create(
                api.kind("controllerrevisions.apps"), namespace, body, opts
            ),
            self.env.store,
            ds,
            self.owned(ds, "controllerrevisions.apps"),
        )
        eligible = [
            n["metadata"]["name"] for n in self.env.store.iter("nodes") if self._fits(ds, n)
        ]
        pods_by_node: dict[str, list[Obj]] = {}
        for pod in self.owned(ds, "pods"):
            if is_active(pod):
                pods_by_node.setdefault(_target_node(pod), []).append(pod)
        for node in sorted(eligible):
            if node not in pods_by_node:
                self._create(ds, node, revision)
        for node, pods in pods_by_node.items():
            extra = pods if node not in eligible else pods[1:]
            for pod in extra:
                api.delete(api.kind("pods"), namespace, pod["metadata"]["name"])
        self._roll(ds, pods_by_node, revision)
        self._status(key, eligible, revision)

    def _fits(self, ds: Obj, node: Obj) -> bool:
        spec = ((ds.get("spec") or {}).get("template") or {}).get("spec") or {}
        labels = node["metadata"].get("labels") or {}
        if any(labels.get(k) != v for k, v in (spec.get("nodeSelector") or {}).items()):
            return False
        tolerations = (spec.get("tolerations") or []) + _DAEMON_TOLERATIONS
        return all(
            tolerates(tolerations, t)
            for t in (node.get("spec") or {}).get("taints") or []
            if t.get("effect") in ("NoSchedule", "NoExecute")
        )

    def _create(self, ds: Obj, node: str, revision: str) -> None:
        template = clone((ds.get("spec") or {}).get("template") or {})
        spec = template.setdefault("spec", {})
        spec["tolerations"] = (spec.get("tolerations") or []) + [
            t for t in _DAEMON_TOLERATIONS if t not in (spec.get("tolerations") or [])
        ]
        spec.setdefault("affinity", {})["nodeAffinity"] = {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}
                ]
            }
        }
        pod = pod_from_template(
            ds,
            template,
            generate_name=ds["metadata"]["name"] + "-",
            extra_labels={_REVISION_LABEL: revision.rsplit("-", 1)[-1]},
        )
        api = self.env.api
        try:
            created = api.create(api.kind("pods"), ds["metadata"]["namespace"], pod, WriteOptions())
        except ApiError as exc:
            self.env.events.record(
                ds,
                "Warning",
                "FailedCreate",
                f"Error creating: {exc.message}",
                component=_COMPONENT,
            )
            return
        self.env.events.record(
            ds,
            "Normal",
            "SuccessfulCreate",
            f"Created pod: {created['metadata']['name']}",
            component=_COMPONENT,
        )

    def _roll(self, ds: Obj, pods_by_node: dict[str, list[Obj]], revision: str) -> None:
        strategy = (ds.get("spec") or {}).get("updateStrategy") or {}
        if strategy.get("type", "RollingUpdate") != "RollingUpdate":
            return
        short = revision.rsplit("-", 1)[-1]
        pods = [p for group in pods_by_node.values() for p in group]
        if any(not is_ready(p) for p in pods):
            return
        for pod in sorted(pods, key=lambda p: p["metadata"]["name"]):
            if (pod["metadata"].get("labels") or {}).get(_REVISION_LABEL) != short:
                self.env.api.delete(
                    self.env.api.kind("pods"), pod["metadata"]["namespace"], pod["metadata"]["name"]
                )
                return

    def _status(self, key: ObjectKey, eligible: list[str], revision: str) -> None:
        ds = self.get(key)
        if ds is None:
            return
        short = revision.rsplit("-", 1)[-1]
        pods = [p for p in self.owned(ds, "pods") if is_active(p)]
        on_eligible = [p for p in pods if _target_node(p) in eligible]
        ready = sum(1 for p in on_eligible if is_ready(p))
        status: dict[str, Any] = {
            "currentNumberScheduled": len({_target_node(p) for p in on_eligible}),
            "numberMisscheduled": len(pods) - len(on_eligible),
            "desiredNumberScheduled": len(eligible),
            "numberReady": ready,
            "observedGeneration": ds["metadata"].get("generation", 1),
            "updatedNumberScheduled": sum(
                1
                for p in on_eligible
                if (p["metadata"].get("labels") or {}).get(_REVISION_LABEL) == short
            ),
            "numberAvailable": ready,
        }
        if len(eligible) - ready:
            status["numberUnavailable"] = len(eligible) - ready
        update_status(self.env.store, ds, status)


def _target_node(pod: Obj) -> str:
    spec = pod.get("spec") or {}
    if spec.get("nodeName"):
        return str(spec["nodeName"])
    terms = (
        ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
            "requiredDuringSchedulingIgnoredDuringExecution"
        )
        or {}
    ).get("nodeSelectorTerms") or []
    for term in terms:
        for field in term.get("matchFields") or []:
            if field.get("key") == "metadata.name" and field.get("values"):
                return str(field["values"][0])
    return ""
