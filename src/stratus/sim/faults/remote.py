"""Fault steps applied to a served cluster over the Kubernetes REST API, with the official
Python client: how ``stratus sim fault inject`` reaches a running ``stratus sim up`` (or any
cluster the kubeconfig names)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.stream import stream

from stratus.sim.errors import AlreadyExists, ApiError, BadRequest, Conflict, NotFound
from stratus.sim.kinds import Kinds, ResourceKind, default_kinds
from stratus.sim.store import Obj

__all__ = ["RemoteClient"]

_PATCH_TYPES = {
    "json": "application/json-patch+json",
    "merge": "application/merge-patch+json",
    "strategic": "application/strategic-merge-patch+json",
}
_BY_STATUS: dict[int, type[ApiError]] = {400: BadRequest, 404: NotFound, 409: Conflict}


class RemoteClient:
    """The cluster of a kubeconfig. ``wait`` sleeps for real (scaled by ``speed`` when the
    cluster is an emulated one running faster than the wall clock)."""

    def __init__(
        self,
        kubeconfig: Path,
        *,
        kinds: Kinds | None = None,
        speed: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._api = k8s_config.new_client_from_config(  # type: ignore[no-untyped-call]
            config_file=str(kubeconfig)
        )
        self._core = k8s.CoreV1Api(self._api)
        self._kinds = kinds or default_kinds()
        self._speed = speed
        self._sleep = sleep

    def kind(self, name: str) -> ResourceKind:
        rk = self._kinds.lookup(name)
        if rk is None:
            raise NotFound(f'the server doesn\'t have a resource type "{name}"')
        return rk

    def _path(self, rk: ResourceKind, namespace: str, name: str = "", sub: str = "") -> str:
        base = f"/apis/{rk.group}/{rk.version}" if rk.group else f"/api/{rk.version}"
        if rk.namespaced:
            base += f"/namespaces/{namespace}"
        path = f"{base}/{rk.plural}"
        if name:
            path += f"/{name}"
        if sub:
            path += f"/{sub}"
        return path

    def _call(
        self,
        method: str,
        path: str,
        body: Any = None,
        content_type: str = "",
        query: list[tuple[str, str]] | None = None,
    ) -> Any:
        headers = {"Accept": "application/json"}
        if content_type or body is not None:
            headers["Content-Type"] = content_type or "application/json"
        try:
            method, url, headers, body, _ = self._api.param_serialize(
                method,
                path,
                query_params=query or [],
                header_params=headers,
                body=body,
                auth_settings=["BearerToken"],
            )
            response = self._api.call_api(method, url, header_params=headers, body=body)
            response.read()
        except k8s.ApiException as exc:
            raise _error(exc.status, exc.body, exc.reason) from exc
        if response.status >= 400:
            raise _error(response.status, response.data, response.reason)
        return json.loads(response.data) if response.data else None

    def get(self, rk: ResourceKind, namespace: str, name: str) -> Obj | None:
        try:
            result: Obj = self._call("GET", self._path(rk, namespace, name))
        except NotFound:
            return None
        return result

    def find(self, rk: ResourceKind, namespace: str, selector: str = "") -> list[Obj]:
        query = [("labelSelector", selector)] if selector else []
        body = self._call("GET", self._path(rk, namespace), query=query)
        items: list[Obj] = body.get("items") or []
        return items

    def create(self, rk: ResourceKind, namespace: str, obj: Obj) -> Obj:
        result: Obj = self._call("POST", self._path(rk, namespace), obj)
        return result

    def replace(self, rk: ResourceKind, namespace: str, obj: Obj) -> Obj:
        current = self.get(rk, namespace, obj["metadata"]["name"])
        if current is None:
            return self.create(rk, namespace, obj)
        updated = {
            **obj,
            "metadata": {
                **obj["metadata"],
                "resourceVersion": current["metadata"]["resourceVersion"],
            },
        }
        result: Obj = self._call("PUT", self._path(rk, namespace, obj["metadata"]["name"]), updated)
        return result

    def patch(
        self,
        rk: ResourceKind,
        namespace: str,
        name: str,
        patch_type: str,
        body: Any,
        subresource: str = "",
    ) -> Obj:
        result: Obj = self._call(
            "PATCH", self._path(rk, namespace, name, subresource), body, _PATCH_TYPES[patch_type]
        )
        return result

    def delete(
        self, rk: ResourceKind, namespace: str, name: str, options: dict[str, Any] | None = None
    ) -> None:
        self._call("DELETE", self._path(rk, namespace, name), options or None)

    def exec(
        self, namespace: str, pod: str, container: str, command: list[str], stdin: str = ""
    ) -> tuple[int, str, str]:
        kwargs: dict[str, Any] = {
            "command": command,
            "stderr": True,
            "stdout": True,
            "stdin": bool(stdin),
            "tty": False,
            "_preload_content": False,
        }
        if container:
            kwargs["container"] = container
        try:
            session = stream(self._core.connect_get_namespaced_pod_exec, pod, namespace, **kwargs)
        except k8s.ApiException as exc:
            raise _error(exc.status, exc.body, exc.reason) from exc
        try:
            if stdin:
                session.write_stdin(stdin)
            session.run_forever(timeout=60)
            out, err = session.read_stdout() or "", session.read_stderr() or ""
            code = session.returncode
        finally:
            session.close()
            # A socket the server already closed is not shut down by close(); do it here.
            if session.sock is not None:
                session.sock.shutdown()
        return (code if code is not None else 0), out, err

    def wait(self, seconds: float) -> None:
        self._sleep(seconds / self._speed)

    def close(self) -> None:
        self._api.close()

    def __enter__(self) -> RemoteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _error(status: int | None, body: Any, reason: str | None) -> ApiError:
    try:
        message = json.loads(body or "{}").get("message") or str(reason)
    except (ValueError, AttributeError):
        message = str(reason)
    code = int(status or 500)
    if code == 409 and "already exists" in message:
        return AlreadyExists(message)
    error = _BY_STATUS.get(code, ApiError)(message)
    error.code = code
    return error
