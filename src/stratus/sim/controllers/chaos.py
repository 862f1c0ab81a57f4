"""Chaos Mesh's pod experiments, as its controller carries them out: ``pod-failure`` swaps the
selected containers' images for a pause image until the experiment ends, ``pod-kill`` deletes
the pods and ``container-kill`` kills the named containers once. (Network experiments are
applied by the emulated network.)"""

from __future__ import annotations

import json
from typing import Any

from stratus.sim.clock import parse_timestamp
from stratus.sim.controllers.base import Controller, update_status
from stratus.sim.store import Change, Obj, ObjectKey, clone, selector_from_object

__all__ = ["PAUSE_IMAGE", "ChaosController"]

PAUSE_IMAGE = "gcr.io/google-containers/pause:latest"
_ORIGINAL = "chaos-mesh.org/original-images"
_OWNER = "chaos-mesh.org/experiment"
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def _seconds(text: str) -> float | None:
    for unit in ("ms", "s", "m", "h"):
        if text.endswith(unit):
            try:
                return float(text[: -len(unit)]) * _UNITS[unit]
            except ValueError:
                return None
    return None


class ChaosController(Controller):
    name = "chaos-controller-manager"
    resource = "podchaos.chaos-mesh.org"

    def observe(self, change: Change) -> None:
        super().observe(change)
        if change.resource == self.resource and change.type == "DELETED":
            self._restore(change.new)

    def sync(self, key: ObjectKey) -> None:
        chaos = self.get(key)
        if chaos is None or chaos["metadata"].get("deletionTimestamp"):
            return
        spec = chaos.get("spec") or {}
        status = dict(chaos.get("status") or {})
        started = parse_timestamp(chaos["metadata"]["creationTimestamp"])
        duration = _seconds(str(spec.get("duration", ""))) if spec.get("duration") else None
        now = self.env.clock.now()
        if duration is not None and now >= started + duration:
            if status.get("phase") != "Finished":
                self._restore(chaos)
                status["phase"] = "Finished"
                update_status(self.env.store, chaos, status)
            return
        if duration is not None:
            self.env.clock.call_at(started + duration, lambda: self.enqueue(key))
        if status.get("phase") == "Running":
            return
        targets = self._select(spec)
        action = spec.get("action")
        records = []
        for pod in targets:
            meta = pod["metadata"]
            if action == "pod-failure":
                self._fail(pod, chaos)
            elif action == "pod-kill":
                self.env.api.delete(
                    self.env.api.kind("pods"),
                    meta["namespace"],
                    meta["name"],
                    {"gracePeriodSeconds": int(spec.get("gracePeriod", 0))},
                )
            elif action == "container-kill":
                for name in spec.get("containerNames") or []:
                    self.env.containers.request_exit(meta["uid"], name, 137, "Error", "")
            records.append({"id": f"{meta['namespace']}/{meta['name']}", "phase": "Injected"})
            names = spec.get("containerNames") or []
            self.env.events.record(
                chaos,
                "Normal",
                "Applied",
                f"Successfully apply chaos for {meta['namespace']}/{meta['name']}"
                + "".join(f"/{n}" for n in names),
                component="records",
            )
        update_status(
            self.env.store, chaos, {"phase": "Running", "experiment": {"containerRecords": records}}
        )

    def _select(self, spec: dict[str, Any]) -> list[Obj]:
        selector = spec.get("selector") or {}
        namespaces = selector.get("namespaces") or []
        labels = selector_from_object({"matchLabels": selector.get("labelSelectors") or {}})
        pods = sorted(
            (
                p
                for p in self.env.store.iter("pods")
                if (not namespaces or p["metadata"]["namespace"] in namespaces)
                and labels.matches(p["metadata"].get("labels"))
                and not p["metadata"].get("deletionTimestamp")
            ),
            key=lambda p: (p["metadata"]["namespace"], p["metadata"]["name"]),
        )
        mode = spec.get("mode", "one")
        if mode == "one":
            return pods[:1]
        if mode == "fixed":
            return pods[: int(spec.get("value", "1"))]
        if mode == "fixed-percent":
            return pods[: max(1, len(pods) * int(spec.get("value", "100")) // 100)]
        return pods

    def _fail(self, pod: Obj, chaos: Obj) -> None:
        names = [c["name"] for c in (pod.get("spec") or {}).get("containers") or []]
        wanted = (chaos.get("spec") or {}).get("containerNames") or names
        updated = clone(pod)
        annotations = updated["metadata"].setdefault("annotations", {})
        if _ORIGINAL in annotations:
            return
        originals = {}
        for container in updated["spec"]["containers"]:
            if container["name"] in wanted:
                originals[container["name"]] = container["image"]
                container["image"] = PAUSE_IMAGE
        annotations[_ORIGINAL] = json.dumps(originals)
        annotations[_OWNER] = chaos["metadata"]["uid"]
        self.env.api.replace(
            self.env.api.kind("pods"),
            pod["metadata"]["namespace"],
            pod["metadata"]["name"],
            updated,
        )

    def _restore(self, chaos: Obj) -> None:
        uid = chaos["metadata"]["uid"]
        for pod in list(self.env.store.iter("pods")):
            annotations = pod["metadata"].get("annotations") or {}
            if annotations.get(_OWNER) != uid:
                continue
            originals = json.loads(annotations.get(_ORIGINAL, "{}"))
            updated = clone(pod)
            for container in updated["spec"]["containers"]:
                if container["name"] in originals:
                    container["image"] = originals[container["name"]]
            for key in (_ORIGINAL, _OWNER):
                updated["metadata"]["annotations"].pop(key, None)
            self.env.api.replace(
                self.env.api.kind("pods"),
                pod["metadata"]["namespace"],
                pod["metadata"]["name"],
                updated,
            )
