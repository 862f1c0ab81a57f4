"""Kubernetes protobuf, decoded into the JSON form of the same object.

A body is ``k8s\\0`` followed by a ``runtime.Unknown`` message whose ``raw`` field holds the
object. Messages are decoded with the field table in ``fields.txt``. Go emits every non-pointer
field even when it is zero; those zero values are dropped (as the JSON encoding would omit
them), except for the integer fields where an explicit zero means something.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["PROTOBUF_MEDIA_TYPE", "ProtobufError", "decode_object"]

PROTOBUF_MEDIA_TYPE = "application/vnd.kubernetes.protobuf"
_MAGIC = b"k8s\x00"
_SCALARS = {"string", "int32", "int64", "bool", "bytes", "uint32", "uint64", "double", "float"}
# pointer integer fields whose explicit zero must survive
_MEANINGFUL_ZERO = {
    "replicas",
    "minReplicas",
    "parallelism",
    "completions",
    "backoffLimit",
    "activeDeadlineSeconds",
    "terminationGracePeriodSeconds",
    "successfulJobsHistoryLimit",
    "failedJobsHistoryLimit",
    "startingDeadlineSeconds",
    "ttlSecondsAfterFinished",
    "revisionHistoryLimit",
    "progressDeadlineSeconds",
    "maxReplicas",
}


class ProtobufError(ValueError):
    """The body is not a Kubernetes protobuf message this server can read."""


@dataclass(frozen=True)
class _Field:
    name: str
    type: str
    repeated: bool
    inline: bool
    hidden: bool


@cache
def _table() -> dict[str, dict[int, _Field]]:
    table: dict[str, dict[int, _Field]] = {}
    current: dict[int, _Field] | None = None
    for line in (Path(__file__).parent / "fields.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("message "):
            current = table.setdefault(line.split()[1], {})
            continue
        assert current is not None
        number, name, kind, *flags = line.split()
        current[int(number)] = _Field(
            name, kind, "repeated" in flags, "inline" in flags, "hidden" in flags
        )
    return table


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise ProtobufError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 70:
            raise ProtobufError("varint too long")


def _fields(data: bytes) -> list[tuple[int, int, Any]]:
    """(field number, wire type, value) triples; length-delimited values stay bytes."""
    out: list[tuple[int, int, Any]] = []
    pos = 0
    value: int | bytes
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            length, pos = _varint(data, pos)
            if pos + length > len(data):
                raise ProtobufError("truncated field")
            value, pos = data[pos : pos + length], pos + length
        elif wire == 1:
            value, pos = int.from_bytes(data[pos : pos + 8], "little"), pos + 8
        elif wire == 5:
            value, pos = int.from_bytes(data[pos : pos + 4], "little"), pos + 4
        else:
            raise ProtobufError(f"unsupported wire type {wire}")
        out.append((number, wire, value))
    return out


def _signed(value: int, bits: int) -> int:
    return value - (1 << bits) if value >= 1 << (bits - 1) else value


def _scalar(kind: str, value: Any) -> Any:
    if kind == "string":
        return bytes(value).decode("utf-8", errors="replace")
    if kind == "bytes":
        return base64.b64encode(bytes(value)).decode()
    if kind == "bool":
        return bool(value)
    if kind in ("int32", "int64"):
        return _signed(int(value), 64)
    return value


def _special(kind: str, data: bytes) -> Any:
    fields = {n: v for n, _w, v in _fields(data)}
    if kind in ("meta.Time", "meta.MicroTime"):
        seconds = _signed(fields.get(1, 0), 64)
        if not seconds and not fields.get(2):
            return None
        stamp = datetime.fromtimestamp(seconds, tz=UTC)
        return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    if kind == "resource.Quantity":
        return _scalar("string", fields.get(1, b""))
    if kind == "intstr.IntOrString":
        if fields.get(1, 0) == 1:
            return _scalar("string", fields.get(3, b""))
        return _signed(fields.get(2, 0), 64)
    if kind in ("runtime.RawExtension", "meta.FieldsV1"):
        raw = bytes(fields.get(1, b""))
        return json.loads(raw) if raw else None
    return None


_SPECIAL = {
    "meta.Time",
    "meta.MicroTime",
    "resource.Quantity",
    "intstr.IntOrString",
    "runtime.RawExtension",
    "meta.FieldsV1",
}


def _message(kind: str, data: bytes) -> dict[str, Any]:
    spec = _table().get(kind)
    if spec is None:
        raise ProtobufError(f"no field table for message {kind}")
    out: dict[str, Any] = {}
    for number, _wire, value in _fields(data):
        field = spec.get(number)
        if field is None or field.hidden:
            continue
        decoded = _value(field.type, value)
        if field.inline and isinstance(decoded, dict):
            out.update(decoded)
        elif field.type.startswith("map<"):
            key, item = decoded
            out.setdefault(field.name, _Map())[key] = item
        elif field.repeated:
            out.setdefault(field.name, []).append(decoded)
        else:
            out[field.name] = decoded
    return out


def _value(kind: str, value: Any) -> Any:
    if kind in _SCALARS:
        return _scalar(kind, value)
    if kind in _SPECIAL:
        return _special(kind, bytes(value))
    if kind.startswith("map<"):
        key_kind, value_kind = kind[4:-1].split(",", 1)
        entry = {n: v for n, _w, v in _fields(bytes(value))}
        key = _value(key_kind, entry.get(1, b"" if key_kind == "string" else 0))
        raw = entry.get(2)
        if raw is None:
            item: Any = "" if value_kind in ("string", "bytes") else {}
            if value_kind in _SPECIAL:
                item = _special(value_kind, b"")
        else:
            item = _value(value_kind, raw)
        return key, item
    return _message(kind, bytes(value))


class _Map(dict[str, Any]):
    """A protobuf map: its entries are data, so empty values stay."""


def _prune(value: Any, name: str = "") -> Any:
    """Drop the zero values Go emitted for non-pointer fields (and the nulls of empty times)."""
    if isinstance(value, _Map):
        return {
            key: _prune(item) if isinstance(item, dict) else item for key, item in value.items()
        }
    if isinstance(value, dict):
        pruned = {}
        for key, raw in value.items():
            item = _prune(raw, key)
            if item is None or item == "" or item is False or item == []:
                continue
            if item == 0 and not isinstance(item, bool) and key not in _MEANINGFUL_ZERO:
                continue
            pruned[key] = item
        return pruned
    if isinstance(value, list):
        return [_prune(item, name) for item in value]
    return value


def decode_object(body: bytes) -> dict[str, Any]:
    """The JSON object a protobuf request body encodes (its apiVersion and kind included)."""
    if not body.startswith(_MAGIC):
        raise ProtobufError("the body does not start with the Kubernetes protobuf prefix")
    try:
        envelope = {n: v for n, _w, v in _fields(body[len(_MAGIC) :])}
        type_meta = {n: v for n, _w, v in _fields(bytes(envelope.get(1, b"")))}
        api_version = _scalar("string", type_meta.get(1, b""))
        kind = _scalar("string", type_meta.get(2, b""))
        group, _, version = api_version.rpartition("/")
        package = _PACKAGES.get(group, group.split(".")[0])
        obj = _message(f"{package}.{version}.{kind}", bytes(envelope.get(2, b"")))
    except (UnicodeDecodeError, json.JSONDecodeError, TypeError) as exc:
        raise ProtobufError(str(exc)) from exc
    result = _prune(obj)
    assert isinstance(result, dict)
    return {"apiVersion": api_version, "kind": kind, **result}


_PACKAGES = {
    "": "core",
    "rbac.authorization.k8s.io": "rbac",
    "networking.k8s.io": "networking",
    "discovery.k8s.io": "discovery",
    "storage.k8s.io": "storage",
}
