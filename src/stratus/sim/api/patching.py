"""The three patch formats kubectl sends: JSON merge (RFC 7386), strategic merge (the
Kubernetes dialect with list merge keys and ``$`` directives) and JSON patch (RFC 6902)."""

from __future__ import annotations

from typing import Any

import jsonpatch

from stratus.sim.errors import ApiError, BadRequest
from stratus.sim.kinds import Schema, TypeDef
from stratus.sim.kinds.schema import FieldDef, ListOf, MapOf, Ref
from stratus.sim.store import clone

__all__ = ["apply_patch", "json_merge_patch", "json_patch", "strategic_merge_patch"]


class _PatchRejected(ApiError):
    code, reason = 422, "Invalid"


def json_merge_patch(original: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return clone(patch)
    result = dict(original) if isinstance(original, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = json_merge_patch(result.get(key), value)
    return result


def json_patch(original: dict[str, Any], operations: Any) -> dict[str, Any]:
    if not isinstance(operations, list):
        raise BadRequest(
            "error decoding patch: json: cannot unmarshal object into Go value of "
            "type jsonpatch.Patch"
        )
    try:
        result = jsonpatch.JsonPatch(operations).apply(clone(original))
    except (
        jsonpatch.JsonPatchException,
        jsonpatch.JsonPointerException,
        KeyError,
        TypeError,
        IndexError,
        ValueError,
    ) as exc:
        raise _PatchRejected(
            "the server rejected our request due to an error in our request",
            details={"causes": [{"message": str(exc) or type(exc).__name__}]},
        ) from exc
    if not isinstance(result, dict):
        raise BadRequest("the patched document is not an object")
    return result


_ORDER = "$setElementOrder/"
_DELETE_PRIMITIVE = "$deleteFromPrimitiveList/"


def strategic_merge_patch(
    schema: Schema, typedef: TypeDef | None, original: Any, patch: Any
) -> Any:
    """Apply a strategic merge patch. ``typedef`` gives list merge keys; None (free-form data)
    merges maps and replaces lists."""
    if not isinstance(patch, dict):
        raise BadRequest("strategic merge patch: the patch must be a JSON object")
    return _merge_map(schema, typedef, original if isinstance(original, dict) else {}, patch)


def _merge_map(
    schema: Schema, typedef: TypeDef | None, original: dict[str, Any], patch: dict[str, Any]
) -> dict[str, Any] | None:
    directive = patch.get("$patch")
    if directive == "delete":
        return None
    if directive == "replace":
        return {k: clone(v) for k, v in patch.items() if not k.startswith("$")}
    if directive not in (None, "merge"):
        raise BadRequest(f"unknown patch type: {directive} in map: {patch}")
    result = dict(original)
    for key, value in patch.items():
        if key.startswith("$"):
            if key.startswith(_DELETE_PRIMITIVE):
                field = key[len(_DELETE_PRIMITIVE) :]
                doomed = value if isinstance(value, list) else []
                if isinstance(result.get(field), list):
                    result[field] = [v for v in result[field] if v not in doomed]
            continue
        fdef = typedef.fields.get(key) if typedef is not None else None
        if value is None:
            result.pop(key, None)
            continue
        result[key] = _merge_value(schema, fdef, result.get(key), value, patch.get(_ORDER + key))
    retain = patch.get("$retainKeys")
    if isinstance(retain, list):
        result = {k: v for k, v in result.items() if k in retain}
    for key, order in patch.items():
        if key.startswith(_ORDER) and key[len(_ORDER) :] not in patch:
            field = key[len(_ORDER) :]
            fdef = typedef.fields.get(field) if typedef is not None else None
            if isinstance(result.get(field), list) and isinstance(order, list):
                result[field] = _reorder(result[field], order, fdef.merge_key if fdef else "")
    return result


def _item_type(schema: Schema, fdef: FieldDef | None) -> TypeDef | None:
    if fdef is None:
        return None
    ref = fdef.type
    if isinstance(ref, ListOf):
        ref = ref.item
    if isinstance(ref, Ref):
        return schema.get(ref.name)
    return None


def _merge_value(
    schema: Schema, fdef: FieldDef | None, original: Any, patch: Any, order: Any
) -> Any:
    if isinstance(patch, dict):
        if fdef is not None and isinstance(fdef.type, MapOf):
            nested = None
        else:
            nested = _item_type(schema, fdef)
        merged = _merge_map(schema, nested, original if isinstance(original, dict) else {}, patch)
        return merged if merged is not None else None
    if isinstance(patch, list):
        if fdef is None or "merge" not in fdef.patch_strategy:
            return clone(patch)
        merged_list = _merge_list(
            schema, fdef, original if isinstance(original, list) else [], patch
        )
        if isinstance(order, list):
            merged_list = _reorder(merged_list, order, fdef.merge_key)
        return merged_list
    return patch


def _merge_list(schema: Schema, fdef: FieldDef, original: list[Any], patch: list[Any]) -> list[Any]:
    key = fdef.merge_key
    if any(isinstance(p, dict) and p.get("$patch") == "replace" and len(p) == 1 for p in patch):
        return [clone(p) for p in patch if not (isinstance(p, dict) and "$patch" in p)]
    if not key:  # a list of scalars merged as a set
        result = list(original)
        for item in patch:
            if item not in result:
                result.append(item)
        return result
    item_type = _item_type(schema, fdef)
    result = [clone(item) for item in original]
    for item in patch:
        if not isinstance(item, dict):
            raise BadRequest(
                f"strategic merge patch: list item {item!r} must be an object with "
                f"the merge key {key!r}"
            )
        if item.get("$patch") == "delete":
            result = [r for r in result if not _same_key(r, item, key)]
            continue
        if key not in item:
            raise BadRequest(f"map: {item} does not contain declared merge key: {key}")
        for i, existing in enumerate(result):
            if _same_key(existing, item, key):
                merged = _merge_map(schema, item_type, existing, item)
                if merged is None:
                    result.pop(i)
                else:
                    result[i] = merged
                break
        else:
            merged = _merge_map(schema, item_type, {}, item)
            if merged is not None:
                result.append(merged)
    return result


def _same_key(a: Any, b: Any, key: str) -> bool:
    return isinstance(a, dict) and isinstance(b, dict) and key in a and a.get(key) == b.get(key)


def _reorder(items: list[Any], order: list[Any], key: str) -> list[Any]:
    """Put items in the order ``$setElementOrder`` gives; items it does not name keep their
    place after the ordered ones."""

    def ident(item: Any) -> Any:
        return item.get(key) if key and isinstance(item, dict) else item

    wanted = [ident(o) if isinstance(o, dict) else o for o in order]
    positions = {value: i for i, value in enumerate(wanted) if not isinstance(value, dict | list)}
    ordered = sorted((i for i in items if ident(i) in positions), key=lambda i: positions[ident(i)])
    rest = [i for i in items if ident(i) not in positions]
    return ordered + rest


def apply_patch(
    schema: Schema, typedef: TypeDef | None, original: dict[str, Any], patch_type: str, patch: Any
) -> dict[str, Any]:
    """Apply a patch of type ``json``, ``merge`` or ``strategic``; the result is an object."""
    if patch_type == "json":
        patched: Any = json_patch(original, patch)
    elif patch_type == "merge":
        if not isinstance(patch, dict):
            raise BadRequest("error decoding patch: a merge patch must be a JSON object")
        patched = json_merge_patch(original, patch)
    elif patch_type == "strategic":
        patched = strategic_merge_patch(schema, typedef, original, patch)
    else:
        raise BadRequest(f"unknown patch type {patch_type!r}")
    if not isinstance(patched, dict):
        raise BadRequest("the patch removed the whole object")
    return dict(clone(patched))
