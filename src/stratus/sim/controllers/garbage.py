"""The garbage collector: dependents follow their owners (background, foreground, orphan)."""

from __future__ import annotations

from stratus.sim.api.deletion import FOREGROUND, ORPHAN
from stratus.sim.controllers.base import Controller
from stratus.sim.store import Change, Obj, ObjectKey, clone

__all__ = ["GarbageCollector"]


class GarbageCollector(Controller):
    name = "garbage-collector"

    def observe(self, change: Change) -> None:
        meta = change.new["metadata"]
        key = (change.resource, meta.get("namespace", ""), meta["name"])
        if change.type == "DELETED":
            for dependent in self.env.store.dependents(meta["uid"]):
                self.enqueue(dependent)
            for ref in meta.get("ownerReferences") or []:
                owner = self.env.store.key_of_uid(ref.get("uid", ""))
                if owner is not None:
                    self.enqueue(owner)
            return
        finalizers = meta.get("finalizers") or []
        if meta.get("deletionTimestamp") and (FOREGROUND in finalizers or ORPHAN in finalizers):
            self.enqueue(key)
        if change.type == "ADDED" and meta.get("ownerReferences"):
            self.enqueue(key)  # an owner may already be gone

    def sync(self, key: ObjectKey) -> None:
        obj = self.get(key)
        if obj is None:
            return
        meta = obj["metadata"]
        finalizers = meta.get("finalizers") or []
        if meta.get("deletionTimestamp") and ORPHAN in finalizers:
            self._orphan(key, obj)
            return
        if meta.get("deletionTimestamp") and FOREGROUND in finalizers:
            self._foreground(key, obj)
        self._check_owners(key, obj)

    def _check_owners(self, key: ObjectKey, obj: Obj) -> None:
        refs = obj["metadata"].get("ownerReferences") or []
        if not refs:
            return
        alive = [ref for ref in refs if self.env.store.key_of_uid(ref.get("uid", "")) is not None]
        if len(alive) == len(refs):
            return
        if alive:
            trimmed = clone(obj)
            trimmed["metadata"]["ownerReferences"] = alive
            self.env.store.update(key[0], trimmed)
            return
        if obj["metadata"].get("deletionTimestamp"):
            return
        self.env.api.delete(
            self.env.api.kind(key[0]), key[1], key[2], {"propagationPolicy": "Background"}
        )

    def _foreground(self, key: ObjectKey, owner: Obj) -> None:
        uid = owner["metadata"]["uid"]
        blocking = 0
        for dep_key in self.env.store.dependents(uid):
            dep = self.env.store.get(*dep_key)
            if dep is None:
                continue
            blocking += 1
            if not dep["metadata"].get("deletionTimestamp"):
                self.env.api.delete(
                    self.env.api.kind(dep_key[0]),
                    dep_key[1],
                    dep_key[2],
                    {"propagationPolicy": "Foreground"},
                )
        if blocking:
            return
        self._drop_finalizer(key, owner, FOREGROUND)

    def _orphan(self, key: ObjectKey, owner: Obj) -> None:
        uid = owner["metadata"]["uid"]
        for dep_key in self.env.store.dependents(uid):
            dep = self.env.store.get(*dep_key)
            if dep is None:
                continue
            freed = clone(dep)
            freed["metadata"]["ownerReferences"] = [
                ref for ref in dep["metadata"].get("ownerReferences") or [] if ref.get("uid") != uid
            ]
            if not freed["metadata"]["ownerReferences"]:
                del freed["metadata"]["ownerReferences"]
            self.env.store.update(dep_key[0], freed)
        self._drop_finalizer(key, owner, ORPHAN)

    def _drop_finalizer(self, key: ObjectKey, obj: Obj, finalizer: str) -> None:
        updated = clone(obj)
        remaining = [f for f in obj["metadata"].get("finalizers") or [] if f != finalizer]
        if remaining:
            updated["metadata"]["finalizers"] = remaining
        else:
            updated["metadata"].pop("finalizers", None)
        self.env.store.update(key[0], updated)
