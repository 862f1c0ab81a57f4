"""``label_replace`` and ``label_join``: functions that rewrite labels rather than values."""

from __future__ import annotations

import re
import warnings

from stratus.sim.telemetry.promql.aggregate import LABEL_NAME
from stratus.sim.telemetry.promql.errors import bad_data
from stratus.sim.telemetry.promql.values import Labels, Row, Vector, merge_rows

__all__ = ["expand_template", "label_join", "label_replace"]

_NAME_CHARS = re.compile(r"\w+")


def _group(match: re.Match[str], name: str) -> str:
    if name.isascii() and name.isdigit():
        index = int(name)
        return (match.group(index) or "") if index <= (match.re.groups) else ""
    return match.groupdict().get(name) or ""


def expand_template(template: str, match: re.Match[str]) -> str:
    """Go's ``Regexp.Expand``: ``$1``, ``${1}``, ``$name``, ``${name}`` and ``$$``.

    As in Go, ``$name`` takes the longest run of word characters (so ``$1x`` names group
    ``1x``, which is empty), and a ``$`` that starts no valid reference stays literal.
    """
    out: list[str] = []
    i = 0
    while i < len(template):
        dollar = template.find("$", i)
        if dollar == -1 or dollar == len(template) - 1:
            out.append(template[i:])
            break
        out.append(template[i:dollar])
        nxt = template[dollar + 1]
        if nxt == "$":
            out.append("$")
            i = dollar + 2
            continue
        if nxt == "{":
            close = template.find("}", dollar + 2)
            name = template[dollar + 2 : close] if close != -1 else ""
            if name and _NAME_CHARS.fullmatch(name):
                out.append(_group(match, name))
                i = close + 1
                continue
        else:
            word = _NAME_CHARS.match(template, dollar + 1)
            if word is not None:
                out.append(_group(match, word.group()))
                i = word.end()
                continue
        out.append("$")
        i = dollar + 1
    return "".join(out)


def _with_label(labels: Labels, name: str, value: str) -> Labels:
    """Labels with ``name`` set, or removed when ``value`` is empty."""
    out = {k: v for k, v in labels.items() if k != name}
    if value:
        out[name] = value
    return out


def label_replace(vector: Vector, dst: str, replacement: str, src: str, regex: str) -> Vector:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pattern = re.compile(f"(?s:{regex})")
    except re.error as exc:
        raise bad_data(f"invalid regular expression in label_replace(): {regex}") from exc
    if LABEL_NAME.fullmatch(dst) is None:
        raise bad_data(f"invalid destination label name in label_replace(): {dst}")
    rows = []
    for row in vector.rows:
        match = pattern.fullmatch(row.labels.get(src, ""))
        if match is None:
            rows.append(row)
        else:
            new = _with_label(row.labels, dst, expand_template(replacement, match))
            rows.append(Row(new, row.points))
    return merge_rows(rows)


def label_join(vector: Vector, dst: str, separator: str, sources: list[str]) -> Vector:
    for src in sources:
        if LABEL_NAME.fullmatch(src) is None:
            raise bad_data(f"invalid source label name in label_join(): {src}")
    if LABEL_NAME.fullmatch(dst) is None:
        raise bad_data(f"invalid destination label name in label_join(): {dst}")
    rows = []
    for row in vector.rows:
        joined = separator.join(row.labels.get(src, "") for src in sources)
        rows.append(Row(_with_label(row.labels, dst, joined), row.points))
    return merge_rows(rows)
