"""Pod templates: hashing them as the controllers do, and stamping pods out of them."""

from __future__ import annotations

import json
from typing import Any

from stratus.sim.store import Obj, clone

__all__ = ["controller_ref", "pod_from_template", "template_hash", "without_hash_label"]

_SAFE = "bcdfghjklmnpqrstvwxz2456789"
HASH_LABEL = "pod-template-hash"


def template_hash(template: dict[str, Any], collisions: int = 0) -> str:
    """A short, stable name-safe hash of a pod template (FNV-1a over its canonical JSON)."""
    data = json.dumps(template, sort_keys=True, separators=(",", ":")).encode()
    value = 0x811C9DC5
    for byte in data + str(collisions).encode():
        value ^= byte
        value = (value * 0x01000193) & 0xFFFFFFFF
    return "".join(_SAFE[int(ch) % len(_SAFE)] for ch in str(value))[:10]


def without_hash_label(template: dict[str, Any], label: str = HASH_LABEL) -> dict[str, Any]:
    out: dict[str, Any] = clone(template)
    labels = (out.get("metadata") or {}).get("labels")
    if labels and label in labels:
        del labels[label]
    return out


def controller_ref(owner: Obj) -> dict[str, Any]:
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def pod_from_template(
    owner: Obj,
    template: dict[str, Any],
    *,
    name: str = "",
    generate_name: str = "",
    extra_labels: dict[str, str] | None = None,
) -> Obj:
    template_meta = template.get("metadata") or {}
    meta: dict[str, Any] = {
        "labels": {**(template_meta.get("labels") or {}), **(extra_labels or {})},
        "ownerReferences": [controller_ref(owner)],
        "namespace": owner["metadata"]["namespace"],
    }
    if template_meta.get("annotations"):
        meta["annotations"] = dict(template_meta["annotations"])
    if name:
        meta["name"] = name
    else:
        meta["generateName"] = generate_name
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": clone(template.get("spec") or {}),
    }
