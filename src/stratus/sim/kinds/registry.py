"""The served kinds: REST names, scope and verbs, derived from the type definitions."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from stratus.sim.kinds.schema import KindDecl, Schema, TypeDef, load_schema

__all__ = ["Kinds", "ResourceKind", "default_kinds"]

_STANDARD_VERBS = (
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
)
_GENERATION_GROUPS = frozenset({"apps", "batch", "autoscaling", "policy", "networking.k8s.io"})


@dataclass(frozen=True)
class ResourceKind:
    """One served resource, e.g. ``deployments`` in ``apps/v1``."""

    decl: KindDecl
    type_name: str

    @property
    def group(self) -> str:
        return self.decl.group

    @property
    def version(self) -> str:
        return self.decl.version

    @property
    def api_version(self) -> str:
        return self.decl.api_version

    @property
    def kind(self) -> str:
        return self.decl.kind

    @property
    def plural(self) -> str:
        return self.decl.plural

    @property
    def singular(self) -> str:
        return self.decl.kind.lower()

    @property
    def namespaced(self) -> bool:
        return self.decl.namespaced

    @property
    def resource(self) -> str:
        """The group-qualified plural, e.g. ``deployments.apps`` or ``pods``: the store's key."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def qualified_kind(self) -> str:
        """``Deployment.apps`` or ``Pod``, as the API server names a kind in messages."""
        return f"{self.kind}.{self.group}" if self.group else self.kind

    @property
    def subresources(self) -> tuple[str, ...]:
        return self.decl.subresources

    @property
    def has_status(self) -> bool:
        return "status" in self.decl.subresources

    @property
    def tracks_generation(self) -> bool:
        """Whether the server keeps ``metadata.generation`` (bumped on spec changes)."""
        return self.group in _GENERATION_GROUPS

    @property
    def verbs(self) -> tuple[str, ...]:
        return _STANDARD_VERBS


class Kinds:
    """Lookup of served kinds by REST path and by apiVersion/kind."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self._by_path: dict[tuple[str, str, str], ResourceKind] = {}
        self._by_gvk: dict[tuple[str, str], ResourceKind] = {}
        self._by_resource: dict[str, ResourceKind] = {}
        self.virtual: dict[tuple[str, str], TypeDef] = {}
        for typedef in schema.kinds():
            decl = typedef.kind
            assert decl is not None
            if decl.virtual:
                self.virtual[(decl.api_version, decl.kind)] = typedef
                continue
            rk = ResourceKind(decl=decl, type_name=typedef.name)
            self._by_path[(decl.group, decl.version, decl.plural)] = rk
            self._by_gvk[(decl.api_version, decl.kind)] = rk
            self._by_resource[rk.resource] = rk

    def all(self) -> list[ResourceKind]:
        return list(self._by_path.values())

    def by_path(self, group: str, version: str, plural: str) -> ResourceKind | None:
        return self._by_path.get((group, version, plural))

    def by_gvk(self, api_version: str, kind: str) -> ResourceKind | None:
        return self._by_gvk.get((api_version, kind))

    def by_resource(self, resource: str) -> ResourceKind:
        """By the store key (``deployments.apps``); a KeyError names an unknown resource."""
        return self._by_resource[resource]

    def lookup(self, name: str) -> ResourceKind | None:
        """A kind by what a user types: ``deploy``, ``deployments``, ``Deployment``,
        ``deployment.apps`` or ``deployments.apps`` (core and apps win name clashes)."""
        wanted = name.lower()
        base, _, group = wanted.partition(".")
        for rk in sorted(self.all(), key=lambda r: (r.group not in ("", "apps"), r.group)):
            if group and rk.group != group:
                continue
            names = {rk.plural, rk.singular, rk.kind.lower(), *rk.decl.short_names}
            if base in names:
                return rk
        return None

    def generation_resources(self) -> frozenset[str]:
        return frozenset(rk.resource for rk in self.all() if rk.tracks_generation)

    def type_of(self, rk: ResourceKind) -> TypeDef:
        return self.schema.get(rk.type_name)

    def group_versions(self) -> dict[str, list[str]]:
        """Each group's served versions, the core group as ``""``."""
        groups: dict[str, list[str]] = {}
        for rk in self.all():
            versions = groups.setdefault(rk.group, [])
            if rk.version not in versions:
                versions.append(rk.version)
        for typedef in self.virtual.values():
            assert typedef.kind is not None
            versions = groups.setdefault(typedef.kind.group, [])
            if typedef.kind.version not in versions:
                versions.append(typedef.kind.version)
        return groups


@cache
def default_kinds() -> Kinds:
    """The kinds defined by the shipped type files (parsed once per process)."""
    return Kinds(load_schema())
