"""Persistent volumes: claims bind to a matching volume, or one is provisioned for them
through their StorageClass; volumes of deleted claims are released or deleted."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from stratus.sim.controllers.base import Controller, update_status
from stratus.sim.kinds.quantity import parse_quantity
from stratus.sim.store import Change, Obj, ObjectKey, clone

__all__ = ["VolumeController"]

_COMPONENT = "persistentvolume-controller"
_DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"


def _size(value: Any) -> Decimal:
    try:
        return parse_quantity(value)
    except (ValueError, TypeError):
        return Decimal(0)


class VolumeController(Controller):
    name = _COMPONENT
    resource = "persistentvolumeclaims"

    def observe(self, change: Change) -> None:
        if change.resource == "persistentvolumeclaims":
            super().observe(change)
            if change.type == "DELETED":
                volume = (change.new.get("spec") or {}).get("volumeName")
                if volume:
                    self.enqueue(("persistentvolumes", "", volume))
        elif change.resource in ("persistentvolumes", "storageclasses.storage.k8s.io"):
            for pvc in self.env.store.iter("persistentvolumeclaims"):
                if (pvc.get("status") or {}).get("phase") != "Bound":
                    self.enqueue(
                        (
                            "persistentvolumeclaims",
                            pvc["metadata"]["namespace"],
                            pvc["metadata"]["name"],
                        )
                    )
            if change.resource == "persistentvolumes":
                self.enqueue(("persistentvolumes", "", change.new["metadata"]["name"]))

    def sync(self, key: ObjectKey) -> None:
        if key[0] == "persistentvolumes":
            self._sync_volume(key)
            return
        pvc = self.get(key)
        if pvc is None or pvc["metadata"].get("deletionTimestamp"):
            return
        if (pvc.get("status") or {}).get("phase") == "Bound":
            return
        spec = pvc.get("spec") or {}
        volume = self._find_volume(pvc)
        if volume is None:
            class_name = spec.get("storageClassName")
            if class_name is None:
                class_name = self._default_class()
            if not class_name:
                self.env.events.record(
                    pvc,
                    "Normal",
                    "FailedBinding",
                    "no persistent volumes available for this claim and no storage class is set",
                    component=_COMPONENT,
                )
                return
            storage_class = self.env.store.get("storageclasses.storage.k8s.io", "", class_name)
            if storage_class is None:
                self.env.events.record(
                    pvc,
                    "Warning",
                    "ProvisioningFailed",
                    f'storageclass.storage.k8s.io "{class_name}" not found',
                    component=_COMPONENT,
                )
                return
            volume = self._provision(pvc, storage_class)
        self._bind(pvc, volume)

    def _default_class(self) -> str:
        for sc in self.env.store.iter("storageclasses.storage.k8s.io"):
            if (sc["metadata"].get("annotations") or {}).get(_DEFAULT_CLASS) == "true":
                return str(sc["metadata"]["name"])
        return ""

    def _find_volume(self, pvc: Obj) -> Obj | None:
        spec = pvc.get("spec") or {}
        wanted = _size(((spec.get("resources") or {}).get("requests") or {}).get("storage"))
        modes = set(spec.get("accessModes") or [])
        class_name = spec.get("storageClassName") or ""
        candidates = []
        for pv in self.env.store.iter("persistentvolumes"):
            pv_spec = pv.get("spec") or {}
            if spec.get("volumeName") and pv["metadata"]["name"] != spec["volumeName"]:
                continue
            claim = pv_spec.get("claimRef")
            if claim and (
                claim.get("name") != pvc["metadata"]["name"]
                or claim.get("namespace") != pvc["metadata"]["namespace"]
                or claim.get("uid", pvc["metadata"]["uid"]) != pvc["metadata"]["uid"]
            ):
                continue  # reserved for another claim, or still held by a deleted one
            if (pv.get("status") or {}).get("phase") not in (
                "Available",
                "Pending",
                None,
            ) and not claim:
                continue
            if (pv_spec.get("storageClassName") or "") != class_name:
                continue
            if not modes <= set(pv_spec.get("accessModes") or []):
                continue
            size = _size((pv_spec.get("capacity") or {}).get("storage"))
            if size < wanted:
                continue
            candidates.append((size, pv["metadata"]["name"], pv))
        return min(candidates, key=lambda c: c[:2])[2] if candidates else None

    def _provision(self, pvc: Obj, storage_class: Obj) -> Obj:
        spec = pvc.get("spec") or {}
        name = f"pvc-{pvc['metadata']['uid']}"
        pv = {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {
                "name": name,
                "annotations": {
                    "pv.kubernetes.io/provisioned-by": storage_class.get("provisioner", "")
                },
            },
            "spec": {
                "capacity": {
                    "storage": ((spec.get("resources") or {}).get("requests") or {}).get(
                        "storage", "1Gi"
                    )
                },
                "accessModes": list(spec.get("accessModes") or ["ReadWriteOnce"]),
                "persistentVolumeReclaimPolicy": storage_class.get("reclaimPolicy", "Delete"),
                "storageClassName": storage_class["metadata"]["name"],
                "volumeMode": spec.get("volumeMode", "Filesystem"),
                "hostPath": {
                    "path": f"/var/local-path-provisioner/{name}_"
                    f"{pvc['metadata']['namespace']}_{pvc['metadata']['name']}",
                    "type": "DirectoryOrCreate",
                },
            },
        }
        api = self.env.api
        created = api.create(api.kind("persistentvolumes"), "", pv)
        self.env.events.record(
            pvc,
            "Normal",
            "ProvisioningSucceeded",
            f"Successfully provisioned volume {name}",
            component=storage_class.get("provisioner", _COMPONENT),
        )
        return created

    def _bind(self, pvc: Obj, volume: Obj) -> None:
        store = self.env.store
        pv = clone(volume)
        pv["spec"]["claimRef"] = {
            "kind": "PersistentVolumeClaim",
            "apiVersion": "v1",
            "namespace": pvc["metadata"]["namespace"],
            "name": pvc["metadata"]["name"],
            "uid": pvc["metadata"]["uid"],
            "resourceVersion": pvc["metadata"]["resourceVersion"],
        }
        pv["metadata"].setdefault("annotations", {})["pv.kubernetes.io/bound-by-controller"] = "yes"
        pv["status"] = {"phase": "Bound"}
        store.update("persistentvolumes", pv)
        claim = clone(pvc)
        claim["spec"]["volumeName"] = volume["metadata"]["name"]
        if claim["spec"].get("storageClassName") is None:
            claim["spec"]["storageClassName"] = volume["spec"].get("storageClassName", "")
        annotations = claim["metadata"].setdefault("annotations", {})
        annotations["pv.kubernetes.io/bind-completed"] = "yes"
        annotations["pv.kubernetes.io/bound-by-controller"] = "yes"
        claim = store.update("persistentvolumeclaims", claim)
        update_status(
            store,
            claim,
            {
                "phase": "Bound",
                "accessModes": list(volume["spec"].get("accessModes") or []),
                "capacity": dict(volume["spec"].get("capacity") or {}),
            },
        )

    def _sync_volume(self, key: ObjectKey) -> None:
        pv = self.get(key)
        if pv is None:
            return
        spec = pv.get("spec") or {}
        claim = spec.get("claimRef")
        phase = (pv.get("status") or {}).get("phase")
        if claim is None:  # never claimed, or an administrator cleared a released volume
            if phase in (None, "Pending", "Released"):
                update_status(self.env.store, pv, {"phase": "Available"})
            return
        pvc = self.env.store.get(
            "persistentvolumeclaims", claim.get("namespace", ""), claim.get("name", "")
        )
        if pvc is not None and pvc["metadata"]["uid"] == claim.get("uid", pvc["metadata"]["uid"]):
            return
        if phase != "Bound":
            return
        if spec.get("persistentVolumeReclaimPolicy") == "Delete":
            self.env.api.delete(self.env.api.kind("persistentvolumes"), "", pv["metadata"]["name"])
        else:
            update_status(self.env.store, pv, {"phase": "Released"})
