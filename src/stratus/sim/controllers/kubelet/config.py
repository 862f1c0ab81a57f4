"""What a container sees of its configuration: environment variables and mounted files, as the
kubelet resolves them from ConfigMaps and Secrets, with the kubelet's error messages."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from stratus.sim.store import Obj, Store

__all__ = ["ContainerConfig", "missing_volume", "resolve_config"]


@dataclass
class ContainerConfig:
    env: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # path -> content
    directories: set[str] = field(default_factory=set)
    error: str = ""  # CreateContainerConfigError message


def _data(obj: Obj, secret: bool) -> dict[str, str]:
    if not secret:
        out = dict(obj.get("data") or {})
        out.update(dict.fromkeys(obj.get("binaryData") or {}, ""))
        return out
    decoded = {}
    for key, value in (obj.get("data") or {}).items():
        try:
            decoded[key] = base64.b64decode(value).decode(errors="replace")
        except ValueError:
            decoded[key] = ""
    return decoded


def _source(store: Store, namespace: str, kind: str, name: str) -> dict[str, str] | None:
    resource = "secrets" if kind == "Secret" else "configmaps"
    obj = store.get(resource, namespace, name)
    return None if obj is None else _data(obj, kind == "Secret")


def resolve_config(store: Store, pod: Obj, container: dict[str, Any]) -> ContainerConfig:
    namespace = pod["metadata"]["namespace"]
    config = ContainerConfig()
    for source in container.get("envFrom") or []:
        for kind, ref_key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
            ref = source.get(ref_key)
            if ref is None:
                continue
            data = _source(store, namespace, kind, ref.get("name", ""))
            if data is None:
                if not ref.get("optional"):
                    config.error = f'{kind.lower()} "{ref.get("name", "")}" not found'
                    return config
                continue
            prefix = source.get("prefix", "")
            config.env.update({prefix + k: v for k, v in data.items()})
    for var in container.get("env") or []:
        name = var.get("name", "")
        if "valueFrom" not in var:
            config.env[name] = str(var.get("value", ""))
            continue
        value_from = var["valueFrom"]
        for kind, ref_key in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
            ref = value_from.get(ref_key)
            if ref is None:
                continue
            data = _source(store, namespace, kind, ref.get("name", ""))
            if data is None:
                if ref.get("optional"):
                    break
                config.error = f'{kind.lower()} "{ref.get("name", "")}" not found'
                return config
            if ref.get("key") not in data:
                if ref.get("optional"):
                    break
                config.error = (
                    f"couldn't find key {ref.get('key')} in {kind} "
                    f"{namespace}/{ref.get('name', '')}"
                )
                return config
            config.env[name] = data[ref["key"]]
            break
        else:
            field_ref = value_from.get("fieldRef")
            if field_ref is not None:
                config.env[name] = _field(pod, field_ref.get("fieldPath", ""))
            else:
                config.env[name] = ""
    _mount_files(store, pod, container, config)
    return config


def _field(pod: Obj, path: str) -> str:
    node: Any = pod
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return "" if node is None else str(node)


def _mount_files(
    store: Store, pod: Obj, container: dict[str, Any], config: ContainerConfig
) -> None:
    namespace = pod["metadata"]["namespace"]
    volumes = {v.get("name"): v for v in (pod.get("spec") or {}).get("volumes") or []}
    for mount in container.get("volumeMounts") or []:
        volume = volumes.get(mount.get("name"))
        path = str(mount.get("mountPath", "")).rstrip("/")
        if volume is None:
            continue
        source_kind, source_name, items = _volume_source(volume)
        if source_kind is None:
            config.directories.add(path)
            continue
        data = _source(store, namespace, source_kind, source_name) or {}
        files = (
            {
                item["path"]: data.get(item.get("key", ""), "")
                for item in items
                if item.get("key") in data
            }
            if items
            else dict(data)
        )
        sub_path = mount.get("subPath")
        if sub_path:
            if sub_path in files:
                config.files[path] = files[sub_path]
            continue
        config.directories.add(path)
        for name, content in files.items():
            config.files[f"{path}/{name}"] = content


def _volume_source(volume: dict[str, Any]) -> tuple[str | None, str, list[dict[str, Any]]]:
    if "configMap" in volume:
        source = volume["configMap"] or {}
        return "ConfigMap", source.get("name", ""), source.get("items") or []
    if "secret" in volume:
        source = volume["secret"] or {}
        return "Secret", source.get("secretName", ""), source.get("items") or []
    return None, "", []


def missing_volume(store: Store, pod: Obj) -> str:
    """The FailedMount message for the first volume whose source does not exist, else ""."""
    namespace = pod["metadata"]["namespace"]
    for volume in (pod.get("spec") or {}).get("volumes") or []:
        kind, name, _ = _volume_source(volume)
        if kind is None:
            continue
        optional = (volume.get("configMap") or volume.get("secret") or {}).get("optional")
        if not optional and _source(store, namespace, kind, name) is None:
            return (
                f'MountVolume.SetUp failed for volume "{volume.get("name")}" : '
                f'{kind.lower()} "{name}" not found'
            )
    return ""
