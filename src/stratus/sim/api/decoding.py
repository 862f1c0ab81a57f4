"""Checking a request body against the type definitions, as the API server's decoder does.

A value of the wrong JSON type is a 400 (the decoder cannot build the object). Fields the type
does not declare are, by ``fieldValidation``: rejected (Strict), dropped with a warning (Warn,
the default) or dropped silently (Ignore). Nulls are dropped, as a typed decoder leaves them
as zero values that are not serialized.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from stratus.sim.errors import BadRequest
from stratus.sim.kinds import Schema, TypeDef
from stratus.sim.kinds.quantity import is_quantity
from stratus.sim.kinds.schema import FieldDef, ListOf, MapOf, Ref, Scalar, TypeRef

__all__ = ["DecodeResult", "decode"]

_GO_TYPES = {
    "string": "string",
    "boolean": "bool",
    "integer": "int",
    "int32": "int32",
    "int64": "int64",
    "number": "float64",
    "bytes": "[]uint8",
    "time": "v1.Time",
    "microtime": "v1.MicroTime",
    "quantity": "resource.Quantity",
    "int-or-string": "intstr.IntOrString",
}


@dataclass
class DecodeResult:
    unknown: list[str] = field(default_factory=list)  # field paths, in document order


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


class _Decoder:
    def __init__(self, schema: Schema, top: TypeDef, mode: str) -> None:
        self.schema = schema
        self.top = top
        self.mode = mode
        self.result = DecodeResult()

    def fail(self, value: object, owner: str, path: str, go_type: str) -> BadRequest:
        kind = self.top.short
        version = self.top.kind.version if self.top.kind else "v1"
        return BadRequest(
            f'{kind} in version "{version}" cannot be handled as a {kind}: json: cannot '
            f"unmarshal {_json_type(value)} into Go struct field {owner}.{path} of type {go_type}"
        )

    def walk_type(self, typedef: TypeDef, obj: dict[str, Any], path: str) -> None:
        for key in list(obj):
            value = obj[key]
            fdef = typedef.fields.get(key)
            child = f"{path}.{key}" if path else key
            if fdef is None:
                if typedef.open:
                    continue
                self.result.unknown.append(child)
                if self.mode != "Strict":
                    del obj[key]
                continue
            if value is None:
                del obj[key]  # a typed decoder leaves nulls as zero values, which are omitted
                continue
            self.walk_value(fdef, fdef.type, value, typedef.short, child)

    def walk_value(self, fdef: FieldDef, ref: TypeRef, value: Any, owner: str, path: str) -> None:
        if isinstance(ref, Scalar):
            self.check_scalar(ref.name, value, owner, path)
        elif isinstance(ref, Ref):
            target = self.schema.get(ref.name)
            if not isinstance(value, dict):
                raise self.fail(value, owner, path, f"v1.{target.short}")
            self.walk_type(target, value, path)
        elif isinstance(ref, ListOf):
            if not isinstance(value, list):
                raise self.fail(value, owner, path, f"[]{_go_name(ref.item)}")
            for item in value:
                if item is not None:
                    self.walk_value(fdef, ref.item, item, owner, path)
        elif isinstance(ref, MapOf):
            if not isinstance(value, dict):
                raise self.fail(value, owner, path, f"map[string]{_go_name(ref.value)}")
            for item in value.values():
                if item is not None:
                    self.walk_value(fdef, ref.value, item, owner, path)

    def check_scalar(self, name: str, value: Any, owner: str, path: str) -> None:
        ok: bool
        if name == "object":
            ok = isinstance(value, dict)
        elif name in ("string", "time", "microtime", "bytes"):
            ok = isinstance(value, str)
        elif name == "boolean":
            ok = isinstance(value, bool)
        elif name in ("integer", "int32", "int64"):
            ok = (isinstance(value, int) and not isinstance(value, bool)) or (
                isinstance(value, float) and value.is_integer()
            )
        elif name == "number":
            ok = isinstance(value, int | float) and not isinstance(value, bool)
        elif name == "int-or-string":
            ok = isinstance(value, int | str) and not isinstance(value, bool)
        elif name == "quantity":
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                if not is_quantity(value):
                    raise BadRequest(
                        f"quantities must match the regular expression "
                        f"'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' (at {path})"
                    )
                ok = True
            else:
                ok = False
        else:  # pragma: no cover - SCALARS is closed
            ok = True
        if not ok:
            raise self.fail(value, owner, path, _GO_TYPES.get(name, "map[string]interface {}"))


def _go_name(ref: TypeRef) -> str:
    if isinstance(ref, Scalar):
        return _GO_TYPES.get(ref.name, "interface {}")
    if isinstance(ref, Ref):
        return "v1." + ref.name.rsplit(".", 1)[-1]
    if isinstance(ref, ListOf):
        return "[]" + _go_name(ref.item)
    return "map[string]" + _go_name(ref.value)


def decode(
    schema: Schema, typedef: TypeDef, obj: dict[str, Any], mode: str = "Warn"
) -> DecodeResult:
    """Check ``obj`` in place: wrong types raise 400; unknown fields are reported (and, unless
    ``mode`` is ``Strict``, removed). The caller turns ``unknown`` into an error or warnings."""
    decoder = _Decoder(schema, typedef, mode)
    decoder.walk_type(typedef, obj, "")
    return decoder.result
