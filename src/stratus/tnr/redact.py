"""Blank Secret values in kubectl output before a model sees it.

JSON and YAML output (one object, a ``List``, several documents) is parsed; every Secret's
``data`` and ``stringData`` values and its last-applied annotation are replaced, keeping the
keys so a model can still see which keys exist. Output that is neither is returned as is:
the gateway refuses the output formats (``jsonpath``, templates) that could print a value
bare, and kubectl's tables and ``describe`` never print them.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

__all__ = ["REDACTED", "redact_secrets"]

REDACTED = "<redacted>"
_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def redact_secrets(text: str) -> str:
    """``text`` with every Secret value replaced by ``<redacted>``."""
    if "Secret" not in text:
        return text
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        values = _json_values(text)
        if values is not None:
            if not any(_walk(v) for v in values):
                return text
            return "\n".join(json.dumps(v, indent=4) for v in values) + "\n"
    try:
        docs = list(yaml.safe_load_all(text))
    except yaml.YAMLError:
        return text
    if not any(_walk(d) for d in docs):
        return text
    return yaml.safe_dump_all(docs, sort_keys=False)


def _json_values(text: str) -> list[Any] | None:
    decoder = json.JSONDecoder()
    out: list[Any] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            break
        try:
            value, i = decoder.raw_decode(text, i)
        except json.JSONDecodeError:
            return None
        out.append(value)
    return out


def _walk(node: Any) -> bool:
    """Redact in place every Secret found in ``node``; whether anything changed."""
    changed = False
    if isinstance(node, list):
        for item in node:
            changed = _walk(item) or changed
    elif isinstance(node, dict):
        if node.get("kind") == "Secret":
            changed = _blank(node)
        elif node.get("kind") == "SecretList":  # the API's lists leave out each item's kind
            for item in node.get("items") or []:
                changed = (isinstance(item, dict) and _blank(item)) or changed
        for value in node.values():
            if isinstance(value, (dict, list)):
                changed = _walk(value) or changed
    return changed


def _blank(secret: dict[str, Any]) -> bool:
    changed = False
    for field in ("data", "stringData"):
        values = secret.get(field)
        if isinstance(values, dict) and values:
            secret[field] = dict.fromkeys(values, REDACTED)
            changed = True
    notes = (secret.get("metadata") or {}).get("annotations") or {}
    if isinstance(notes, dict) and _LAST_APPLIED in notes:
        notes[_LAST_APPLIED] = REDACTED
        changed = True
    return changed
