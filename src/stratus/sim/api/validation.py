"""Semantic validation, answered as 422 Invalid with the API server's field paths and wording."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from stratus.sim.errors import FieldError
from stratus.sim.kinds import Schema, TypeDef
from stratus.sim.kinds.quantity import parse_quantity
from stratus.sim.kinds.schema import ListOf, MapOf, Ref, TypeRef
from stratus.sim.store import Obj, selector_from_object

__all__ = ["validate_object", "validate_update"]

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
)
_DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_CONFIG_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")

_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
    "characters, '-' or '.', and must start and end with an alphanumeric character "
    "(e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or "
    "'-', and must start and end with an alphanumeric character (e.g. 'my-name',  or "
    "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
_DNS1035_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
    "start with an alphabetic character, and end with an alphanumeric character "
    "(e.g. 'my-name',  or 'abc-123', regex used for validation is "
    "'[a-z]([-a-z0-9]*[a-z0-9])?')"
)

# kinds whose names must be DNS labels (the rest: subdomains)
_LABEL_NAMED = {"Namespace", "Service"}


def _required(path: str) -> FieldError:
    return FieldError(path, "FieldValueRequired", "Required value")


def _invalid(path: str, value: object, detail: str) -> FieldError:
    shown = f'"{value}"' if isinstance(value, str) else _go_repr(value)
    return FieldError(path, "FieldValueInvalid", f"Invalid value: {shown}: {detail}")


def _go_repr(value: object) -> str:
    if isinstance(value, dict):
        inner = ", ".join(f'"{k}":"{v}"' for k, v in sorted(value.items()))
        return f"map[string]string{{{inner}}}"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class _Checker:
    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.errors: list[FieldError] = []

    def walk(self, typedef: TypeDef, obj: dict[str, Any], path: str) -> None:
        for fdef in typedef.fields.values():
            child = f"{path}.{fdef.name}" if path else fdef.name
            value = obj.get(fdef.name)
            if fdef.name == "status" and not path:
                continue  # status is the controllers' business
            if value is None or value in ("", []):
                if fdef.required:
                    self.errors.append(_required(child))
                continue
            if fdef.enum and isinstance(value, str) and value not in fdef.enum:
                allowed = ", ".join(f'"{v}"' for v in sorted(fdef.enum))
                self.errors.append(
                    FieldError(
                        child,
                        "FieldValueNotSupported",
                        f'Unsupported value: "{value}": supported values: {allowed}',
                    )
                )
            self.walk_value(fdef.type, value, child)

    def walk_value(self, ref: TypeRef, value: Any, path: str) -> None:
        if isinstance(ref, Ref) and isinstance(value, dict):
            self.walk(self.schema.get(ref.name), value, path)
        elif isinstance(ref, ListOf) and isinstance(value, list):
            for i, item in enumerate(value):
                self.walk_value(ref.item, item, f"{path}[{i}]")
        elif isinstance(ref, MapOf) and isinstance(value, dict):
            for key, item in value.items():
                self.walk_value(ref.value, item, f"{path}[{key}]")


def validate_object(schema: Schema, typedef: TypeDef, obj: Obj) -> list[FieldError]:
    """Every problem found in a new or replaced object (empty when valid)."""
    checker = _Checker(schema)
    errors = checker.errors
    errors.extend(_metadata(typedef.short, obj.get("metadata") or {}))
    checker.walk(typedef, obj, "")
    rule = _KIND_RULES.get(typedef.short)
    if rule is not None:
        errors.extend(rule(obj))
    return errors


def validate_update(typedef: TypeDef, old: Obj, new: Obj) -> list[FieldError]:
    """Rules about what may not change."""
    errors: list[FieldError] = []
    immutable = _IMMUTABLE.get(typedef.short, ())
    for dotted in immutable:
        before, after = _dig(old, dotted), _dig(new, dotted)
        if before is not None and after != before:
            errors.append(_invalid(dotted, after, "field is immutable"))
    if typedef.short in ("ConfigMap", "Secret") and old.get("immutable"):
        for key in ("data", "binaryData", "stringData"):
            if old.get(key) != new.get(key):
                errors.append(
                    FieldError(
                        key,
                        "FieldValueForbidden",
                        "Forbidden: field is immutable when `immutable` is set",
                    )
                )
    if typedef.short == "Pod":
        errors.extend(_pod_update(old, new))
    return errors


def _dig(obj: Obj, dotted: str) -> Any:
    node: Any = obj
    for part in dotted.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def _metadata(kind: str, meta: dict[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    name = meta.get("name", "")
    if not name:
        errors.append(
            FieldError(
                "metadata.name",
                "FieldValueRequired",
                "Required value: name or generateName is required",
            )
        )
    elif kind in _LABEL_NAMED:
        pattern, msg = (
            (_DNS1035_LABEL, _DNS1035_MSG) if kind == "Service" else (_DNS1123_LABEL, _LABEL_MSG)
        )
        if not pattern.match(name) or len(name) > 63:
            errors.append(_invalid("metadata.name", name, msg))
    elif not _DNS1123_SUBDOMAIN.match(name) or len(name) > 253:
        errors.append(_invalid("metadata.name", name, _SUBDOMAIN_MSG))
    for key, value in (meta.get("labels") or {}).items():
        if not _valid_qualified_key(key):
            errors.append(
                _invalid(
                    "metadata.labels",
                    key,
                    "name part must consist of "
                    "alphanumeric characters, '-', '_' or '.', and must start and "
                    "end with an alphanumeric character",
                )
            )
        if not isinstance(value, str) or len(value) > 63 or not _LABEL_VALUE.match(value):
            errors.append(
                _invalid(
                    "metadata.labels",
                    value,
                    "a valid label must be an empty "
                    "string or consist of alphanumeric characters, '-', '_' or "
                    "'.', and must start and end with an alphanumeric character",
                )
            )
    for key in meta.get("annotations") or {}:
        if not _valid_qualified_key(key):
            errors.append(
                _invalid(
                    "metadata.annotations",
                    key,
                    "name part must consist of alphanumeric characters, '-', '_' or '.'",
                )
            )
    return errors


def _valid_qualified_key(key: str) -> bool:
    prefix, _, name = key.rpartition("/")
    if prefix and (not _DNS1123_SUBDOMAIN.match(prefix) or len(prefix) > 253):
        return False
    return bool(name) and len(name) <= 63 and bool(_QUALIFIED_NAME.match(name))


def _pod_spec(
    spec: dict[str, Any], path: str, claims: frozenset[str] = frozenset()
) -> list[FieldError]:
    errors: list[FieldError] = []
    volumes = {v.get("name") for v in spec.get("volumes") or []} | claims
    seen: set[str] = set()
    for group in ("initContainers", "containers"):
        for i, container in enumerate(spec.get(group) or []):
            cpath = f"{path}.{group}[{i}]"
            name = container.get("name", "")
            if name:
                if not _DNS1123_LABEL.match(name):
                    errors.append(_invalid(f"{cpath}.name", name, _LABEL_MSG))
                if name in seen:
                    errors.append(
                        FieldError(
                            f"{cpath}.name", "FieldValueDuplicate", f'Duplicate value: "{name}"'
                        )
                    )
                seen.add(name)
            if not container.get("image"):
                errors.append(_required(f"{cpath}.image"))
            for j, port in enumerate(container.get("ports") or []):
                number = port.get("containerPort")
                if isinstance(number, int) and not 1 <= number <= 65535:
                    errors.append(
                        _invalid(
                            f"{cpath}.ports[{j}].containerPort",
                            number,
                            "must be between 1 and 65535, inclusive",
                        )
                    )
            for j, mount in enumerate(container.get("volumeMounts") or []):
                if mount.get("name") and mount["name"] not in volumes:
                    errors.append(
                        FieldError(
                            f"{cpath}.volumeMounts[{j}].name",
                            "FieldValueNotFound",
                            f'Not found: "{mount["name"]}"',
                        )
                    )
            errors.extend(_resources(container.get("resources") or {}, f"{cpath}.resources"))
    return errors


def _resources(resources: dict[str, Any], path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    limits = resources.get("limits") or {}
    for name, request in (resources.get("requests") or {}).items():
        if name in limits:
            try:
                too_big = parse_quantity(request) > parse_quantity(limits[name])
            except ValueError:
                continue
            if too_big:
                errors.append(
                    _invalid(
                        f"{path}.requests",
                        request,
                        f"must be less than or equal to {name} limit of {limits[name]}",
                    )
                )
    return errors


def _template_selector(obj: Obj, required_selector: bool = True) -> list[FieldError]:
    spec = obj.get("spec") or {}
    errors: list[FieldError] = []
    template = spec.get("template") or {}
    if "selector" in spec and spec["selector"] is not None:
        selector = spec["selector"]
        if not selector.get("matchLabels") and not selector.get("matchExpressions"):
            errors.append(_invalid("spec.selector", "", "empty selector is invalid for deployment"))
        else:
            labels = (template.get("metadata") or {}).get("labels") or {}
            if not selector_from_object(selector).matches(labels):
                errors.append(
                    _invalid(
                        "spec.template.metadata.labels",
                        labels,
                        "`selector` does not match template `labels`",
                    )
                )
    elif required_selector and "selector" not in spec:
        pass  # the schema's required check reports it
    replicas = spec.get("replicas")
    if isinstance(replicas, int) and replicas < 0:
        errors.append(_invalid("spec.replicas", replicas, "must be greater than or equal to 0"))
    claims = frozenset(
        (c.get("metadata") or {}).get("name", "") for c in spec.get("volumeClaimTemplates") or []
    )
    errors.extend(_pod_spec(template.get("spec") or {}, "spec.template.spec", claims))
    return errors


def _pod(obj: Obj) -> list[FieldError]:
    return _pod_spec(obj.get("spec") or {}, "spec")


def _job(obj: Obj) -> list[FieldError]:
    errors = _pod_spec(
        ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}, "spec.template.spec"
    )
    policy = (((obj.get("spec") or {}).get("template") or {}).get("spec") or {}).get(
        "restartPolicy"
    )
    if policy == "Always":
        errors.append(
            FieldError(
                "spec.template.spec.restartPolicy",
                "FieldValueNotSupported",
                'Unsupported value: "Always": supported values: "OnFailure", "Never"',
            )
        )
    return errors


def _service(obj: Obj) -> list[FieldError]:
    spec = obj.get("spec") or {}
    errors: list[FieldError] = []
    if spec.get("type") != "ExternalName" and not spec.get("ports"):
        errors.append(_required("spec.ports"))
    names: set[str] = set()
    ports = spec.get("ports") or []
    for i, port in enumerate(ports):
        ppath = f"spec.ports[{i}]"
        number = port.get("port")
        if isinstance(number, int) and not 1 <= number <= 65535:
            errors.append(
                _invalid(f"{ppath}.port", number, "must be between 1 and 65535, inclusive")
            )
        target = port.get("targetPort")
        if isinstance(target, int) and not 1 <= target <= 65535:
            errors.append(
                _invalid(f"{ppath}.targetPort", target, "must be between 1 and 65535, inclusive")
            )
        name = port.get("name", "")
        if len(ports) > 1 and not name:
            errors.append(_required(f"{ppath}.name"))
        if name:
            if name in names:
                errors.append(
                    FieldError(f"{ppath}.name", "FieldValueDuplicate", f'Duplicate value: "{name}"')
                )
            names.add(name)
    return errors


def _config_map(obj: Obj) -> list[FieldError]:
    errors: list[FieldError] = []
    for field in ("data", "binaryData"):
        for key in obj.get(field) or {}:
            if not _CONFIG_KEY.match(key):
                errors.append(
                    _invalid(
                        f"{field}[{key}]",
                        key,
                        "a valid config key must consist "
                        "of alphanumeric characters, '-', '_' or '.'",
                    )
                )
    return errors


def _pod_update(old: Obj, new: Obj) -> list[FieldError]:
    """Pods allow changing only images, activeDeadlineSeconds, tolerations (additions) and
    scheduling gates; everything else in spec is fixed once created."""
    old_spec, new_spec = dict(old.get("spec") or {}), dict(new.get("spec") or {})
    for spec in (old_spec, new_spec):
        spec.pop("activeDeadlineSeconds", None)
        spec.pop("tolerations", None)
        spec.pop("schedulingGates", None)
        for group in ("containers", "initContainers"):
            spec[group] = [
                {k: v for k, v in c.items() if k != "image"} for c in spec.get(group) or []
            ]
    if not old_spec.get("nodeName"):
        old_spec.pop("nodeName", None)
        new_spec.pop("nodeName", None)
    if old_spec == new_spec:
        return []
    return [
        FieldError(
            "spec",
            "FieldValueForbidden",
            "Forbidden: pod updates may not change fields other than "
            "`spec.containers[*].image`,`spec.initContainers[*].image`,"
            "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to "
            "existing tolerations),`spec.terminationGracePeriodSeconds` (allow it "
            "to be set to 1 if it was previously negative)",
        )
    ]


_KIND_RULES: dict[str, Callable[[Obj], list[FieldError]]] = {
    "Pod": _pod,
    "Deployment": _template_selector,
    "ReplicaSet": _template_selector,
    "StatefulSet": _template_selector,
    "DaemonSet": _template_selector,
    "Job": _job,
    "Service": _service,
    "ConfigMap": _config_map,
}

_IMMUTABLE: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec.selector",),
    "ReplicaSet": ("spec.selector",),
    "StatefulSet": ("spec.selector", "spec.serviceName", "spec.volumeClaimTemplates"),
    "DaemonSet": ("spec.selector",),
    "Job": ("spec.selector", "spec.template"),
    "Service": ("spec.clusterIP",),
    "PersistentVolumeClaim": ("spec.volumeName", "spec.storageClassName", "spec.accessModes"),
}
