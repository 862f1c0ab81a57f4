"""The kernel's own Kubernetes REST client: objects by reference, kinds resolved through the
server's discovery documents, every failure mapped to ``stratus.kube.errors``.

It speaks only the public API (through the official client's transport), so it works the same
against a real cluster and the emulated one.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import urllib3
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from stratus.kube.errors import (
    KubeconfigError,
    NotFound,
    UnknownKind,
    Unreachable,
    api_error,
)
from stratus.kube.objects import Obj
from stratus.kube.refs import ObjectRef

__all__ = ["DEFAULT_TIMEOUT", "KubeClient", "PatchType", "Propagation", "Resource"]

PatchType = Literal["strategic", "merge", "json"]
Propagation = Literal["Background", "Foreground", "Orphan"]

DEFAULT_TIMEOUT = (5.0, 30.0)  # seconds to connect, seconds to read an answer
_CONTENT_TYPES: dict[str, str] = {
    "strategic": "application/strategic-merge-patch+json",
    "merge": "application/merge-patch+json",
    "json": "application/json-patch+json",
}


@dataclass(frozen=True)
class Resource:
    """A kind as discovery serves it: its REST plural and whether it lives in namespaces."""

    api_version: str
    kind: str
    plural: str
    namespaced: bool

    def path(self, namespace: str = "", name: str = "") -> str:
        """The collection path (``namespace`` empty: across namespaces) or an object's."""
        base = (
            f"/api/{self.api_version}"
            if "/" not in self.api_version
            else (f"/apis/{self.api_version}")
        )
        if self.namespaced and namespace:
            base += f"/namespaces/{quote(namespace, safe='')}"
        path = f"{base}/{self.plural}"
        return f"{path}/{quote(name, safe='')}" if name else path


class KubeClient:
    """One cluster. ``timeout`` is (connect, read) seconds for every request; a request that
    cannot reach the server raises ``Unreachable``."""

    def __init__(
        self,
        api: k8s.ApiClient,
        *,
        context: str = "",
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    ) -> None:
        self._api = api
        self.context = context
        self.timeout = timeout
        self._kinds: dict[str, dict[str, Resource]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_kubeconfig(
        cls,
        path: Path | str | None = None,
        context: str | None = None,
        *,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    ) -> KubeClient:
        """The cluster of ``context`` (default: the current one) in the kubeconfig at ``path``
        (default: ``$KUBECONFIG`` or ``~/.kube/config``). The file is never written back."""
        file = str(path) if path is not None else None
        try:
            contexts, active = k8s_config.list_kube_config_contexts(file)  # type: ignore[no-untyped-call]
            name = context or str((active or {}).get("name", ""))
            if context and not any(c.get("name") == context for c in contexts or []):
                raise KubeconfigError(f"kubeconfig {file or '(default)'} has no context {context}")
            configuration = k8s.Configuration()
            k8s_config.load_kube_config(  # type: ignore[no-untyped-call]
                config_file=file,
                context=context,
                client_configuration=configuration,
                persist_config=False,
            )
        except (k8s_config.ConfigException, OSError, ValueError) as exc:
            raise KubeconfigError(f"cannot load kubeconfig {file or '(default)'}: {exc}") from exc
        # Retry only connecting (nothing was sent yet); never replay a request.
        configuration.retries = urllib3.Retry(
            total=2, connect=2, read=0, redirect=0, status=0, other=0, backoff_factor=0.1
        )
        return cls(k8s.ApiClient(configuration), context=name, timeout=timeout)

    @property
    def server(self) -> str:
        return str(self._api.configuration.host)

    # -- discovery --------------------------------------------------------------------

    def resource(self, api_version: str, kind: str) -> Resource:
        """How ``apiVersion``/``kind`` is served; one discovery request per group version."""
        with self._lock:
            known = self._kinds.get(api_version)
        if known is None:
            path = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
            try:
                listing = self._call("GET", path)
            except NotFound as exc:
                raise UnknownKind(f"the server does not serve apiVersion {api_version}") from exc
            known = {
                str(r["kind"]): Resource(
                    api_version, str(r["kind"]), str(r["name"]), bool(r.get("namespaced"))
                )
                for r in (listing or {}).get("resources") or []
                if "/" not in str(r.get("name", ""))
            }
            with self._lock:
                self._kinds[api_version] = known
        found = known.get(kind)
        if found is None:
            raise UnknownKind(f"the server does not serve kind {kind} in {api_version}")
        return found

    def server_version(self) -> dict[str, str]:
        result: dict[str, str] = self._call("GET", "/version")
        return result

    # -- objects ----------------------------------------------------------------------

    def get(self, ref: ObjectRef) -> Obj | None:
        """The object as the server has it now, or None if it does not exist."""
        try:
            return self._object("GET", self._path(ref))
        except NotFound:
            return None

    def create(self, obj: Mapping[str, Any]) -> Obj:
        ref = ObjectRef.of(obj)
        return self._object("POST", self._path(ref, with_name=False), obj)

    def replace(self, obj: Mapping[str, Any]) -> Obj:
        """Replace the object with ``obj``. A ``metadata.resourceVersion`` in ``obj`` is a
        precondition (``Conflict`` if the object changed since); without one the current
        version is read and overwritten."""
        ref = ObjectRef.of(obj)
        meta = dict(obj.get("metadata") or {})
        if not meta.get("resourceVersion"):
            current = self.get(ref)
            if current is None:
                raise NotFound(f"{ref} not found")
            meta["resourceVersion"] = current["metadata"]["resourceVersion"]
        return self._object("PUT", self._path(ref), {**obj, "metadata": meta})

    def patch(self, ref: ObjectRef, body: Any, type: PatchType = "strategic") -> Obj:
        return self._object("PATCH", self._path(ref), body, _CONTENT_TYPES[type])

    def delete(
        self,
        ref: ObjectRef,
        *,
        propagation: Propagation = "Background",
        grace_seconds: int | None = None,
    ) -> None:
        """Ask the server to delete the object (``NotFound`` if it does not exist). Objects
        with finalizers, or deleted with a grace period, stay until those complete."""
        options: dict[str, Any] = {
            "kind": "DeleteOptions",
            "apiVersion": "v1",
            "propagationPolicy": propagation,
        }
        if grace_seconds is not None:
            options["gracePeriodSeconds"] = grace_seconds
        self._call("DELETE", self._path(ref), options)

    def list(
        self,
        api_version: str,
        kind: str,
        namespace: str = "",
        selector: str = "",
    ) -> list[Obj]:
        """Objects of a kind, in ``namespace`` (empty: all namespaces), matching the label
        ``selector``; each item carries its ``apiVersion`` and ``kind``."""
        resource = self.resource(api_version, kind)
        query = [("labelSelector", selector)] if selector else []
        listing = self._call("GET", resource.path(namespace), query=query) or {}
        return [
            {"apiVersion": api_version, "kind": kind, **item} for item in listing.get("items") or []
        ]

    # -- transport --------------------------------------------------------------------

    def _path(self, ref: ObjectRef, *, with_name: bool = True) -> str:
        resource = self.resource(ref.api_version, ref.kind)
        if resource.namespaced and not ref.namespace:
            raise ValueError(f"{ref}: {ref.kind} is namespaced; the reference names no namespace")
        return resource.path(ref.namespace, ref.name if with_name else "")

    def _object(self, method: str, path: str, body: Any = None, content_type: str = "") -> Obj:
        result: Obj = self._call(method, path, body, content_type=content_type)
        return result

    def _call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        content_type: str = "",
        query: Sequence[tuple[str, str]] = (),
    ) -> Any:
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = content_type or "application/json"
        try:
            method, url, headers, payload, _ = self._api.param_serialize(
                method,
                path,
                query_params=list(query),
                header_params=headers,
                body=body,
                auth_settings=["BearerToken"],
            )
            response = self._api.call_api(
                method, url, header_params=headers, body=payload, _request_timeout=self.timeout
            )
            response.read()  # type: ignore[no-untyped-call]
        except urllib3.exceptions.HTTPError as exc:
            raise Unreachable(f"cannot reach the API server at {self.server}: {exc}") from exc
        except k8s.ApiException as exc:
            if not exc.status:  # TLS and other failures before any answer
                raise Unreachable(
                    f"cannot reach the API server at {self.server}: {exc.reason}"
                ) from exc
            raise api_error(exc.status, exc.body, str(exc.reason)) from exc
        if response.status >= 400:
            raise api_error(response.status, response.data, str(response.reason))
        return json.loads(response.data) if response.data else None

    def close(self) -> None:
        self._api.close()  # type: ignore[no-untyped-call]

    def __enter__(self) -> KubeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
