"""The object store: what etcd plus the API server's registry keep.

Objects are JSON-like dicts. Ownership passes to the store on ``create``/``update`` (the caller
must not touch the dict afterwards) and what the store returns is shared and read-only: clone it
before changing it. Every change bumps one cluster-wide resource version, is recorded in a
bounded history for watches, and is announced to listeners (the controllers) synchronously.
"""

from __future__ import annotations

import builtins
import random
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from stratus.sim.clock import VirtualClock, format_timestamp
from stratus.sim.errors import AlreadyExists, Conflict, Gone, NotFound
from stratus.sim.store.objects import Obj, name_of, namespace_of, owner_uids
from stratus.sim.store.selectors import FieldSelector, LabelSelector
from stratus.sim.store.watching import Watcher

__all__ = ["Change", "Listener", "ObjectKey", "Store"]

ObjectKey = tuple[str, str, str]  # resource, namespace, name


@dataclass(frozen=True)
class Change:
    """One committed change: ``old`` is None for ADDED, ``new`` is the last state for DELETED."""

    resource: str
    type: str  # ADDED MODIFIED DELETED
    old: Obj | None
    new: Obj
    revision: int


Listener = Callable[[Change], None]


class Store:
    def __init__(
        self,
        clock: VirtualClock,
        rng: random.Random,
        *,
        history: int = 50_000,
        generation_resources: frozenset[str] = frozenset(),
    ) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self._rng = rng
        self._revision = 1
        self._objects: dict[str, dict[str, dict[str, Obj]]] = {}
        self._by_uid: dict[str, ObjectKey] = {}
        self._dependents: dict[str, set[ObjectKey]] = {}
        self._history: deque[Change] = deque(maxlen=history)
        self._watchers: dict[str, list[Watcher]] = {}
        self._listeners: list[Listener] = []
        self._generation_resources = generation_resources

    # -- reading -------------------------------------------------------------------------

    @property
    def revision(self) -> int:
        return self._revision

    def get(self, resource: str, namespace: str, name: str) -> Obj | None:
        return self._objects.get(resource, {}).get(namespace, {}).get(name)

    def require(self, resource: str, namespace: str, name: str) -> Obj:
        obj = self.get(resource, namespace, name)
        if obj is None:
            raise NotFound(f'{resource} "{name}" not found', details=_details(resource, name))
        return obj

    def key_of_uid(self, uid: str) -> ObjectKey | None:
        return self._by_uid.get(uid)

    def by_uid(self, uid: str) -> Obj | None:
        key = self._by_uid.get(uid)
        return self.get(*key) if key else None

    def iter(self, resource: str, namespace: str | None = None) -> Iterator[Obj]:
        spaces = self._objects.get(resource, {})
        if namespace is None:
            for objs in spaces.values():
                yield from objs.values()
        else:
            yield from spaces.get(namespace, {}).values()

    def list(
        self,
        resource: str,
        namespace: str | None = None,
        labels: LabelSelector | None = None,
        fields: FieldSelector | None = None,
    ) -> builtins.list[Obj]:
        out = []
        for obj in self.iter(resource, namespace):
            if labels is not None and not labels.matches(obj["metadata"].get("labels")):
                continue
            if fields is not None and not fields.matches(obj):
                continue
            out.append(obj)
        out.sort(key=lambda o: (namespace_of(o), name_of(o)))
        return out

    def count(self, resource: str) -> int:
        return sum(len(objs) for objs in self._objects.get(resource, {}).values())

    def namespaces_with(self, resource: str) -> builtins.list[str]:
        return [ns for ns, objs in self._objects.get(resource, {}).items() if objs]

    def dependents(self, uid: str) -> builtins.list[ObjectKey]:
        return sorted(self._dependents.get(uid, ()))

    # -- writing -------------------------------------------------------------------------

    def new_uid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def create(self, resource: str, obj: Obj) -> Obj:
        with self.lock:
            meta = obj["metadata"]
            namespace, name = meta.get("namespace", ""), meta["name"]
            if self.get(resource, namespace, name) is not None:
                raise AlreadyExists(
                    f'{resource} "{name}" already exists', details=_details(resource, name)
                )
            meta["uid"] = meta.get("uid") or self.new_uid()
            meta["creationTimestamp"] = self.clock.timestamp()
            if resource in self._generation_resources:
                meta["generation"] = 1
            else:
                meta.pop("generation", None)
            return self._commit(resource, "ADDED", None, obj)

    def update(self, resource: str, obj: Obj) -> Obj:
        """Replace an object. A resourceVersion in ``obj`` must match the stored one (409)."""
        with self.lock:
            meta = obj["metadata"]
            namespace, name = meta.get("namespace", ""), meta["name"]
            old = self.require(resource, namespace, name)
            old_meta = old["metadata"]
            wanted = meta.get("resourceVersion")
            if wanted and wanted != old_meta["resourceVersion"]:
                raise Conflict(
                    f'Operation cannot be fulfilled on {resource} "{name}": the object has been '
                    "modified; please apply your changes to the latest version and try again",
                    details=_details(resource, name),
                )
            for immutable in (
                "uid",
                "creationTimestamp",
                "deletionTimestamp",
                "deletionGracePeriodSeconds",
            ):
                if immutable in old_meta:
                    meta[immutable] = old_meta[immutable]
                else:
                    meta.pop(immutable, None)
            if "generation" in old_meta:
                meta["generation"] = old_meta["generation"] + (1 if _spec_changed(old, obj) else 0)
            if (
                meta.get("deletionTimestamp")
                and not meta.get("finalizers")
                and not (obj.get("spec") or {}).get("finalizers")
                and meta.get("deletionGracePeriodSeconds", 0) == 0
            ):
                self._commit(resource, "MODIFIED", old, obj)
                return self.remove(resource, namespace, name)
            if _same_content(old, obj):
                return old
            return self._commit(resource, "MODIFIED", old, obj)

    def mark_deleting(self, resource: str, obj: Obj, grace_seconds: int) -> Obj:
        """Set deletionTimestamp (kept while finalizers or a grace period hold the object)."""
        with self.lock:
            meta = obj["metadata"]
            old = self.require(resource, meta.get("namespace", ""), meta["name"])
            meta["deletionTimestamp"] = format_timestamp(self.clock.now() + grace_seconds)
            meta["deletionGracePeriodSeconds"] = grace_seconds
            if "generation" in old["metadata"]:
                meta["generation"] = old["metadata"]["generation"] + 1
            return self._commit(resource, "MODIFIED", old, obj)

    def remove(self, resource: str, namespace: str, name: str) -> Obj:
        with self.lock:
            old = self.require(resource, namespace, name)
            spaces = self._objects[resource]
            del spaces[namespace][name]
            if not spaces[namespace]:
                del spaces[namespace]
            self._revision += 1
            gone = dict(old)
            gone["metadata"] = dict(old["metadata"], resourceVersion=str(self._revision))
            self._index(resource, old, None)
            self._announce(Change(resource, "DELETED", old, gone, self._revision))
            return gone

    def _commit(self, resource: str, type_: str, old: Obj | None, obj: Obj) -> Obj:
        self._revision += 1
        meta = obj["metadata"]
        meta["resourceVersion"] = str(self._revision)
        self._objects.setdefault(resource, {}).setdefault(meta.get("namespace", ""), {})[
            meta["name"]
        ] = obj
        self._index(resource, old, obj)
        self._announce(Change(resource, type_, old, obj, self._revision))
        return obj

    def _index(self, resource: str, old: Obj | None, new: Obj | None) -> None:
        if old is not None:
            key = (resource, namespace_of(old), name_of(old))
            for uid in owner_uids(old):
                deps = self._dependents.get(uid)
                if deps is not None:
                    deps.discard(key)
                    if not deps:
                        del self._dependents[uid]
            if new is None:
                self._by_uid.pop(old["metadata"]["uid"], None)
        if new is not None:
            key = (resource, namespace_of(new), name_of(new))
            self._by_uid[new["metadata"]["uid"]] = key
            for uid in owner_uids(new):
                self._dependents.setdefault(uid, set()).add(key)

    # -- change feeds ----------------------------------------------------------------------

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _announce(self, change: Change) -> None:
        self._history.append(change)
        for watcher in self._watchers.get(change.resource, ()):
            watcher.offer(change.type, change.old, change.new)
        for listener in self._listeners:
            listener(change)

    def watch(
        self,
        resource: str,
        namespace: str | None,
        labels: LabelSelector,
        fields: FieldSelector,
        since: int,
        notify: Callable[[], None] | None = None,
    ) -> Watcher:
        """Changes after revision ``since``; 410 Gone when history no longer reaches back."""
        with self.lock:
            oldest = self._history[0].revision if self._history else self._revision + 1
            if since < oldest - 1 and since < self._revision:
                raise Gone(f"too old resource version: {since} ({oldest - 1})")
            watcher = Watcher(resource, namespace, labels, fields, notify)
            for change in self._history:
                if change.revision > since and change.resource == resource:
                    watcher.offer(change.type, change.old, change.new)
            self._watchers.setdefault(resource, []).append(watcher)
            return watcher

    def stop_watch(self, watcher: Watcher) -> None:
        with self.lock:
            watchers = self._watchers.get(watcher.resource, [])
            if watcher in watchers:
                watchers.remove(watcher)
            watcher.close()


def _details(resource: str, name: str) -> dict[str, str]:
    plural, _, group = resource.partition(".")
    details = {"name": name, "kind": plural}
    if group:
        details["group"] = group
    return details


def _spec_changed(old: Obj, new: Obj) -> bool:
    keys = (set(old) | set(new)) - {"metadata", "status", "apiVersion", "kind"}
    return any(old.get(k) != new.get(k) for k in keys)


def _same_content(old: Obj, new: Obj) -> bool:
    """True when an update would change nothing (the API server then keeps the version)."""
    old_meta = {k: v for k, v in old["metadata"].items() if k != "resourceVersion"}
    new_meta = {k: v for k, v in new["metadata"].items() if k != "resourceVersion"}
    if old_meta != new_meta:
        return False
    keys = (set(old) | set(new)) - {"metadata"}
    return all(old.get(k) == new.get(k) for k in keys)
