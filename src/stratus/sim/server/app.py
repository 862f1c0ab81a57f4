"""The Kubernetes REST API over HTTP, as a Starlette application.

Every handler takes the store lock for the duration of its work, so API requests interleave
with the cloud's clock ticks (which run in another thread) one at a time.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from stratus.sim.api import PATCH_TYPES, WriteOptions
from stratus.sim.errors import (
    ApiError,
    BadRequest,
    InternalError,
    MethodNotAllowed,
    NotFound,
    RequestEntityTooLarge,
    UnsupportedMediaType,
)
from stratus.sim.kinds import ResourceKind
from stratus.sim.server import discovery
from stratus.sim.server.context import ServerContext
from stratus.sim.server.execution import exec_endpoint
from stratus.sim.server.logs import read_logs
from stratus.sim.server.negotiation import Wanted, negotiate
from stratus.sim.server.openapi import V2_PROTOBUF_MEDIA_TYPE, v2_protobuf
from stratus.sim.server.protobuf import PROTOBUF_MEDIA_TYPE, ProtobufError, decode_object
from stratus.sim.server.routing import ResourcePath, parse_resource_path
from stratus.sim.server.tables import build_table
from stratus.sim.server.watch import watch_response
from stratus.sim.store import Obj

__all__ = ["build_app", "dumps"]


def dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _json(
    value: Any,
    status: int = 200,
    warnings: list[str] | None = None,
    media_type: str = "application/json",
) -> Response:
    headers = {}
    if warnings:
        headers["Warning"] = ", ".join(
            f'299 - "{w.replace(chr(34), chr(92) + chr(34))}"' for w in warnings
        )
    return Response(dumps(value), status_code=status, media_type=media_type, headers=headers)


def _error(exc: ApiError) -> Response:
    return _json(exc.status(), status=exc.code)


class _Handler:
    def __init__(self, ctx: ServerContext) -> None:
        self.ctx = ctx
        self.api = ctx.api
        self.lock = ctx.api.store.lock

    async def __call__(self, request: Request) -> Response:
        try:
            return await self.dispatch(request)
        except ApiError as exc:
            return _error(exc)
        except Exception as exc:  # an emulator bug must still answer as an API server would
            return _error(InternalError(f"Internal error occurred: {type(exc).__name__}: {exc}"))

    async def dispatch(self, request: Request) -> Response:
        parts = [p for p in request.url.path.split("/") if p]
        accept = request.headers.get("accept")
        static = self.static(parts, accept, request)
        if static is not None:
            return static
        path = parse_resource_path(self.api.kinds, parts)
        if path is None:
            raise NotFound("the server could not find the requested resource")
        method = request.method
        if method == "GET":
            return await self.get(request, path, accept)
        body = await self._body(request)
        options = WriteOptions.from_query(
            request.query_params.getlist("dryRun"),
            request.query_params.get("fieldValidation"),
            request.query_params.get("fieldManager"),
        )
        with self.lock:
            if method == "POST":
                return self.post(path, request, body, options)
            if method == "PUT":
                return self.put(path, body, options)
            if method == "PATCH":
                return self.patch(path, request, body, options)
            if method == "DELETE":
                return self.delete(path, request, body, options)
        raise MethodNotAllowed(
            f"the server does not allow this method on the requested resource ({method})"
        )

    # -- discovery and documents ----------------------------------------------------------

    def static(self, parts: list[str], accept: str | None, request: Request) -> Response | None:
        kinds = self.api.kinds
        if parts == ["version"]:
            return _json(discovery.version_info())
        if parts in (["healthz"], ["readyz"], ["livez"]):
            return Response(b"ok", media_type="text/plain")
        if parts == ["api"]:
            if discovery.wants_aggregated(accept):
                return _json(
                    discovery.aggregated_discovery(kinds, legacy=True),
                    media_type=discovery.AGGREGATED_MEDIA_TYPE,
                )
            return _json(discovery.api_versions(self.ctx.address))
        if parts == ["apis"]:
            if discovery.wants_aggregated(accept):
                return _json(
                    discovery.aggregated_discovery(kinds, legacy=False),
                    media_type=discovery.AGGREGATED_MEDIA_TYPE,
                )
            return _json(discovery.api_group_list(kinds))
        if len(parts) == 2 and parts[0] == "api":
            found = discovery.api_resource_list(kinds, "", parts[1])
            return _json(found) if found else None
        if len(parts) == 2 and parts[0] == "apis":
            group = discovery.api_group(kinds, parts[1])
            return _json(group) if group else None
        if len(parts) == 3 and parts[0] == "apis":
            found = discovery.api_resource_list(kinds, parts[1], parts[2])
            return _json(found) if found else None
        if parts == ["openapi", "v2"]:
            if accept and "protobuf" in accept and "json" not in accept:
                return Response(v2_protobuf(), media_type=V2_PROTOBUF_MEDIA_TYPE)
            return Response(self.ctx.openapi.v2_document(), media_type="application/json")
        if parts == ["openapi", "v3"]:
            return _json(self.ctx.openapi.v3_index())
        if parts[:2] == ["openapi", "v3"]:
            key = "/".join(parts[2:])
            doc = self.ctx.openapi.v3_document(key)
            if doc is None:
                raise NotFound(f"the openapi v3 document for {key} was not found")
            cache = "public, immutable" if request.query_params.get("hash") else "no-cache, private"
            return Response(
                doc,
                media_type="application/json",
                headers={"Cache-Control": cache, "Etag": f'"{self.ctx.openapi.v3_hash(key)}"'},
            )
        return None

    # -- reads ----------------------------------------------------------------------------

    async def get(self, request: Request, path: ResourcePath, accept: str | None) -> Response:
        query = request.query_params
        rk = path.rk
        if path.subresource == "log":
            return await read_logs(self.ctx, path.namespace or "", path.name, query)
        if path.subresource in ("exec", "attach", "portforward", "proxy"):
            raise BadRequest("Upgrade request required")
        wanted = negotiate(accept)
        if query.get("watch") in ("true", "1"):
            return await watch_response(self.ctx, path, query, wanted)
        with self.lock:
            if path.name:
                if path.subresource == "scale":
                    return _json(
                        self.ctx.subresources.get_scale(rk, path.namespace or "", path.name)
                    )
                obj = self.api.get(rk, path.namespace or "", path.name)
                return self.render_one(rk, obj, wanted, query.get("includeObject", "Metadata"))
            items = self.api.list(
                rk, path.namespace, query.get("labelSelector", ""), query.get("fieldSelector", "")
            )
            revision = str(self.api.store.revision)
            items, list_meta = _paginate(items, query.get("limit"), query.get("continue"), revision)
            if wanted.table:
                return _json(
                    build_table(
                        rk.kind,
                        items,
                        self.api.clock.now(),
                        include=_include(query.get("includeObject")),
                        table_version=wanted.table_version,
                        list_meta=list_meta,
                    )
                )
            return _json(
                {
                    "kind": f"{rk.kind}List",
                    "apiVersion": rk.api_version,
                    "metadata": list_meta,
                    "items": items,
                }
            )

    def render_one(self, rk: ResourceKind, obj: Obj, wanted: Wanted, include: str) -> Response:
        if wanted.table:
            return _json(
                build_table(
                    rk.kind,
                    [obj],
                    self.api.clock.now(),
                    include=_include(include),
                    table_version=wanted.table_version,
                    list_meta={"resourceVersion": obj["metadata"].get("resourceVersion", "")},
                )
            )
        return _json(obj)

    # -- writes ---------------------------------------------------------------------------

    async def _body(self, request: Request) -> Any:
        raw = await request.body()
        if len(raw) > self.ctx.max_body_bytes:
            raise RequestEntityTooLarge(
                f"Request entity too large: limit is {self.ctx.max_body_bytes}"
            )
        if not raw:
            return None
        content_type = request.headers.get("content-type", "application/json").split(";")[0]
        content_type = content_type.strip().lower()
        if request.method == "PATCH":
            if content_type not in PATCH_TYPES:
                raise UnsupportedMediaType(
                    f"the body of the request was in an unknown format - accepted media types "
                    f"include: {', '.join(sorted(PATCH_TYPES))}"
                )
        elif content_type == PROTOBUF_MEDIA_TYPE:
            try:
                return decode_object(raw)
            except ProtobufError as exc:
                raise BadRequest(f"the protobuf body could not be decoded: {exc}") from exc
        elif content_type not in ("application/json", "application/yaml", "*/*", ""):
            raise UnsupportedMediaType(
                f"the body of the request was in an unknown format - accepted media types "
                f"include: application/json, application/yaml, {PROTOBUF_MEDIA_TYPE} "
                f"(got {content_type})"
            )
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadRequest(f"the request body is not valid UTF-8: {exc}") from exc
        try:
            if content_type == "application/yaml":
                return yaml.safe_load(text)
            return json.loads(text)
        except (json.JSONDecodeError, yaml.YAMLError) as exc:
            raise BadRequest(f"couldn't get version/kind; json parse error: {exc}") from exc

    def post(
        self, path: ResourcePath, request: Request, body: Any, options: WriteOptions
    ) -> Response:
        namespace = path.namespace or ""
        if path.subresource == "eviction":
            return _json(self.ctx.subresources.evict(namespace, path.name, body, options), 201)
        if path.subresource == "binding":
            return _json(self.ctx.subresources.bind(namespace, path.name, body, options), 201)
        if path.name or path.subresource:
            raise MethodNotAllowed(
                "the server does not allow this method on the requested resource"
            )
        if body is None:
            raise BadRequest("Object 'Kind' is missing in ''")
        created = self.api.create(path.rk, namespace, body, options)
        return _json(created, 201, options.warnings)

    def put(self, path: ResourcePath, body: Any, options: WriteOptions) -> Response:
        if not path.name:
            raise MethodNotAllowed(
                "the server does not allow this method on the requested "
                "resource (a collection cannot be replaced)"
            )
        namespace = path.namespace or ""
        if path.subresource == "scale":
            return _json(
                self.ctx.subresources.update_scale(path.rk, namespace, path.name, body, options)
            )
        if path.subresource == "finalize":
            return _json(self.ctx.subresources.finalize_namespace(path.name, body, options))
        if body is None:
            raise BadRequest("Object 'Kind' is missing in ''")
        result = self.api.replace(path.rk, namespace, path.name, body, options, path.subresource)
        return _json(result, 200, options.warnings)

    def patch(
        self, path: ResourcePath, request: Request, body: Any, options: WriteOptions
    ) -> Response:
        if not path.name:
            raise MethodNotAllowed(
                "the server does not allow this method on the requested "
                "resource (a collection cannot be patched)"
            )
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        patch_type = PATCH_TYPES[content_type]
        if body is None:
            raise BadRequest("the patch is empty")
        namespace = path.namespace or ""
        if path.subresource == "scale":
            return _json(
                self.ctx.subresources.patch_scale(
                    path.rk, namespace, path.name, patch_type, body, options
                )
            )
        result = self.api.patch(
            path.rk, namespace, path.name, patch_type, body, options, path.subresource
        )
        return _json(result, 200, options.warnings)

    def delete(
        self, path: ResourcePath, request: Request, body: Any, options: WriteOptions
    ) -> Response:
        query = request.query_params
        delete_options: dict[str, Any] = dict(body) if isinstance(body, dict) else {}
        if "gracePeriodSeconds" in query:
            try:
                delete_options["gracePeriodSeconds"] = int(query["gracePeriodSeconds"])
            except ValueError as exc:
                raise BadRequest("gracePeriodSeconds must be an integer") from exc
        if "propagationPolicy" in query:
            delete_options["propagationPolicy"] = query["propagationPolicy"]
        if delete_options.get("dryRun"):
            options.dry_run = True
        if not path.name:
            doomed = self.api.delete_collection(
                path.rk,
                path.namespace,
                query.get("labelSelector", ""),
                query.get("fieldSelector", ""),
                delete_options,
                options,
            )
            return _json(
                {
                    "kind": f"{path.rk.kind}List",
                    "apiVersion": path.rk.api_version,
                    "metadata": {"resourceVersion": str(self.api.store.revision)},
                    "items": doomed,
                }
            )
        result = self.api.delete(path.rk, path.namespace or "", path.name, delete_options, options)
        still_there = (
            self.api.store.get(path.rk.resource, path.namespace or "", path.name) is not None
            and not options.dry_run
        )
        return _json(result, 202 if still_there else 200)


def _include(value: str | None) -> str:
    if value in (None, "", "Metadata"):
        return "Metadata"
    if value in ("Object", "None"):
        return value
    raise BadRequest(
        f"Unable to convert to Table as requested: includeObject={value!r} is not "
        "one of None, Metadata, Object"
    )


def _paginate(
    items: list[Obj], limit_text: str | None, token: str | None, revision: str
) -> tuple[list[Obj], dict[str, Any]]:
    start = 0
    if token:
        try:
            decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
            after = (decoded["ns"], decoded["name"])
        except (ValueError, KeyError, TypeError) as exc:
            raise BadRequest("continue key is not valid: illegal base64 data") from exc
        while (
            start < len(items)
            and (items[start]["metadata"].get("namespace", ""), items[start]["metadata"]["name"])
            <= after
        ):
            start += 1
    meta: dict[str, Any] = {"resourceVersion": revision}
    try:
        limit = int(limit_text) if limit_text else 0
    except ValueError as exc:
        raise BadRequest(f"limit must be an integer, got {limit_text!r}") from exc
    if limit <= 0 or start + limit >= len(items):
        return items[start:], meta
    page = items[start : start + limit]
    last = page[-1]["metadata"]
    meta["continue"] = base64.urlsafe_b64encode(
        dumps({"ns": last.get("namespace", ""), "name": last["name"], "rv": revision})
    ).decode()
    meta["remainingItemCount"] = len(items) - start - limit
    return page, meta


def build_app(ctx: ServerContext) -> Starlette:
    handler = _Handler(ctx)

    async def endpoint(request: Request) -> Response:
        return await handler(request)

    async def execute(websocket: WebSocket) -> None:
        await exec_endpoint(websocket, ctx)

    return Starlette(
        routes=[
            WebSocketRoute("/api/v1/namespaces/{namespace}/pods/{pod}/exec", execute),
            Route("/{path:path}", endpoint, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
        ]
    )
