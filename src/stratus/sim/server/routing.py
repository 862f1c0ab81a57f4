"""Parsing resource URLs: ``/api/v1/namespaces/ns/pods/name/log`` and friends."""

from __future__ import annotations

from dataclasses import dataclass

from stratus.sim.errors import NotFound
from stratus.sim.kinds import Kinds, ResourceKind

__all__ = ["ResourcePath", "parse_resource_path"]


@dataclass(frozen=True)
class ResourcePath:
    rk: ResourceKind
    namespace: str | None  # None: across all namespaces (or a cluster-scoped kind)
    name: str
    subresource: str


def _not_found() -> NotFound:
    return NotFound("the server could not find the requested resource")


def parse_resource_path(kinds: Kinds, parts: list[str]) -> ResourcePath | None:
    """``parts`` are the URL segments; returns None for non-resource paths (discovery)."""
    if parts[:1] == ["api"] and len(parts) >= 3:
        group, version, rest = "", parts[1], parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 4:
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    namespace: str | None = None
    if (
        rest[0] == "namespaces"
        and len(rest) >= 3
        and not (len(rest) == 3 and group == "" and rest[2] in ("status", "finalize"))
    ):
        namespace, rest = rest[1], rest[2:]
    plural, name, sub = rest[0], rest[1] if len(rest) > 1 else "", rest[2] if len(rest) > 2 else ""
    if len(rest) > 3:
        raise _not_found()
    rk = kinds.by_path(group, version, plural)
    if rk is None:
        raise _not_found()
    if namespace is not None and not rk.namespaced:
        raise _not_found()
    if sub and sub not in rk.subresources:
        raise _not_found()
    return ResourcePath(rk, namespace, name, sub)
