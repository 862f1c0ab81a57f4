"""ControllerRevisions, the template history StatefulSets and DaemonSets keep (and that
``kubectl rollout undo`` reads back)."""

from __future__ import annotations

from typing import Any

from stratus.sim.api import WriteOptions
from stratus.sim.controllers.templates import controller_ref, template_hash
from stratus.sim.errors import AlreadyExists
from stratus.sim.store import Obj, Store, clone

__all__ = ["current_revision"]


def current_revision(
    api_create: Any, store: Store, owner: Obj, owned: list[Obj]
) -> tuple[str, int]:
    """The name of the revision matching the owner's template (created if new) and its number."""
    template = (owner.get("spec") or {}).get("template") or {}
    data = {"spec": {"template": {**clone(template), "$patch": "replace"}}}
    for revision in owned:
        if revision.get("data") == data:
            return revision["metadata"]["name"], int(revision.get("revision", 0))
    number = max((int(r.get("revision", 0)) for r in owned), default=0) + 1
    name = f"{owner['metadata']['name']}-{template_hash(template)}"
    labels = dict(((owner.get("spec") or {}).get("selector") or {}).get("matchLabels") or {})
    labels["controller-revision-hash"] = name.rsplit("-", 1)[-1]
    body = {
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": {
            "name": name,
            "namespace": owner["metadata"]["namespace"],
            "labels": labels,
            "ownerReferences": [controller_ref(owner)],
        },
        "data": data,
        "revision": number,
    }
    try:
        api_create(body, WriteOptions())
    except AlreadyExists:
        existing = store.get("controllerrevisions.apps", owner["metadata"]["namespace"], name)
        if existing is not None:
            updated = clone(existing)
            updated["data"], updated["revision"] = data, number
            store.update("controllerrevisions.apps", updated)
    return name, number
