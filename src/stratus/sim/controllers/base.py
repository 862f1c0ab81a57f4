"""What every controller shares: the environment it acts in and a level-triggered work queue.

A controller names the resources it watches; each store change it cares about puts a key on
its queue, and ``run()`` reconciles the queued keys against the current state of the store.
Controllers act only through the API service (creates, deletes) or by updating status with
optimistic concurrency, as real controllers do through the API server.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from stratus.sim.api import ApiService
from stratus.sim.behaviours import BehaviourRegistry
from stratus.sim.clock import VirtualClock
from stratus.sim.controllers.events import EventRecorder
from stratus.sim.errors import Conflict, NotFound
from stratus.sim.runtime import ContainerTable, LogBook
from stratus.sim.store import Change, Obj, ObjectKey, Store

__all__ = ["Controller", "ControllerEnv", "owner_key", "update_status"]


@dataclass
class ControllerEnv:
    api: ApiService
    store: Store
    clock: VirtualClock
    events: EventRecorder
    behaviours: BehaviourRegistry
    logs: LogBook
    containers: ContainerTable
    rng: random.Random


class Controller(ABC):
    """Base class: subclasses set ``resource`` (and ``owns``/``kind``) and implement
    ``sync(key)``."""

    name: ClassVar[str] = "controller"
    resource: ClassVar[str] = ""  # the primary resource: its objects are the queue's keys
    owns: ClassVar[str] = ""  # a resource whose changes queue their controlling owner
    kind: ClassVar[str] = ""  # the primary resource's kind, as owner references name it

    def __init__(self, env: ControllerEnv) -> None:
        self.env = env
        self._queue: dict[ObjectKey, None] = {}

    def observe(self, change: Change) -> None:
        """Queue what this change affects: a changed primary object itself, or the owner of a
        changed dependent."""
        if change.resource == self.resource:
            meta = change.new["metadata"]
            self.enqueue((change.resource, meta.get("namespace", ""), meta["name"]))
        elif self.owns and change.resource == self.owns:
            key = owner_key(change.new, self.resource, (self.kind,))
            if key is not None:
                self.enqueue(key)

    def enqueue(self, key: ObjectKey) -> None:
        self._queue[key] = None

    def enqueue_all(self) -> None:
        """Queue every object of the primary resource (a full resync)."""
        if not self.resource:
            return
        for obj in self.env.store.iter(self.resource):
            meta = obj["metadata"]
            self.enqueue((self.resource, meta.get("namespace", ""), meta["name"]))

    @property
    def pending(self) -> bool:
        return bool(self._queue)

    def run(self) -> int:
        """Reconcile every queued key once; returns how many were processed."""
        keys = list(self._queue)
        self._queue.clear()
        for key in keys:
            try:
                self.sync(key)
            except Conflict:
                self.enqueue(key)  # somebody else wrote first: look again next round
            except NotFound:
                continue
        return len(keys)

    @abstractmethod
    def sync(self, key: ObjectKey) -> None:
        """Bring the object at ``key`` (and what it owns) to its desired state."""

    # -- helpers -------------------------------------------------------------------------

    def get(self, key: ObjectKey) -> Obj | None:
        return self.env.store.get(*key)

    def owned(self, owner: Obj, resource: str) -> list[Obj]:
        """Objects of ``resource`` whose controller reference points at ``owner``."""
        uid = owner["metadata"]["uid"]
        out = []
        for res, ns, name in self.env.store.dependents(uid):
            if res != resource:
                continue
            obj = self.env.store.get(res, ns, name)
            if obj is not None and any(
                ref.get("uid") == uid and ref.get("controller")
                for ref in obj["metadata"].get("ownerReferences") or []
            ):
                out.append(obj)
        return out


def owner_key(obj: Obj, resource: str, kinds: Iterable[str]) -> ObjectKey | None:
    """The key of the controlling owner of ``obj`` if it is one of ``kinds``."""
    for ref in obj["metadata"].get("ownerReferences") or []:
        if ref.get("controller") and ref.get("kind") in kinds:
            return (resource, obj["metadata"].get("namespace", ""), ref.get("name", ""))
    return None


def update_status(store: Store, obj: Obj, status: dict[str, object]) -> Obj:
    """Write ``status`` if it differs, with the object's resourceVersion as precondition."""
    if obj.get("status") == status:
        return obj
    updated = dict(obj)
    updated["metadata"] = dict(obj["metadata"])
    updated["status"] = status
    resource = _resource_of(store, obj)
    return store.update(resource, updated)


def _resource_of(store: Store, obj: Obj) -> str:
    key = store.key_of_uid(obj["metadata"]["uid"])
    if key is None:
        raise NotFound(f'{obj.get("kind", "object")} "{obj["metadata"].get("name")}" not found')
    return key[0]
