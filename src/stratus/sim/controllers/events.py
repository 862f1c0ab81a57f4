"""Recording core/v1 Events the way components do: one object per (object, reason, message),
counted and re-stamped when it repeats, expired after an hour."""

from __future__ import annotations

from typing import Any

from stratus.sim.clock import VirtualClock, parse_timestamp
from stratus.sim.store import Obj, Store

__all__ = ["EventRecorder"]

EVENT_TTL = 3600.0


class EventRecorder:
    def __init__(self, store: Store, clock: VirtualClock) -> None:
        self.store = store
        self.clock = clock
        self._seen: dict[tuple[str, str, str, str, str], tuple[str, str]] = {}
        self._serial = 0

    def record(
        self,
        obj: Obj,
        type_: str,
        reason: str,
        message: str,
        *,
        component: str,
        host: str = "",
        field_path: str = "",
    ) -> None:
        meta = obj["metadata"]
        namespace = meta.get("namespace") or "default"
        key = (meta.get("uid", ""), reason, message, component, field_path)
        now = self.clock.timestamp()
        with self.store.lock:
            known = self._seen.get(key)
            if known is not None:
                existing = self.store.get("events", *known)
                if existing is not None:
                    updated = dict(existing)
                    updated["metadata"] = dict(existing["metadata"])
                    updated["count"] = existing.get("count", 1) + 1
                    updated["lastTimestamp"] = now
                    self.store.update("events", updated)
                    return
            self._serial += 1
            name = f"{meta.get('name', '')}.{int(self.clock.now() * 1e9) + self._serial:x}"
            involved: dict[str, Any] = {
                "kind": obj.get("kind", ""),
                "namespace": meta.get("namespace", ""),
                "name": meta.get("name", ""),
                "uid": meta.get("uid", ""),
                "apiVersion": obj.get("apiVersion", ""),
                "resourceVersion": meta.get("resourceVersion", ""),
            }
            if not involved["namespace"]:
                del involved["namespace"]
            if field_path:
                involved["fieldPath"] = field_path
            source = {"component": component}
            if host:
                source["host"] = host
            event = {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {"name": name, "namespace": namespace},
                "involvedObject": involved,
                "reason": reason,
                "message": message,
                "source": source,
                "firstTimestamp": now,
                "lastTimestamp": now,
                "count": 1,
                "type": type_,
                "eventTime": None,
                "reportingComponent": component,
                "reportingInstance": host,
            }
            self.store.create("events", event)
            self._seen[key] = (namespace, name)

    def expire(self) -> None:
        """Delete events last seen more than an hour ago."""
        horizon = self.clock.now() - EVENT_TTL
        with self.store.lock:
            for event in list(self.store.iter("events")):
                last = event.get("lastTimestamp") or event["metadata"].get("creationTimestamp")
                if last and parse_timestamp(last) < horizon:
                    self.store.remove(
                        "events", event["metadata"]["namespace"], event["metadata"]["name"]
                    )
            live = {
                (e["metadata"]["namespace"], e["metadata"]["name"])
                for e in self.store.iter("events")
            }
            self._seen = {k: v for k, v in self._seen.items() if v in live}
