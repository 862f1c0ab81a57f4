"""Discovery documents: ``/version``, ``/api``, ``/apis``, group-version resource lists, and the
aggregated (apidiscovery.k8s.io/v2) form modern kubectl asks for first."""

from __future__ import annotations

from typing import Any

from stratus.sim.kinds import Kinds, ResourceKind

__all__ = [
    "AGGREGATED_MEDIA_TYPE",
    "SERVER_VERSION",
    "aggregated_discovery",
    "api_group",
    "api_group_list",
    "api_resource_list",
    "api_versions",
    "version_info",
    "wants_aggregated",
]

SERVER_VERSION = (1, 34, 0)
AGGREGATED_MEDIA_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

# subresource: (kind override as group, version, kind; verbs); None keeps the parent's kind
_SUBRESOURCES: dict[str, tuple[tuple[str, str, str] | None, list[str]]] = {
    "status": (None, ["get", "patch", "update"]),
    "scale": (("autoscaling", "v1", "Scale"), ["get", "patch", "update"]),
    "log": (None, ["get"]),
    "eviction": (("policy", "v1", "Eviction"), ["create"]),
    "binding": (("", "v1", "Binding"), ["create"]),
    "exec": (("", "v1", "PodExecOptions"), ["create", "get"]),
    "attach": (("", "v1", "PodAttachOptions"), ["create", "get"]),
    "portforward": (("", "v1", "PodPortForwardOptions"), ["create", "get"]),
    "proxy": (("", "v1", "PodProxyOptions"), ["create", "delete", "get", "patch", "update"]),
    "ephemeralcontainers": (None, ["get", "patch", "update"]),
    "resize": (None, ["get", "patch", "update"]),
    "finalize": (None, ["update"]),
    "token": (("authentication.k8s.io", "v1", "TokenRequest"), ["create"]),
}

_PREFERRED_ORDER = [
    "",
    "apps",
    "batch",
    "autoscaling",
    "policy",
    "networking.k8s.io",
    "discovery.k8s.io",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
]


def version_info() -> dict[str, str]:
    major, minor, patch = SERVER_VERSION
    return {
        "major": str(major),
        "minor": str(minor),
        "emulationMajor": str(major),
        "emulationMinor": str(minor),
        "minCompatibilityMajor": str(major),
        "minCompatibilityMinor": str(minor - 1),
        "gitVersion": f"v{major}.{minor}.{patch}+stratus",
        "gitCommit": "0" * 40,
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "go1.24.0",
        "compiler": "gc",
        "platform": "linux/amd64",
    }


def wants_aggregated(accept: str | None) -> bool:
    return bool(accept) and "as=APIGroupDiscoveryList" in (accept or "")


def _groups(kinds: Kinds) -> list[tuple[str, list[str]]]:
    gv = kinds.group_versions()
    ordered = [g for g in _PREFERRED_ORDER if g in gv] + sorted(
        g for g in gv if g not in _PREFERRED_ORDER
    )
    # the version with served resources is preferred (autoscaling: v2 over v1)
    out = []
    for group in ordered:
        versions = sorted(
            gv[group],
            key=lambda v: (not any(rk.group == group and rk.version == v for rk in kinds.all()), v),
        )
        out.append((group, versions))
    return out


def api_versions(address: str) -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}],
    }


def api_group(kinds: Kinds, group: str) -> dict[str, Any] | None:
    for name, versions in _groups(kinds):
        if name == group and group:
            gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
            return {
                "kind": "APIGroup",
                "apiVersion": "v1",
                "name": group,
                "versions": gvs,
                "preferredVersion": gvs[0],
            }
    return None


def api_group_list(kinds: Kinds) -> dict[str, Any]:
    groups = [api_group(kinds, name) for name, _ in _groups(kinds) if name]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [g for g in groups if g]}


def _resources_of(kinds: Kinds, group: str, version: str) -> list[ResourceKind]:
    return sorted(
        (rk for rk in kinds.all() if rk.group == group and rk.version == version),
        key=lambda rk: rk.plural,
    )


def api_resource_list(kinds: Kinds, group: str, version: str) -> dict[str, Any] | None:
    if version not in kinds.group_versions().get(group, []):
        return None
    resources: list[dict[str, Any]] = []
    for rk in _resources_of(kinds, group, version):
        entry: dict[str, Any] = {
            "name": rk.plural,
            "singularName": rk.singular,
            "namespaced": rk.namespaced,
            "kind": rk.kind,
            "verbs": list(rk.verbs),
        }
        if rk.decl.short_names:
            entry["shortNames"] = list(rk.decl.short_names)
        if rk.decl.categories:
            entry["categories"] = list(rk.decl.categories)
        resources.append(entry)
        for sub in rk.subresources:
            kind_override, verbs = _SUBRESOURCES.get(sub, (None, ["get"]))
            sub_entry: dict[str, Any] = {
                "name": f"{rk.plural}/{sub}",
                "singularName": "",
                "namespaced": rk.namespaced,
                "kind": rk.kind,
                "verbs": verbs,
            }
            if kind_override is not None:
                sub_group, sub_version, sub_kind = kind_override
                sub_entry["kind"] = sub_kind
                if sub_group:
                    sub_entry["group"] = sub_group
                sub_entry["version"] = sub_version
            resources.append(sub_entry)
    group_version = f"{group}/{version}" if group else version
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources,
    }


def aggregated_discovery(kinds: Kinds, legacy: bool) -> dict[str, Any]:
    """The apidiscovery.k8s.io/v2 list: the core group for ``/api``, the others for ``/apis``."""
    items = []
    for group, versions in _groups(kinds):
        if (group == "") != legacy:
            continue
        version_entries = []
        for version in versions:
            resources = []
            for rk in _resources_of(kinds, group, version):
                entry: dict[str, Any] = {
                    "resource": rk.plural,
                    "responseKind": {"group": group, "version": version, "kind": rk.kind},
                    "scope": "Namespaced" if rk.namespaced else "Cluster",
                    "singularResource": rk.singular,
                    "verbs": list(rk.verbs),
                }
                if rk.decl.short_names:
                    entry["shortNames"] = list(rk.decl.short_names)
                if rk.decl.categories:
                    entry["categories"] = list(rk.decl.categories)
                subs = []
                for sub in rk.subresources:
                    kind_override, verbs = _SUBRESOURCES.get(sub, (None, ["get"]))
                    sub_group, sub_version, sub_kind = kind_override or (group, version, rk.kind)
                    subs.append(
                        {
                            "subresource": sub,
                            "responseKind": {
                                "group": sub_group,
                                "version": sub_version,
                                "kind": sub_kind,
                            },
                            "verbs": verbs,
                        }
                    )
                if subs:
                    entry["subresources"] = subs
                resources.append(entry)
            version_entries.append(
                {"version": version, "resources": resources, "freshness": "Current"}
            )
        items.append(
            {"metadata": {"name": group, "creationTimestamp": None}, "versions": version_entries}
        )
    return {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": items,
    }
