"""OpenAPI documents generated from the emulator's own type definitions.

kubectl reads ``/openapi/v3`` to learn that the server validates fields itself (the
``fieldValidation`` query parameter on PATCH) and to find the list merge keys it needs to compute
strategic merge patches for ``apply``; ``kubectl explain`` reads the same schemas.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import Any

from stratus.sim.kinds import Kinds, ResourceKind, TypeDef
from stratus.sim.kinds.schema import FieldDef, ListOf, Ref, Scalar, TypeRef
from stratus.sim.server.discovery import SERVER_VERSION

__all__ = ["V2_PROTOBUF_MEDIA_TYPE", "OpenApi", "v2_protobuf"]

V2_PROTOBUF_MEDIA_TYPE = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"

_META = "io.k8s.apimachinery.pkg.apis.meta.v1"
_NAMED_SCALARS = {
    "quantity": ("io.k8s.apimachinery.pkg.api.resource.Quantity", {"type": "string"}),
    "int-or-string": (
        "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
        {"type": "string", "format": "int-or-string"},
    ),
    "time": (f"{_META}.Time", {"type": "string", "format": "date-time"}),
    "microtime": (f"{_META}.MicroTime", {"type": "string", "format": "date-time"}),
}
_PLAIN_SCALARS: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "boolean": {"type": "boolean"},
    "integer": {"type": "integer"},
    "int32": {"type": "integer", "format": "int32"},
    "int64": {"type": "integer", "format": "int64"},
    "number": {"type": "number", "format": "double"},
    "bytes": {"type": "string", "format": "byte"},
    "object": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
}
_PATCH_TYPES = [
    "application/apply-patch+yaml",
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
]


class _Builder:
    def __init__(self, kinds: Kinds, v3: bool) -> None:
        self.kinds = kinds
        self.v3 = v3
        self.schemas: dict[str, Any] = {}
        self._pending: list[str] = []

    def ref(self, name: str) -> dict[str, Any]:
        if name not in self.schemas and name not in self._pending:
            self._pending.append(name)
        prefix = "#/components/schemas/" if self.v3 else "#/definitions/"
        return {"$ref": prefix + name}

    def field_schema(self, fdef: FieldDef | None, ref: TypeRef) -> dict[str, Any]:
        if isinstance(ref, Scalar):
            if ref.name in _NAMED_SCALARS:
                name, body = _NAMED_SCALARS[ref.name]
                self.schemas.setdefault(name, dict(body))
                return self._wrap(self.ref(name))
            out = dict(_PLAIN_SCALARS[ref.name])
            if fdef is not None and fdef.enum:
                out["enum"] = list(fdef.enum)
            return out
        if isinstance(ref, Ref):
            wrapped = self._wrap(self.ref(ref.name))
            if self.v3:
                wrapped["default"] = {}
            return wrapped
        if isinstance(ref, ListOf):
            out = {"type": "array", "items": self.field_schema(None, ref.item)}
            if fdef is not None:
                out.update(self._list_extensions(fdef))
            return out
        return {"type": "object", "additionalProperties": self.field_schema(None, ref.value)}

    def _wrap(self, ref: dict[str, Any]) -> dict[str, Any]:
        return {"allOf": [ref]} if self.v3 else ref

    @staticmethod
    def _list_extensions(fdef: FieldDef) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if fdef.list_type:
            out["x-kubernetes-list-type"] = fdef.list_type
        if fdef.map_keys:
            out["x-kubernetes-list-map-keys"] = list(fdef.map_keys)
        if fdef.patch_strategy:
            out["x-kubernetes-patch-strategy"] = fdef.patch_strategy
        if fdef.merge_key:
            out["x-kubernetes-patch-merge-key"] = fdef.merge_key
        return out

    def type_schema(self, typedef: TypeDef) -> dict[str, Any]:
        properties = {}
        required = []
        for fdef in typedef.fields.values():
            prop = self.field_schema(fdef, fdef.type)
            if fdef.has_default and not isinstance(fdef.type, Ref) and fdef.default != {}:
                prop["default"] = fdef.default
            properties[fdef.name] = prop
            if fdef.required:
                required.append(fdef.name)
        out: dict[str, Any] = {
            "description": f"{typedef.short} (served by the STRATUS emulated cloud).",
            "type": "object",
            "properties": properties,
        }
        if required:
            out["required"] = required
        if typedef.open:
            out["x-kubernetes-preserve-unknown-fields"] = True
        decl = typedef.kind
        if decl is not None:
            out["x-kubernetes-group-version-kind"] = [
                {"group": decl.group, "kind": decl.kind, "version": decl.version}
            ]
        return out

    def resolve_pending(self) -> None:
        while self._pending:
            name = self._pending.pop()
            if name in self.schemas:
                continue
            if name in self.kinds.schema.types:
                self.schemas[name] = {}  # reserve against cycles
                self.schemas[name] = self.type_schema(self.kinds.schema.get(name))

    def list_schema(self, rk: ResourceKind) -> str:
        name = f"{rk.type_name}List"
        self.schemas[name] = {
            "description": f"{rk.kind}List is a list of {rk.kind} objects.",
            "type": "object",
            "required": ["items"],
            "properties": {
                "apiVersion": {"type": "string"},
                "kind": {"type": "string"},
                "metadata": self._wrap(self.ref(f"{_META}.ListMeta")),
                "items": {"type": "array", "items": self._wrap(self.ref(rk.type_name))},
            },
            "x-kubernetes-group-version-kind": [
                {"group": rk.group, "kind": f"{rk.kind}List", "version": rk.version}
            ],
        }
        return name

    def add_standard(self) -> None:
        self.schemas[f"{_META}.Patch"] = {
            "type": "object",
            "description": "Patch is provided to give a concrete "
            "name and type to the patch request body.",
        }
        self.schemas[f"{_META}.Status"] = {
            "type": "object",
            "properties": {
                k: {"type": t}
                for k, t in (
                    ("apiVersion", "string"),
                    ("kind", "string"),
                    ("status", "string"),
                    ("message", "string"),
                    ("reason", "string"),
                    ("code", "integer"),
                )
            },
            "x-kubernetes-group-version-kind": [{"group": "", "kind": "Status", "version": "v1"}],
        }
        self.ref(f"{_META}.DeleteOptions")
        self.ref(f"{_META}.ListMeta")

    # -- paths -----------------------------------------------------------------------------

    def operation(
        self,
        rk: ResourceKind,
        action: str,
        op_id: str,
        body: str | None,
        response: str,
        params: list[str],
        sub: str = "",
    ) -> dict[str, Any]:
        gvk = {"group": rk.group, "version": rk.version, "kind": rk.kind}
        if sub == "scale":
            gvk = {"group": "autoscaling", "version": "v1", "kind": "Scale"}
        op: dict[str, Any] = {
            "operationId": op_id,
            "tags": [rk.group.split(".")[0] + "_" + rk.version if rk.group else "core_v1"],
            "parameters": [self.query_param(p) for p in params],
            "x-kubernetes-action": action,
            "x-kubernetes-group-version-kind": gvk,
        }
        ok = self.ref(response)
        if self.v3:
            op["responses"] = {
                "200": {"description": "OK", "content": {"application/json": {"schema": ok}}}
            }
            if body == "patch":
                op["requestBody"] = {
                    "required": True,
                    "content": {t: {"schema": self.ref(f"{_META}.Patch")} for t in _PATCH_TYPES},
                }
            elif body is not None:
                op["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": self.ref(body)}},
                }
        else:
            op["responses"] = {"200": {"description": "OK", "schema": ok}}
            if body is not None:
                target = f"{_META}.Patch" if body == "patch" else body
                op["parameters"].append(
                    {"name": "body", "in": "body", "required": True, "schema": self.ref(target)}
                )
            if body == "patch":
                op["consumes"] = list(_PATCH_TYPES)
        return op

    def query_param(self, name: str) -> dict[str, Any]:
        kinds = {
            "watch": "boolean",
            "allowWatchBookmarks": "boolean",
            "limit": "integer",
            "timeoutSeconds": "integer",
            "gracePeriodSeconds": "integer",
            "orphanDependents": "boolean",
            "force": "boolean",
        }
        schema = {"type": kinds.get(name, "string"), "uniqueItems": True}
        if self.v3:
            return {"name": name, "in": "query", "schema": schema}
        return {"name": name, "in": "query", "type": schema["type"], "uniqueItems": True}

    def paths_for(self, rk: ResourceKind) -> dict[str, Any]:
        prefix = f"/apis/{rk.group}/{rk.version}" if rk.group else f"/api/{rk.version}"
        scope = "Namespaced" if rk.namespaced else ""
        kind = rk.kind
        version = (
            rk.group.split(".")[0].capitalize() if rk.group else "Core"
        ) + rk.version.capitalize()
        base = (
            f"{prefix}/namespaces/{{namespace}}/{rk.plural}"
            if rk.namespaced
            else f"{prefix}/{rk.plural}"
        )
        list_params = [
            "allowWatchBookmarks",
            "continue",
            "fieldSelector",
            "labelSelector",
            "limit",
            "resourceVersion",
            "resourceVersionMatch",
            "sendInitialEvents",
            "timeoutSeconds",
            "watch",
            "pretty",
        ]
        write_params = ["dryRun", "fieldManager", "fieldValidation", "pretty"]
        patch_params = [*write_params, "force"]
        delete_params = [
            "dryRun",
            "gracePeriodSeconds",
            "orphanDependents",
            "propagationPolicy",
            "pretty",
        ]
        list_name = self.list_schema(rk)
        paths: dict[str, Any] = {
            base: {
                "get": self.operation(
                    rk, "list", f"list{version}{scope}{kind}", None, list_name, list_params
                ),
                "post": self.operation(
                    rk,
                    "post",
                    f"create{version}{scope}{kind}",
                    rk.type_name,
                    rk.type_name,
                    write_params,
                ),
                "delete": self.operation(
                    rk,
                    "deletecollection",
                    f"deleteCollection{version}{scope}{kind}",
                    None,
                    f"{_META}.Status",
                    delete_params,
                ),
            },
            f"{base}/{{name}}": {
                "get": self.operation(
                    rk, "get", f"read{version}{scope}{kind}", None, rk.type_name, ["pretty"]
                ),
                "put": self.operation(
                    rk,
                    "put",
                    f"replace{version}{scope}{kind}",
                    rk.type_name,
                    rk.type_name,
                    write_params,
                ),
                "patch": self.operation(
                    rk, "patch", f"patch{version}{scope}{kind}", "patch", rk.type_name, patch_params
                ),
                "delete": self.operation(
                    rk,
                    "delete",
                    f"delete{version}{scope}{kind}",
                    f"{_META}.DeleteOptions",
                    f"{_META}.Status",
                    delete_params,
                ),
            },
        }
        if rk.namespaced:
            paths[f"{prefix}/{rk.plural}"] = {
                "get": self.operation(
                    rk, "list", f"list{version}{kind}ForAllNamespaces", None, list_name, list_params
                )
            }
        for sub in ("status", "scale"):
            if sub not in rk.subresources:
                continue
            target = "io.k8s.api.autoscaling.v1.Scale" if sub == "scale" else rk.type_name
            title = sub.capitalize()
            paths[f"{base}/{{name}}/{sub}"] = {
                "get": self.operation(
                    rk, "get", f"read{version}{scope}{kind}{title}", None, target, ["pretty"], sub
                ),
                "put": self.operation(
                    rk,
                    "put",
                    f"replace{version}{scope}{kind}{title}",
                    target,
                    target,
                    write_params,
                    sub,
                ),
                "patch": self.operation(
                    rk,
                    "patch",
                    f"patch{version}{scope}{kind}{title}",
                    "patch",
                    target,
                    patch_params,
                    sub,
                ),
            }
        return paths


class OpenApi:
    """Builds (once) and serves the v3 index, the per-group-version v3 documents and v2."""

    def __init__(self, kinds: Kinds) -> None:
        self.kinds = kinds
        self._v3 = self._build_v3()
        self._v3_hashes = {
            path: hashlib.sha512(body).hexdigest().upper() for path, body in self._v3.items()
        }

    def _build_v3(self) -> dict[str, bytes]:
        docs: dict[str, bytes] = {}
        for group, versions in self.kinds.group_versions().items():
            for version in versions:
                key = f"apis/{group}/{version}" if group else f"api/{version}"
                builder = _Builder(self.kinds, v3=True)
                builder.add_standard()
                paths: dict[str, Any] = {}
                for rk in self.kinds.all():
                    if rk.group == group and rk.version == version:
                        paths.update(builder.paths_for(rk))
                for typedef in self.kinds.virtual.values():
                    decl = typedef.kind
                    if decl is not None and decl.group == group and decl.version == version:
                        builder.ref(typedef.name)
                builder.resolve_pending()
                doc = {
                    "openapi": "3.0.0",
                    "info": {"title": "Kubernetes", "version": _version()},
                    "paths": paths,
                    "components": {"schemas": dict(sorted(builder.schemas.items()))},
                }
                docs[key] = json.dumps(doc, separators=(",", ":")).encode()
        return docs

    def v3_index(self) -> dict[str, Any]:
        return {
            "paths": {
                path: {"serverRelativeURL": f"/openapi/v3/{path}?hash={digest}"}
                for path, digest in sorted(self._v3_hashes.items())
            }
        }

    def v3_document(self, path: str) -> bytes | None:
        return self._v3.get(path)

    def v3_hash(self, path: str) -> str:
        return self._v3_hashes[path]

    @cache  # noqa: B019 - one instance per cloud, documents never change
    def v2_document(self) -> bytes:
        builder = _Builder(self.kinds, v3=False)
        builder.add_standard()
        paths: dict[str, Any] = {}
        for rk in self.kinds.all():
            paths.update(builder.paths_for(rk))
        for typedef in self.kinds.virtual.values():
            builder.ref(typedef.name)
        builder.resolve_pending()
        doc = {
            "swagger": "2.0",
            "info": {"title": "Kubernetes", "version": _version()},
            "paths": paths,
            "definitions": dict(sorted(builder.schemas.items())),
        }
        return json.dumps(doc, separators=(",", ":")).encode()


def v2_protobuf() -> bytes:
    """A gnostic OpenAPI v2 document in protobuf that declares no schemas.

    kubectl falls back to it only for kinds the v3 documents do not describe; finding no schema
    there, it skips client-side validation and reports the unknown kind the usual way."""

    def field(number: int, payload: bytes) -> bytes:
        return bytes([(number << 3) | 2, len(payload)]) + payload

    info = field(1, b"Kubernetes") + field(2, _version().encode())
    return field(1, b"2.0") + field(2, info) + field(8, b"") + field(9, b"")


def _version() -> str:
    major, minor, patch = SERVER_VERSION
    return f"v{major}.{minor}.{patch}"
