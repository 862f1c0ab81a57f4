"""``pods/log``: a container's output, with kubectl's options and the kubelet's refusals."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from starlette.datastructures import QueryParams
from starlette.responses import Response, StreamingResponse

from stratus.sim.clock import format_timestamp
from stratus.sim.errors import BadRequest
from stratus.sim.runtime import LogLine
from stratus.sim.server.context import ServerContext
from stratus.sim.store import Obj

__all__ = ["read_logs"]

_WAITING_TEXT = {
    "ImagePullBackOff": "trying and failing to pull image",
    "ErrImagePull": "image can't be pulled",
}


def _choose_container(pod: Obj, requested: str | None) -> str:
    spec = pod.get("spec") or {}
    names = [c["name"] for c in spec.get("containers") or []]
    init_names = [c["name"] for c in spec.get("initContainers") or []]
    name = pod["metadata"]["name"]
    if requested:
        if requested not in names and requested not in init_names:
            raise BadRequest(f"container {requested} is not valid for pod {name}")
        return requested
    if len(names) == 1:
        return str(names[0])
    message = (
        f"a container name must be specified for pod {name}, choose one of: [{' '.join(names)}]"
    )
    if init_names:
        message += f" or one of the init containers: [{' '.join(init_names)}]"
    raise BadRequest(message)


def _format(lines: list[LogLine], timestamps: bool) -> bytes:
    if timestamps:
        return "".join(
            f"{format_timestamp(line.time)[:-1]}.000000000Z {line.text}\n" for line in lines
        ).encode()
    return "".join(f"{line.text}\n" for line in lines).encode()


def _int(query: QueryParams, key: str) -> int | None:
    value = query.get(key)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise BadRequest(f"{key}: Invalid value: {value!r}: must be an integer") from exc


async def read_logs(ctx: ServerContext, namespace: str, name: str, query: QueryParams) -> Response:
    api = ctx.api
    with api.store.lock:
        pod = api.get(api.kind("pods"), namespace, name)
        container = _choose_container(pod, query.get("container"))
        previous = query.get("previous") in ("true", "1")
        uid = pod["metadata"]["uid"]
        lines = ctx.logs.read(uid, container, previous)
        if lines is None:
            if previous:
                raise BadRequest(
                    f'previous terminated container "{container}" in pod "{name}" not found'
                )
            status = pod.get("status") or {}
            reason = "ContainerCreating"
            for cs in (status.get("containerStatuses") or []) + (
                status.get("initContainerStatuses") or []
            ):
                if cs.get("name") == container:
                    waiting = (cs.get("state") or {}).get("waiting") or {}
                    reason = waiting.get("reason", reason)
            raise BadRequest(
                f'container "{container}" in pod "{name}" is waiting to start: '
                f"{_WAITING_TEXT.get(reason, reason)}"
            )
        since_seconds = _int(query, "sinceSeconds")
        if since_seconds is not None:
            horizon = api.clock.now() - since_seconds
            lines = [line for line in lines if line.time >= horizon]
        tail = _int(query, "tailLines")
        if tail is not None and tail >= 0:
            lines = lines[-tail:] if tail else []
        timestamps = query.get("timestamps") in ("true", "1")
        body = _format(lines, timestamps)
        limit = _int(query, "limitBytes")
        if limit is not None and limit > 0:
            body = body[:limit]
        seen = ctx.logs.instances(uid, container), len(ctx.logs.read(uid, container) or [])
    if query.get("follow") not in ("true", "1") or previous:
        return Response(body, media_type="text/plain")

    async def follow() -> AsyncIterator[bytes]:
        yield body
        instances, count = seen
        while True:
            await asyncio.sleep(0.2)
            with api.store.lock:
                if api.store.get("pods", namespace, name) is None:
                    return
                if ctx.logs.instances(uid, container) != instances:
                    return
                current = ctx.logs.read(uid, container) or []
            if len(current) > count:
                yield _format(current[count:], timestamps)
                count = len(current)

    return StreamingResponse(follow(), media_type="text/plain")
