"""Watch streams: newline-delimited JSON events over a chunked HTTP response."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.datastructures import QueryParams
from starlette.responses import Response, StreamingResponse

from stratus.sim.api.fieldsel import supported_fields
from stratus.sim.errors import ApiError, BadRequest
from stratus.sim.server.context import ServerContext
from stratus.sim.server.negotiation import Wanted
from stratus.sim.server.routing import ResourcePath
from stratus.sim.server.tables import build_table
from stratus.sim.store import Obj, parse_field_selector, parse_label_selector

__all__ = ["watch_response"]

_DEFAULT_TIMEOUT = 1800.0
_INITIAL_EVENTS_END = "k8s.io/initial-events-end"


def _encode(event: dict[str, Any]) -> bytes:
    return json.dumps(event, separators=(",", ":")).encode() + b"\n"


async def watch_response(
    ctx: ServerContext, path: ResourcePath, query: QueryParams, wanted: Wanted
) -> Response:
    api = ctx.api
    rk = path.rk
    labels = parse_label_selector(query.get("labelSelector", ""))
    field_text = query.get("fieldSelector", "")
    if path.name:
        field_text = ",".join(filter(None, [field_text, f"metadata.name={path.name}"]))
    fields = parse_field_selector(field_text, supported_fields(rk.resource))
    rv_text = query.get("resourceVersion", "")
    send_initial = query.get("sendInitialEvents") == "true"
    bookmarks = query.get("allowWatchBookmarks") in ("true", "1")
    try:
        timeout = float(query.get("timeoutSeconds") or _DEFAULT_TIMEOUT)
    except ValueError as exc:
        raise BadRequest("timeoutSeconds must be a number") from exc
    if send_initial and query.get("resourceVersionMatch") not in ("NotOlderThan", None):
        raise BadRequest("sendInitialEvents requires resourceVersionMatch=NotOlderThan")
    loop = asyncio.get_running_loop()
    wake = asyncio.Event()

    def notify() -> None:
        loop.call_soon_threadsafe(wake.set)

    namespace = path.namespace if rk.namespaced else None
    initial: list[Obj] = []
    with api.store.lock:
        synthetic = rv_text in ("", "0") or send_initial
        if synthetic:
            since = api.store.revision
            initial = api.store.list(rk.resource, namespace, labels, fields)
        else:
            try:
                since = int(rv_text)
            except ValueError as exc:
                raise BadRequest(
                    f"resourceVersion: Invalid value: {rv_text!r}: must be an integer"
                ) from exc
        watcher = api.store.watch(rk.resource, namespace, labels, fields, since, notify)
        start_revision = since

    state = {"headers": True}

    def frame(kind: str, obj: Obj) -> bytes:
        if wanted.table and kind in ("ADDED", "MODIFIED", "DELETED"):
            table = build_table(
                rk.kind,
                [obj],
                api.clock.now(),
                include=query.get("includeObject") or "Metadata",
                table_version=wanted.table_version,
                headers=state["headers"],
                list_meta={"resourceVersion": obj["metadata"].get("resourceVersion", "")},
            )
            state["headers"] = False
            return _encode({"type": kind, "object": table})
        return _encode({"type": kind, "object": obj})

    async def stream() -> AsyncIterator[bytes]:
        deadline = time.monotonic() + timeout
        try:
            for obj in initial:
                yield frame("ADDED", obj)
            if send_initial and bookmarks:
                yield _encode(
                    {
                        "type": "BOOKMARK",
                        "object": {
                            "kind": rk.kind,
                            "apiVersion": rk.api_version,
                            "metadata": {
                                "resourceVersion": str(start_revision),
                                "annotations": {_INITIAL_EVENTS_END: "true"},
                            },
                        },
                    }
                )
            while not watcher.closed:
                with api.store.lock:
                    events = watcher.drain()
                for kind, obj in events:
                    yield frame(kind, obj)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                try:
                    await asyncio.wait_for(wake.wait(), timeout=min(remaining, 5.0))
                except TimeoutError:
                    continue
                wake.clear()
        except ApiError as exc:
            yield _encode({"type": "ERROR", "object": exc.status()})
        finally:
            api.store.stop_watch(watcher)

    return StreamingResponse(stream(), media_type="application/json")
