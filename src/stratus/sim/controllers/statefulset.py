"""The StatefulSet controller: stable, ordered pods ``NAME-0..N-1`` with their own claims."""

from __future__ import annotations

from typing import Any

from stratus.sim.api import WriteOptions
from stratus.sim.controllers.base import Controller, update_status
from stratus.sim.controllers.podstate import is_active, is_ready
from stratus.sim.controllers.revisions import current_revision
from stratus.sim.controllers.templates import pod_from_template
from stratus.sim.errors import AlreadyExists, ApiError
from stratus.sim.store import Obj, ObjectKey, clone

__all__ = ["StatefulSetController"]

_COMPONENT = "statefulset-controller"
_REVISION_LABEL = "controller-revision-hash"


class StatefulSetController(Controller):
    name = _COMPONENT
    resource = "statefulsets.apps"
    owns = "pods"
    kind = "StatefulSet"

    def sync(self, key: ObjectKey) -> None:
        sts = self.get(key)
        if sts is None or sts["metadata"].get("deletionTimestamp"):
            return
        spec = sts.get("spec") or {}
        api = self.env.api
        revision, _ = current_revision(
            lambda body, opts: api.create(
                api.kind("controllerrevisions.apps"), sts["metadata"]["namespace"], body, opts
            ),
            self.env.store,
            sts,
            self.owned(sts, "controllerrevisions.apps"),
        )
        replicas = spec.get("replicas", 1)
        name = sts["metadata"]["name"]
        pods = {p["metadata"]["name"]: p for p in self.owned(sts, "pods")}
        ordered = spec.get("podManagementPolicy", "OrderedReady") == "OrderedReady"
        for ordinal in range(replicas):
            pod_name = f"{name}-{ordinal}"
            pod = pods.get(pod_name)
            if pod is None:
                self._create_pod(sts, ordinal, revision)
                if ordered:
                    break
                continue
            if ordered and not (is_active(pod) and is_ready(pod)):
                break
        for pod_name, pod in sorted(pods.items(), key=lambda i: -_ordinal(i[0])):
            if _ordinal(pod_name) >= replicas and not pod["metadata"].get("deletionTimestamp"):
                self._delete(sts, pod)
                if ordered:
                    break
        self._roll(sts, pods, replicas, revision)
        self._status(key, revision)

    def _create_pod(self, sts: Obj, ordinal: int, revision: str) -> None:
        spec = sts.get("spec") or {}
        name = f"{sts['metadata']['name']}-{ordinal}"
        namespace = sts["metadata"]["namespace"]
        api = self.env.api
        template = clone(spec.get("template") or {})
        pod_spec = template.setdefault("spec", {})
        volumes = pod_spec.setdefault("volumes", [])
        for claim in spec.get("volumeClaimTemplates") or []:
            claim_name = f"{claim['metadata']['name']}-{name}"
            self._ensure_claim(sts, claim, claim_name)
            volumes[:] = [v for v in volumes if v.get("name") != claim["metadata"]["name"]]
            volumes.append(
                {
                    "name": claim["metadata"]["name"],
                    "persistentVolumeClaim": {"claimName": claim_name},
                }
            )
        if not volumes:
            pod_spec.pop("volumes")
        pod_spec["hostname"] = name
        if spec.get("serviceName"):
            pod_spec["subdomain"] = spec["serviceName"]
        pod = pod_from_template(
            sts,
            template,
            name=name,
            extra_labels={
                "statefulset.kubernetes.io/pod-name": name,
                _REVISION_LABEL: revision,
                "apps.kubernetes.io/pod-index": str(ordinal),
            },
        )
        try:
            api.create(api.kind("pods"), namespace, pod, WriteOptions())
        except AlreadyExists:
            return
        except ApiError as exc:
            self.env.events.record(
                sts,
                "Warning",
                "FailedCreate",
                f"create Pod {name} in StatefulSet {sts['metadata']['name']} "
                f"failed error: {exc.message}",
                component=_COMPONENT,
            )
            return
        self.env.events.record(
            sts,
            "Normal",
            "SuccessfulCreate",
            f"create Pod {name} in StatefulSet {sts['metadata']['name']} successful",
            component=_COMPONENT,
        )

    def _ensure_claim(self, sts: Obj, template: dict[str, Any], name: str) -> None:
        namespace = sts["metadata"]["namespace"]
        if self.env.store.get("persistentvolumeclaims", namespace, name) is not None:
            return
        claim = clone(template)
        meta = claim.setdefault("metadata", {})
        meta["name"] = name
        meta["namespace"] = namespace
        meta["labels"] = {
            **(meta.get("labels") or {}),
            **(((sts.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}),
        }
        claim["apiVersion"], claim["kind"] = "v1", "PersistentVolumeClaim"
        claim.pop("status", None)
        api = self.env.api
        try:
            api.create(api.kind("persistentvolumeclaims"), namespace, claim, WriteOptions())
        except ApiError as exc:
            self.env.events.record(
                sts,
                "Warning",
                "FailedCreate",
                f"create Claim {name} for StatefulSet "
                f"{sts['metadata']['name']} failed error: {exc.message}",
                component=_COMPONENT,
            )
            return
        self.env.events.record(
            sts,
            "Normal",
            "SuccessfulCreate",
            f"create Claim {name} Pod {name.split('-', 1)[-1]} in StatefulSet "
            f"{sts['metadata']['name']} success",
            component=_COMPONENT,
        )

    def _delete(self, sts: Obj, pod: Obj) -> None:
        self.env.api.delete(
            self.env.api.kind("pods"), pod["metadata"]["namespace"], pod["metadata"]["name"]
        )
        self.env.events.record(
            sts,
            "Normal",
            "SuccessfulDelete",
            f"delete Pod {pod['metadata']['name']} in StatefulSet "
            f"{sts['metadata']['name']} successful",
            component=_COMPONENT,
        )

    def _roll(self, sts: Obj, pods: dict[str, Obj], replicas: int, revision: str) -> None:
        strategy = (sts.get("spec") or {}).get("updateStrategy") or {}
        if strategy.get("type", "RollingUpdate") != "RollingUpdate":
            return
        partition = (strategy.get("rollingUpdate") or {}).get("partition", 0)
        live = [pods.get(f"{sts['metadata']['name']}-{i}") for i in range(replicas)]
        if any(p is None or not is_active(p) or not is_ready(p) for p in live):
            return
        for ordinal in range(replicas - 1, partition - 1, -1):
            pod = live[ordinal]
            assert pod is not None
            if (pod["metadata"].get("labels") or {}).get(_REVISION_LABEL) != revision:
                self._delete(sts, pod)
                return

    def _status(self, key: ObjectKey, revision: str) -> None:
        sts = self.get(key)
        if sts is None:
            return
        pods = [p for p in self.owned(sts, "pods") if is_active(p)]
        updated = [
            p for p in pods if (p["metadata"].get("labels") or {}).get(_REVISION_LABEL) == revision
        ]
        old = sts.get("status") or {}
        replicas = (sts.get("spec") or {}).get("replicas", 1)
        current_rev = old.get("currentRevision") or revision
        if len(updated) == replicas and len(pods) == replicas:
            current_rev = revision
        current = [
            p
            for p in pods
            if (p["metadata"].get("labels") or {}).get(_REVISION_LABEL) == current_rev
        ]
        ready = sum(1 for p in pods if is_ready(p))
        status: dict[str, Any] = {
            "observedGeneration": sts["metadata"].get("generation", 1),
            "replicas": len(pods),
            "readyReplicas": ready,
            "currentReplicas": len(current),
            "updatedReplicas": len(updated),
            "currentRevision": current_rev,
            "updateRevision": revision,
            "collisionCount": 0,
            "availableReplicas": ready,
        }
        for field in ("readyReplicas", "currentReplicas", "updatedReplicas"):
            if not status[field]:
                del status[field]
        update_status(self.env.store, sts, status)


def _ordinal(name: str) -> int:
    try:
        return int(name.rsplit("-", 1)[-1])
    except ValueError:
        return -1
