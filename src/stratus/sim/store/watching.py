"""A watch: a filtered queue of changes to one resource, fed by the store."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from stratus.sim.store.objects import Obj
from stratus.sim.store.selectors import FieldSelector, LabelSelector

__all__ = ["Watcher"]


class Watcher:
    """Turns store changes into the events a client watching with selectors must see: an
    object that starts matching arrives as ADDED, one that stops matching leaves as DELETED."""

    def __init__(
        self,
        resource: str,
        namespace: str | None,
        labels: LabelSelector,
        fields: FieldSelector,
        notify: Callable[[], None] | None = None,
    ) -> None:
        self.resource = resource
        self.namespace = namespace
        self.labels = labels
        self.fields = fields
        self.events: deque[tuple[str, Obj]] = deque()
        self.closed = False
        self._notify = notify

    def matches(self, obj: Obj | None) -> bool:
        if obj is None:
            return False
        meta = obj["metadata"]
        if self.namespace is not None and meta.get("namespace", "") != self.namespace:
            return False
        return self.labels.matches(meta.get("labels")) and self.fields.matches(obj)

    def offer(self, type_: str, old: Obj | None, new: Obj) -> None:
        if self.closed:
            return
        if type_ == "DELETED":
            event = "DELETED" if self.matches(old) or self.matches(new) else None
        else:
            was, now = self.matches(old), self.matches(new)
            event = ("MODIFIED" if was else "ADDED") if now else ("DELETED" if was else None)
        if event is None:
            return
        self.events.append((event, new))
        if self._notify is not None:
            self._notify()

    def drain(self) -> list[tuple[str, Obj]]:
        out = list(self.events)
        self.events.clear()
        return out

    def close(self) -> None:
        self.closed = True
        if self._notify is not None:
            self._notify()
