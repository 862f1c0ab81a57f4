"""Reading pod state the way controllers do: active, ready, available."""

from __future__ import annotations

from stratus.sim.clock import parse_timestamp
from stratus.sim.controllers.conditions import condition
from stratus.sim.store import Obj

__all__ = ["available_since", "is_active", "is_ready", "is_terminal"]


def is_terminal(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def is_active(pod: Obj) -> bool:
    """Counts toward a controller's replicas: not terminating and not finished."""
    return not pod["metadata"].get("deletionTimestamp") and not is_terminal(pod)


def is_ready(pod: Obj) -> bool:
    ready = condition((pod.get("status") or {}).get("conditions"), "Ready")
    return ready is not None and ready.get("status") == "True"


def available_since(pod: Obj) -> float | None:
    """When the pod became ready (None if it is not)."""
    ready = condition((pod.get("status") or {}).get("conditions"), "Ready")
    if ready is None or ready.get("status") != "True":
        return None
    when = ready.get("lastTransitionTime")
    return parse_timestamp(when) if when else 0.0
