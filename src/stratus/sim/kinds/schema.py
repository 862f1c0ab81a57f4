"""The emulator's own type definitions, read from compact YAML files.

Every served kind is described once in ``types/*.yaml``; the OpenAPI documents, strict field
validation, defaulting and the strategic-merge-patch metadata all derive from these definitions.

A field is written ``name: "TYPE [FLAG ...]"`` where TYPE is

* a scalar: ``string boolean integer int32 int64 number int-or-string quantity time microtime
  bytes``; or ``object`` (free-form, unknown fields preserved);
* ``[T]`` a list of T, ``{T}`` a map from string to T;
* the name of another type, looked up in the same package first, then among all packages
  (a name defined in several packages must be qualified: ``core.EndpointPort``);

with ``!`` after TYPE for a required field, and flags

* ``merge=KEY`` lists merged by KEY in strategic merge patches; ``merge`` alone merges a list
  of scalars as a set; ``retainKeys`` adds the retainKeys strategy;
* ``atomic``, ``set``, ``map=K1,K2`` the list type (``x-kubernetes-list-type``);
* ``=VALUE`` a default (a YAML scalar or ``{}``), ``enum=A|B|C`` the allowed values.

A type marked ``open: true`` keeps fields it does not declare instead of rejecting them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from stratus.sim.errors import DefinitionError

__all__ = [
    "SCALARS",
    "FieldDef",
    "KindDecl",
    "ListOf",
    "MapOf",
    "Ref",
    "Scalar",
    "Schema",
    "TypeDef",
    "TypeRef",
    "load_schema",
]

SCALARS = frozenset(
    {
        "string",
        "boolean",
        "integer",
        "int32",
        "int64",
        "number",
        "int-or-string",
        "quantity",
        "time",
        "microtime",
        "bytes",
        "object",
    }
)


@dataclass(frozen=True)
class Scalar:
    name: str


@dataclass(frozen=True)
class Ref:
    name: str  # the full name, e.g. io.k8s.api.core.v1.PodSpec


@dataclass(frozen=True)
class ListOf:
    item: TypeRef


@dataclass(frozen=True)
class MapOf:
    value: TypeRef


TypeRef = Scalar | Ref | ListOf | MapOf

_NO_DEFAULT = object()


@dataclass(frozen=True)
class FieldDef:
    name: str
    type: TypeRef
    required: bool = False
    default: Any = _NO_DEFAULT
    enum: tuple[str, ...] = ()
    patch_strategy: str = ""  # "", "merge", "retainKeys", "merge,retainKeys"
    merge_key: str = ""
    list_type: str = ""  # "", "atomic", "set", "map"
    map_keys: tuple[str, ...] = ()

    @property
    def has_default(self) -> bool:
        return self.default is not _NO_DEFAULT


@dataclass(frozen=True)
class KindDecl:
    """Where a top-level type is served: its group, version and REST names."""

    group: str
    version: str
    kind: str
    plural: str
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    namespaced: bool = True
    virtual: bool = False  # a request or subresource body, not a stored resource

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version


@dataclass
class TypeDef:
    name: str  # full name
    short: str
    package: str
    fields: dict[str, FieldDef] = field(default_factory=dict)
    open: bool = False
    kind: KindDecl | None = None


@dataclass
class Schema:
    """All type definitions, by full name."""

    types: dict[str, TypeDef]

    def get(self, name: str) -> TypeDef:
        return self.types[name]

    def kinds(self) -> list[TypeDef]:
        return [t for t in self.types.values() if t.kind is not None]


_TYPES_DIR = Path(__file__).parent / "types"


def load_schema(directory: Path = _TYPES_DIR) -> Schema:
    """Read every ``*.yaml`` type file in ``directory`` and resolve the references."""
    raw: list[
        tuple[str, str, str, str, dict[str, Any]]
    ] = []  # file, package, group, version, types
    for path in sorted(directory.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        if not isinstance(doc, dict) or not isinstance(doc.get("types"), dict):
            raise DefinitionError(str(path), "types", "expected a mapping of type definitions")
        package = doc.get("package")
        if not isinstance(package, str):
            raise DefinitionError(str(path), "package", "required, a dotted package name")
        raw.append(
            (
                str(path),
                package,
                str(doc.get("group", "")),
                str(doc.get("version", "")),
                doc["types"],
            )
        )

    by_short: dict[str, list[str]] = {}
    for _file, package, _g, _v, types in raw:
        for short in types:
            by_short.setdefault(short, []).append(f"{package}.{short}")

    schema = Schema(types={})
    for file, package, group, version, types in raw:
        for short, body in types.items():
            where = f"types.{short}"
            if not isinstance(body, dict):
                raise DefinitionError(file, where, "expected a mapping")
            unknown = set(body) - {"fields", "open", "kind"}
            if unknown:
                raise DefinitionError(file, where, f"unknown keys {sorted(unknown)}")
            typedef = TypeDef(
                name=f"{package}.{short}",
                short=short,
                package=package,
                open=bool(body.get("open", False)),
            )
            resolver = _Resolver(file, package, by_short)
            for fname, spec in (body.get("fields") or {}).items():
                typedef.fields[fname] = _parse_field(
                    file, f"{where}.fields.{fname}", fname, spec, resolver
                )
            if "kind" in body:
                typedef.kind = _parse_kind(
                    file, f"{where}.kind", short, body["kind"], group, version
                )
            schema.types[typedef.name] = typedef
    return schema


@dataclass
class _Resolver:
    file: str
    package: str
    by_short: dict[str, list[str]]

    def resolve(self, where: str, name: str) -> TypeRef:
        if name in SCALARS:
            return Scalar(name)
        if name.startswith("[") and name.endswith("]"):
            return ListOf(self.resolve(where, name[1:-1]))
        if name.startswith("{") and name.endswith("}"):
            return MapOf(self.resolve(where, name[1:-1]))
        if "." in name:
            alias, short = name.rsplit(".", 1)
            matches = [n for n in self.by_short.get(short, []) if n.split(".")[-2] == alias]
        else:
            own = f"{self.package}.{name}"
            matches = [own] if own in self.by_short.get(name, []) else self.by_short.get(name, [])
        if len(matches) != 1:
            problem = "is not defined" if not matches else f"is ambiguous: {matches}"
            raise DefinitionError(self.file, where, f"type {name!r} {problem}")
        return Ref(matches[0])


def _parse_field(file: str, where: str, name: str, spec: object, resolver: _Resolver) -> FieldDef:
    if not isinstance(spec, str) or not spec.strip():
        raise DefinitionError(file, where, "expected a field spec string such as 'string!'")
    tokens = spec.split()
    type_token = tokens[0]
    required = type_token.endswith("!")
    type_ref = resolver.resolve(where, type_token.rstrip("!"))
    options: dict[str, Any] = {}
    strategies: list[str] = []
    for token in tokens[1:]:
        if token.startswith("="):
            options["default"] = yaml.safe_load(token[1:]) if token != "={}" else {}
        elif token.startswith("enum="):
            options["enum"] = tuple(token[5:].split("|"))
        elif token.startswith("merge="):
            strategies.append("merge")
            options["merge_key"] = token[6:]
        elif token == "merge":
            strategies.append("merge")
        elif token == "retainKeys":
            strategies.append("retainKeys")
        elif token in ("atomic", "set"):
            options["list_type"] = token
        elif token.startswith("map="):
            options["list_type"] = "map"
            options["map_keys"] = tuple(token[4:].split(","))
        else:
            raise DefinitionError(file, where, f"unknown flag {token!r} in {spec!r}")
    return FieldDef(
        name=name, type=type_ref, required=required, patch_strategy=",".join(strategies), **options
    )


def _parse_kind(
    file: str, where: str, kind: str, body: object, group: str, version: str
) -> KindDecl:
    if not isinstance(body, dict) or not isinstance(body.get("plural"), str):
        raise DefinitionError(file, where, "expected a mapping with at least 'plural'")
    unknown = set(body) - {
        "plural",
        "short",
        "categories",
        "subresources",
        "cluster",
        "virtual",
        "group",
        "version",
    }
    if unknown:
        raise DefinitionError(file, where, f"unknown keys {sorted(unknown)}")
    for key in ("short", "categories", "subresources"):
        values = body.get(key, [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise DefinitionError(
                file,
                f"{where}.{key}",
                "expected a list of strings (quote values YAML reads as booleans, such as 'no')",
            )
    return KindDecl(
        group=str(body.get("group", group)),
        version=str(body.get("version", version)),
        kind=kind,
        plural=body["plural"],
        short_names=tuple(body.get("short", ())),
        categories=tuple(body.get("categories", ())),
        subresources=tuple(body.get("subresources", ())),
        namespaced=not body.get("cluster", False),
        virtual=bool(body.get("virtual", False)),
    )
