"""The API server's REST semantics, independent of HTTP: admission, defaulting, validation,
optimistic concurrency, patches, dry runs, subresources and deletion.

Controllers and in-process callers use this class exactly as remote clients use the HTTP
server, so that every object in the store went through the same checks.
"""

from __future__ import annotations

import builtins
import random
from typing import Any, cast

from stratus.sim.api.admission import Admission
from stratus.sim.api.allocation import Allocator
from stratus.sim.api.decoding import decode
from stratus.sim.api.defaulting import apply_defaults
from stratus.sim.api.deletion import Deleter
from stratus.sim.api.fieldsel import supported_fields
from stratus.sim.api.options import WriteOptions
from stratus.sim.api.patching import apply_patch
from stratus.sim.api.preparing import prepare_create, prepare_update
from stratus.sim.api.subresources import Subresources
from stratus.sim.api.validation import validate_object, validate_update
from stratus.sim.clock import VirtualClock
from stratus.sim.errors import BadRequest, Forbidden, Invalid, MethodNotAllowed, NotFound
from stratus.sim.kinds import Kinds, ResourceKind
from stratus.sim.store import (
    Obj,
    Store,
    clone,
    parse_field_selector,
    parse_label_selector,
)

__all__ = ["PATCH_TYPES", "ApiService"]

PATCH_TYPES = {
    "application/json-patch+json": "json",
    "application/merge-patch+json": "merge",
    "application/strategic-merge-patch+json": "strategic",
}

_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


class ApiService:
    def __init__(self, store: Store, kinds: Kinds, clock: VirtualClock, rng: random.Random) -> None:
        self.store = store
        self.kinds = kinds
        self.clock = clock
        self.rng = rng
        self.allocator = Allocator(store, rng)
        self.admission = Admission(store)
        self.deleter = Deleter(self)
        self.subresources = Subresources(self)

    # -- lookups ---------------------------------------------------------------------------

    def kind(self, resource: str) -> ResourceKind:
        return self.kinds.by_resource(resource)

    def random_suffix(self, length: int = 5) -> str:
        return "".join(self.rng.choice(_SUFFIX_ALPHABET) for _ in range(length))

    def get(self, rk: ResourceKind, namespace: str, name: str) -> Obj:
        return self.store.require(rk.resource, namespace if rk.namespaced else "", name)

    def list(
        self,
        rk: ResourceKind,
        namespace: str | None,
        label_selector: str = "",
        field_selector: str = "",
    ) -> builtins.list[Obj]:
        labels = parse_label_selector(label_selector) if label_selector else None
        fields = (
            parse_field_selector(field_selector, supported_fields(rk.resource))
            if field_selector
            else None
        )
        return self.store.list(rk.resource, namespace if rk.namespaced else None, labels, fields)

    # -- writes ----------------------------------------------------------------------------

    def create(
        self, rk: ResourceKind, namespace: str, body: Any, options: WriteOptions | None = None
    ) -> Obj:
        options = options or WriteOptions()
        obj = self._decode_body(rk, body, options)
        meta = obj.setdefault("metadata", {})
        if rk.namespaced:
            self._check_namespace(rk, meta, namespace, creating=True)
        else:
            meta.pop("namespace", None)
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + self.random_suffix()
        for server_field in (
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "generation",
            "selfLink",
        ):
            meta.pop(server_field, None)
        typedef = self.kinds.type_of(rk)
        apply_defaults(self.kinds.schema, typedef, obj)
        prepare_create(self, rk, obj)
        self._validate(rk, obj)
        self.admission.admit(rk, obj, None)
        if options.dry_run:
            existing = self.store.get(rk.resource, meta.get("namespace", ""), meta.get("name", ""))
            if existing is not None:
                self.store.create(rk.resource, {"metadata": dict(meta)})  # raises AlreadyExists
            meta["uid"] = self.store.new_uid()
            meta["creationTimestamp"] = self.clock.timestamp()
            return obj
        return self.store.create(rk.resource, obj)

    def replace(
        self,
        rk: ResourceKind,
        namespace: str,
        name: str,
        body: Any,
        options: WriteOptions | None = None,
        subresource: str = "",
    ) -> Obj:
        options = options or WriteOptions()
        obj = self._decode_body(rk, body, options)
        meta = obj.setdefault("metadata", {})
        if meta.get("name", name) != name:
            raise BadRequest(
                f"the name of the object ({meta.get('name')}) does not match the "
                f"name on the URL ({name})"
            )
        meta["name"] = name
        if rk.namespaced:
            self._check_namespace(rk, meta, namespace, creating=False)
        return self._update(rk, obj, options, subresource)

    def patch(
        self,
        rk: ResourceKind,
        namespace: str,
        name: str,
        patch_type: str,
        patch: Any,
        options: WriteOptions | None = None,
        subresource: str = "",
    ) -> Obj:
        options = options or WriteOptions()
        current = self.get(rk, namespace, name)
        typedef = self.kinds.type_of(rk)
        patched = apply_patch(self.kinds.schema, typedef, current, patch_type, patch)
        meta = patched.setdefault("metadata", {})
        if meta.get("name") != name or (rk.namespaced and meta.get("namespace") != namespace):
            raise BadRequest("the name or namespace of a patched object cannot change")
        if (
            patch_type != "json"
            and isinstance(patch, dict)
            and not (patch.get("metadata") or {}).get("resourceVersion")
        ):
            meta["resourceVersion"] = current["metadata"]["resourceVersion"]
        self._check_unknown(rk, patched, options)
        return self._update(rk, patched, options, subresource)

    def _update(self, rk: ResourceKind, obj: Obj, options: WriteOptions, subresource: str) -> Obj:
        meta = obj["metadata"]
        namespace = meta.get("namespace", "") if rk.namespaced else ""
        if not rk.namespaced:
            meta.pop("namespace", None)
        old = self.get(rk, namespace, meta["name"])
        if subresource == "status":
            merged = clone(old)
            merged["status"] = obj.get("status")
            merged["metadata"]["resourceVersion"] = meta.get("resourceVersion") or ""
            for key in ("labels", "annotations", "finalizers", "ownerReferences"):
                if key in meta and meta[key] != old["metadata"].get(key):
                    merged["metadata"][key] = meta[key]
            obj = merged
        elif subresource:
            raise MethodNotAllowed(
                f"the server does not allow this method on the requested "
                f"resource ({rk.resource}/{subresource})"
            )
        elif rk.has_status and "status" in old:
            obj["status"] = clone(old["status"])
        apply_defaults(self.kinds.schema, self.kinds.type_of(rk), obj)
        prepare_update(self, rk, old, obj)
        self._validate(rk, obj)
        errors = validate_update(self.kinds.type_of(rk), old, obj)
        if errors:
            raise Invalid(rk.qualified_kind, meta["name"], errors, group=rk.group, kind=rk.kind)
        self.admission.admit(rk, obj, old)
        if options.dry_run:
            wanted = meta.get("resourceVersion")
            if wanted and wanted != old["metadata"]["resourceVersion"]:
                self.store.update(rk.resource, {"metadata": dict(meta)})  # raises Conflict
            return obj
        return self.store.update(rk.resource, obj)

    def delete(
        self,
        rk: ResourceKind,
        namespace: str,
        name: str,
        options: dict[str, Any] | None = None,
        write: WriteOptions | None = None,
    ) -> Obj:
        return self.deleter.delete(rk, namespace, name, options or {}, write or WriteOptions())

    def delete_collection(
        self,
        rk: ResourceKind,
        namespace: str | None,
        label_selector: str,
        field_selector: str,
        options: dict[str, Any] | None = None,
        write: WriteOptions | None = None,
    ) -> builtins.list[Obj]:
        doomed = self.list(rk, namespace, label_selector, field_selector)
        return [
            self.delete(
                rk, o["metadata"].get("namespace", ""), o["metadata"]["name"], options, write
            )
            for o in doomed
        ]

    # -- helpers ---------------------------------------------------------------------------

    def _decode_body(self, rk: ResourceKind, body: Any, options: WriteOptions) -> Obj:
        if not isinstance(body, dict):
            raise BadRequest(f"Object 'Kind' is missing in '{str(body)[:200]}'")
        obj = clone(body)
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        if kind and kind != rk.kind:
            raise BadRequest(
                f"the API version in the data ({api_version}) does not match the "
                f"expected API version ({rk.api_version})"
                if api_version and api_version != rk.api_version
                else f'{kind} in version "{rk.version}" cannot be handled as a '
                f'{rk.kind}: no kind "{kind}" is registered for version '
                f'"{rk.api_version}" in scheme'
            )
        if api_version and api_version != rk.api_version:
            raise BadRequest(
                f"the API version in the data ({api_version}) does not match the "
                f"expected API version ({rk.api_version})"
            )
        obj["apiVersion"], obj["kind"] = rk.api_version, rk.kind
        self._check_unknown(rk, obj, options)
        return cast(Obj, obj)

    def _check_unknown(self, rk: ResourceKind, obj: Obj, options: WriteOptions) -> None:
        result = decode(self.kinds.schema, self.kinds.type_of(rk), obj, options.field_validation)
        if not result.unknown:
            return
        if options.field_validation == "Strict":
            listed = ", ".join(f'unknown field "{path}"' for path in result.unknown)
            raise BadRequest(
                f'{rk.kind} in version "{rk.version}" cannot be handled as a '
                f"{rk.kind}: strict decoding error: {listed}"
            )
        if options.field_validation == "Warn":
            options.warnings.extend(f'unknown field "{path}"' for path in result.unknown)

    def _check_namespace(
        self, rk: ResourceKind, meta: dict[str, Any], namespace: str, creating: bool
    ) -> None:
        if meta.get("namespace") and meta["namespace"] != namespace:
            raise BadRequest(
                "the namespace of the provided object does not match the namespace "
                "sent on the request"
            )
        meta["namespace"] = namespace
        ns = self.store.get("namespaces", "", namespace)
        if ns is None:
            raise NotFound(
                f'namespaces "{namespace}" not found',
                details={"name": namespace, "kind": "namespaces"},
            )
        if creating and ns["metadata"].get("deletionTimestamp"):
            name = meta.get("name") or meta.get("generateName", "")
            raise Forbidden(
                f'{rk.resource} "{name}" is forbidden: unable to create new content in namespace '
                f"{namespace} because it is being terminated",
                details={"name": name, "kind": rk.plural},
            )

    def _validate(self, rk: ResourceKind, obj: Obj) -> None:
        errors = validate_object(self.kinds.schema, self.kinds.type_of(rk), obj)
        if errors:
            raise Invalid(
                rk.qualified_kind,
                obj["metadata"].get("name", ""),
                errors,
                group=rk.group,
                kind=rk.kind,
            )
