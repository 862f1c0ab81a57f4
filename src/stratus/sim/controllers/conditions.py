"""Status conditions: set one, keeping its transition time when its status does not change."""

from __future__ import annotations

from typing import Any

__all__ = ["condition", "set_condition"]


def set_condition(conditions: list[dict[str, Any]], new: dict[str, Any]) -> list[dict[str, Any]]:
    """A copy of ``conditions`` with ``new`` in place of the condition of its type. An unchanged
    status keeps the old entry's ``lastTransitionTime``."""
    out = []
    replaced = False
    for cond in conditions:
        if cond.get("type") != new["type"]:
            out.append(cond)
            continue
        replaced = True
        if cond.get("status") == new["status"]:
            merged = dict(new)
            if "lastTransitionTime" in cond:
                merged["lastTransitionTime"] = cond["lastTransitionTime"]
            out.append(merged)
        else:
            out.append(new)
    if not replaced:
        out.append(new)
    return out


def condition(conditions: list[dict[str, Any]] | None, kind: str) -> dict[str, Any] | None:
    for cond in conditions or []:
        if cond.get("type") == kind:
            return cond
    return None
