"""An index over the objects of one namespace as ``kubectl get -o json`` returns them: who
owns which pod, which pods a selector picks, which events are about what, revision history.
Plain functions of what any cluster exposes; no emulator knowledge."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

__all__ = [
    "Index",
    "Obj",
    "annotations_of",
    "event_time",
    "labels",
    "name",
    "parse_time",
    "spec",
    "template_spec",
]

Obj = dict[str, Any]
_WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet")


def name(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name", ""))


def labels(obj: Mapping[str, Any]) -> dict[str, str]:
    return dict((obj.get("metadata") or {}).get("labels") or {})


def annotations_of(obj: Mapping[str, Any]) -> dict[str, str]:
    return dict((obj.get("metadata") or {}).get("annotations") or {})


def spec(obj: Mapping[str, Any]) -> dict[str, Any]:
    return dict(obj.get("spec") or {})


def template_spec(obj: Mapping[str, Any]) -> dict[str, Any]:
    return dict((spec(obj).get("template") or {}).get("spec") or {})


def parse_time(text: Any) -> float | None:
    """RFC 3339 text as unix seconds; None when absent or unreadable."""
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


class Index:
    """``objects``: the namespace's objects (any kinds); ``nodes`` and ``volumes`` are the
    cluster's nodes and persistent volumes."""

    def __init__(
        self, objects: Iterable[Obj], nodes: Sequence[Obj] = (), volumes: Sequence[Obj] = ()
    ) -> None:
        self.objects = list(objects)
        self.nodes = list(nodes)
        self.volumes = list(volumes)
        self._by_kind: dict[str, list[Obj]] = {}
        for obj in self.objects:
            self._by_kind.setdefault(str(obj.get("kind", "")), []).append(obj)

    def of(self, kind: str) -> list[Obj]:
        return self._by_kind.get(kind, [])

    def get(self, kind: str, obj_name: str) -> Obj | None:
        return next((o for o in self.of(kind) if name(o) == obj_name), None)

    @property
    def workloads(self) -> list[Obj]:
        return [o for kind in _WORKLOADS for o in self.of(kind)]

    def owner(self, pod: Mapping[str, Any]) -> Obj | None:
        """The workload that owns ``pod`` (a Deployment through its ReplicaSet)."""
        for ref in (pod.get("metadata") or {}).get("ownerReferences") or []:
            if not ref.get("controller"):
                continue
            owner = self.get(str(ref.get("kind")), str(ref.get("name")))
            if owner is not None and owner.get("kind") == "ReplicaSet":
                return self.owner(owner) or owner
            return owner
        return None

    def pods_of(self, workload: Mapping[str, Any]) -> list[Obj]:
        key = (workload.get("kind"), name(workload))
        out = []
        for pod in self.of("Pod"):
            owner = self.owner(pod)
            if owner is not None and (owner.get("kind"), name(owner)) == key:
                out.append(pod)
        return out

    def selected(self, selector: Mapping[str, str]) -> list[Obj]:
        """Pods whose labels match every key of ``selector`` (none for an empty one)."""
        if not selector:
            return []
        return [p for p in self.of("Pod") if _matches(selector, labels(p))]

    def workloads_labelled(self, selector: Mapping[str, str]) -> list[Obj]:
        """Workloads whose pod template carries every label of ``selector``."""
        return [w for w in self.workloads if selector and _matches(selector, _template_labels(w))]

    def services_for(self, workload: Mapping[str, Any]) -> list[Obj]:
        """Services whose selector picks ``workload``'s pods."""
        tl = _template_labels(workload)
        return [s for s in self.of("Service") if _matches(spec(s).get("selector") or {}, tl)]

    def revisions(self, deployment: Mapping[str, Any]) -> list[tuple[int, Obj]]:
        """(revision, ReplicaSet) of a Deployment, oldest first."""
        out = []
        for rs in self.of("ReplicaSet"):
            refs = (rs.get("metadata") or {}).get("ownerReferences") or []
            if any(
                r.get("kind") == "Deployment" and r.get("name") == name(deployment) for r in refs
            ):
                raw = annotations_of(rs).get("deployment.kubernetes.io/revision", "0")
                out.append((int(raw) if raw.isdigit() else 0, rs))
        return sorted(out, key=lambda pair: pair[0])

    def events(
        self, kind: str = "", obj_name: str = "", *, since: float | None = None
    ) -> list[Obj]:
        """Events about ``kind``/``obj_name`` (either may be empty: any), last seen after
        ``since``, oldest first."""
        out = []
        for ev in self.of("Event"):
            involved = ev.get("involvedObject") or {}
            if kind and involved.get("kind") != kind:
                continue
            if obj_name and involved.get("name") != obj_name:
                continue
            if since is not None and (event_time(ev) or 0.0) < since:
                continue
            out.append(ev)
        return sorted(out, key=lambda e: event_time(e) or 0.0)

    def pod_events(self, pod: Mapping[str, Any], reason: str = "") -> list[Obj]:
        return [e for e in self.events("Pod", name(pod)) if not reason or e.get("reason") == reason]

    def service_by_ip(self, ip: str) -> Obj | None:
        for svc in self.of("Service"):
            s = spec(svc)
            if ip == s.get("clusterIP") or ip in (s.get("clusterIPs") or []):
                return svc
        return None

    def pod_by_ip(self, ip: str) -> Obj | None:
        return next((p for p in self.of("Pod") if (p.get("status") or {}).get("podIP") == ip), None)


def event_time(event: Mapping[str, Any]) -> float | None:
    for key in ("lastTimestamp", "eventTime", "firstTimestamp"):
        found = parse_time(event.get(key))
        if found is not None:
            return found
    return parse_time((event.get("metadata") or {}).get("creationTimestamp"))


def _template_labels(workload: Mapping[str, Any]) -> dict[str, str]:
    return dict(((spec(workload).get("template") or {}).get("metadata") or {}).get("labels") or {})


def _matches(selector: Mapping[str, Any], have: Mapping[str, str]) -> bool:
    return bool(selector) and all(have.get(k) == v for k, v in selector.items())
