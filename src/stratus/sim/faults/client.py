"""How fault steps reach a cluster: the operations they need, over the in-process API of an
emulated cloud (an HTTP client for a served one lives in ``http``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from stratus.sim.api import ApiService, WriteOptions
from stratus.sim.errors import AlreadyExists, NotFound
from stratus.sim.kinds import ResourceKind
from stratus.sim.store import Obj, clone
from stratus.sim.traffic.shell import Shell

__all__ = ["ClusterClient", "InProcessClient"]


class ClusterClient(Protocol):
    def kind(self, name: str) -> ResourceKind: ...

    def get(self, rk: ResourceKind, namespace: str, name: str) -> Obj | None: ...

    def find(self, rk: ResourceKind, namespace: str, selector: str = "") -> list[Obj]: ...

    def create(self, rk: ResourceKind, namespace: str, obj: Obj) -> Obj: ...

    def replace(self, rk: ResourceKind, namespace: str, obj: Obj) -> Obj: ...

    def patch(
        self,
        rk: ResourceKind,
        namespace: str,
        name: str,
        patch_type: str,
        body: Any,
        subresource: str = "",
    ) -> Obj: ...

    def delete(
        self, rk: ResourceKind, namespace: str, name: str, options: dict[str, Any] | None = None
    ) -> None: ...

    def exec(
        self, namespace: str, pod: str, container: str, command: list[str], stdin: str = ""
    ) -> tuple[int, str, str]: ...

    def wait(self, seconds: float) -> None: ...


class InProcessClient:
    """Fault steps applied through the API service of an in-process cloud."""

    def __init__(
        self,
        api: ApiService,
        shell: Shell,
        advance: Callable[[float], None],
        settle_writes: Callable[[], object],
    ) -> None:
        self.api = api
        self.shell = shell
        self._advance = advance
        self._settle = settle_writes

    def kind(self, name: str) -> ResourceKind:
        rk = self.api.kinds.lookup(name)
        if rk is None:
            raise NotFound(f'the server doesn\'t have a resource type "{name}"')
        return rk

    def get(self, rk: ResourceKind, namespace: str, name: str) -> Obj | None:
        return self.api.store.get(rk.resource, namespace if rk.namespaced else "", name)

    def find(self, rk: ResourceKind, namespace: str, selector: str = "") -> list[Obj]:
        return self.api.list(rk, namespace if rk.namespaced else None, selector)

    def create(self, rk: ResourceKind, namespace: str, obj: Obj) -> Obj:
        with self.api.store.lock:
            created = self.api.create(rk, namespace, clone(obj), WriteOptions())
            self._settle()
            return created

    def replace(self, rk: ResourceKind, namespace: str, obj: Obj) -> Obj:
        with self.api.store.lock:
            try:
                return self.api.replace(rk, namespace, obj["metadata"]["name"], clone(obj))
            except NotFound:
                return self.create(rk, namespace, obj)
            finally:
                self._settle()

    def patch(
        self,
        rk: ResourceKind,
        namespace: str,
        name: str,
        patch_type: str,
        body: Any,
        subresource: str = "",
    ) -> Obj:
        with self.api.store.lock:
            if subresource == "scale":
                result = self.api.subresources.patch_scale(
                    rk, namespace, name, patch_type, body, WriteOptions()
                )
            else:
                result = self.api.patch(
                    rk, namespace, name, patch_type, body, WriteOptions(), subresource
                )
            self._settle()
            return result

    def delete(
        self, rk: ResourceKind, namespace: str, name: str, options: dict[str, Any] | None = None
    ) -> None:
        with self.api.store.lock:
            self.api.delete(rk, namespace if rk.namespaced else "", name, options or {})
            self._settle()

    def exec(
        self, namespace: str, pod: str, container: str, command: list[str], stdin: str = ""
    ) -> tuple[int, str, str]:
        with self.api.store.lock:
            result = self.shell.run(namespace, pod, container, command, stdin)
            self._settle()
            return result.code, result.stdout, result.stderr

    def wait(self, seconds: float) -> None:
        self._advance(seconds)


def create_if_absent(client: ClusterClient, rk: ResourceKind, namespace: str, obj: Obj) -> bool:
    try:
        client.create(rk, namespace, obj)
    except AlreadyExists:
        return False
    return True
