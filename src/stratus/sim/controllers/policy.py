"""Status of ResourceQuotas (usage) and PodDisruptionBudgets (allowed disruptions)."""

from __future__ import annotations

import math
from typing import Any

from stratus.sim.api.admission import Admission
from stratus.sim.controllers.base import Controller, update_status
from stratus.sim.controllers.podstate import is_active, is_ready
from stratus.sim.store import Change, ObjectKey, selector_from_object

__all__ = ["DisruptionBudgetController", "QuotaController"]


def _fmt(value: Any) -> str:
    if value == int(value):
        return str(int(value))
    return f"{int(value * 1000)}m"


class QuotaController(Controller):
    name = "resourcequota-controller"
    resource = "resourcequotas"

    def observe(self, change: Change) -> None:
        if change.resource == "resourcequotas":
            super().observe(change)
            return
        namespace = change.new["metadata"].get("namespace")
        if namespace and change.resource != "events":
            for quota in self.env.store.iter("resourcequotas", namespace):
                self.enqueue(("resourcequotas", namespace, quota["metadata"]["name"]))

    def sync(self, key: ObjectKey) -> None:
        quota = self.get(key)
        if quota is None:
            return
        hard = dict((quota.get("spec") or {}).get("hard") or {})
        used = Admission(self.env.store).used(key[1], hard)
        update_status(
            self.env.store,
            quota,
            {"hard": hard, "used": {k: _fmt(v) for k, v in sorted(used.items())}},
        )


class DisruptionBudgetController(Controller):
    name = "disruption-controller"
    resource = "poddisruptionbudgets.policy"

    def observe(self, change: Change) -> None:
        if change.resource == "poddisruptionbudgets.policy":
            super().observe(change)
        elif change.resource == "pods":
            namespace = change.new["metadata"]["namespace"]
            for pdb in self.env.store.iter("poddisruptionbudgets.policy", namespace):
                self.enqueue(("poddisruptionbudgets.policy", namespace, pdb["metadata"]["name"]))

    def sync(self, key: ObjectKey) -> None:
        pdb = self.get(key)
        if pdb is None:
            return
        spec = pdb.get("spec") or {}
        selector = selector_from_object(spec.get("selector"))
        pods = [
            p
            for p in self.env.store.iter("pods", key[1])
            if is_active(p) and selector.matches(p["metadata"].get("labels"))
        ]
        expected = len(pods)
        healthy = sum(1 for p in pods if is_ready(p))
        if spec.get("minAvailable") is not None:
            desired = _amount(spec["minAvailable"], expected, round_up=True)
        elif spec.get("maxUnavailable") is not None:
            desired = max(0, expected - _amount(spec["maxUnavailable"], expected, round_up=True))
        else:
            desired = expected
        allowed = max(0, healthy - desired)
        now = self.env.clock.timestamp()
        old = pdb.get("status") or {}
        previous = next(
            (c for c in old.get("conditions") or [] if c.get("type") == "DisruptionAllowed"), None
        )
        state = "True" if allowed > 0 else "False"
        cond = {
            "type": "DisruptionAllowed",
            "status": state,
            "observedGeneration": pdb["metadata"].get("generation", 1),
            "lastTransitionTime": previous["lastTransitionTime"]
            if previous and previous.get("status") == state
            else now,
            "reason": "SufficientPods" if allowed > 0 else "InsufficientPods",
            "message": "",
        }
        update_status(
            self.env.store,
            pdb,
            {
                "observedGeneration": pdb["metadata"].get("generation", 1),
                "disruptionsAllowed": allowed,
                "currentHealthy": healthy,
                "desiredHealthy": desired,
                "expectedPods": expected,
                "conditions": [cond],
            },
        )


def _amount(value: Any, total: int, round_up: bool) -> int:
    if isinstance(value, str) and value.endswith("%"):
        share = int(value[:-1]) * total / 100
        return math.ceil(share) if round_up else math.floor(share)
    return int(value)
