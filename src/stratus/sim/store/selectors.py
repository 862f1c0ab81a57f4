"""Label and field selectors, in the string forms of the API's query parameters and as
``LabelSelector`` objects."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stratus.sim.errors import BadRequest

__all__ = [
    "FieldSelector",
    "LabelSelector",
    "Requirement",
    "field_value",
    "parse_field_selector",
    "parse_label_selector",
    "selector_from_object",
]

_KEY = re.compile(
    r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
    r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"
)
_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str  # = != In NotIn Exists DoesNotExist Gt Lt
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        op = self.operator
        if op in ("In", "="):
            return self.key in labels and labels[self.key] in self.values
        if op in ("NotIn", "!="):
            return self.key not in labels or labels[self.key] not in self.values
        if op == "Exists":
            return self.key in labels
        if op == "DoesNotExist":
            return self.key not in labels
        if self.key not in labels:
            return False
        try:
            have, want = int(labels[self.key]), int(self.values[0])
        except ValueError:
            return False
        return have > want if op == "Gt" else have < want


@dataclass(frozen=True)
class LabelSelector:
    """A conjunction of requirements; the empty selector matches everything."""

    requirements: tuple[Requirement, ...] = ()
    matches_nothing: bool = False

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        if self.matches_nothing:
            return False
        labels = labels or {}
        return all(r.matches(labels) for r in self.requirements)

    @property
    def empty(self) -> bool:
        return not self.requirements and not self.matches_nothing

    def __str__(self) -> str:
        parts = []
        for r in sorted(self.requirements, key=lambda r: r.key):
            if r.operator in ("=", "!="):
                parts.append(f"{r.key}{r.operator}{r.values[0]}")
            elif r.operator in ("In", "NotIn"):
                parts.append(f"{r.key} {r.operator.lower()} ({','.join(r.values)})")
            elif r.operator == "Exists":
                parts.append(r.key)
            elif r.operator == "DoesNotExist":
                parts.append(f"!{r.key}")
            else:
                parts.append(f"{r.key}{'>' if r.operator == 'Gt' else '<'}{r.values[0]}")
        return ",".join(parts)


_TOKEN = re.compile(r"\s*(!=|==|=|!|,|\(|\)|>|<|[^\s!=,()<>]+)")


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or not m.group(1):
            break
        out.append(m.group(1))
        pos = m.end()
    if text[pos:].strip():
        raise BadRequest(f"unable to parse requirement: unexpected input {text[pos:]!r}")
    return out


def parse_label_selector(text: str) -> LabelSelector:
    """Parse ``app=web,tier in (a,b),!canary,release`` into a selector; errors are 400s."""
    toks = _tokens(text)
    reqs: list[Requirement] = []
    i = 0

    def fail(why: str) -> BadRequest:
        return BadRequest(f"unable to parse requirement: {why}")

    def take_value(j: int) -> tuple[str, int]:
        if j < len(toks) and toks[j] not in (",", "(", ")", "=", "==", "!=", "!", ">", "<"):
            return toks[j], j + 1
        return "", j

    while i < len(toks):
        negated = toks[i] == "!"
        if negated:
            i += 1
        if i >= len(toks):
            raise fail("found '', expected: identifier")
        key = toks[i]
        i += 1
        _check_key(key)
        if negated:
            reqs.append(Requirement(key, "DoesNotExist"))
        elif i >= len(toks) or toks[i] == ",":
            reqs.append(Requirement(key, "Exists"))
        elif toks[i] in ("=", "==", "!="):
            op = "!=" if toks[i] == "!=" else "="
            value, i = take_value(i + 1)
            _check_value(value)
            reqs.append(Requirement(key, op, (value,)))
        elif toks[i] in (">", "<"):
            op = "Gt" if toks[i] == ">" else "Lt"
            value, i = take_value(i + 1)
            if not value.lstrip("-").isdigit():
                raise fail(f"for 'Gt', 'Lt' operators, the value must be an integer: {value!r}")
            reqs.append(Requirement(key, op, (value,)))
        elif toks[i].lower() in ("in", "notin"):
            op = "In" if toks[i].lower() == "in" else "NotIn"
            if i + 1 >= len(toks) or toks[i + 1] != "(":
                raise fail(f"found '{toks[i + 1] if i + 1 < len(toks) else ''}', expected: '('")
            i += 2
            values: list[str] = []
            while i < len(toks) and toks[i] != ")":
                if toks[i] == ",":
                    i += 1
                    continue
                _check_value(toks[i])
                values.append(toks[i])
                i += 1
            if i >= len(toks):
                raise fail("found '', expected: ')'")
            i += 1
            reqs.append(Requirement(key, op, tuple(sorted(set(values)))))
        else:
            raise fail(f"found '{toks[i]}', expected: in, notin, =, ==, !=, gt, lt")
        if i < len(toks):
            if toks[i] != ",":
                raise fail(f"found '{toks[i]}', expected: ',' or 'end of string'")
            i += 1
    return LabelSelector(tuple(reqs))


def _check_key(key: str) -> None:
    if not _KEY.match(key) or len(key.rsplit("/", maxsplit=1)[-1]) > 63:
        raise BadRequest(
            f'unable to parse requirement: invalid label key "{key}": name part '
            "must consist of alphanumeric characters, '-', '_' or '.', and must "
            "start and end with an alphanumeric character"
        )


def _check_value(value: str) -> None:
    if len(value) > 63 or not _VALUE.match(value):
        raise BadRequest(
            f'unable to parse requirement: invalid label value: "{value}": at key: '
            "a valid label must be an empty string or consist of alphanumeric "
            "characters, '-', '_' or '.', and must start and end with an "
            "alphanumeric character"
        )


def selector_from_object(selector: Mapping[str, Any] | None) -> LabelSelector:
    """A ``metav1.LabelSelector``: nil selects nothing, ``{}`` selects everything."""
    if selector is None:
        return LabelSelector(matches_nothing=True)
    reqs = [
        Requirement(k, "=", (str(v),))
        for k, v in sorted((selector.get("matchLabels") or {}).items())
    ]
    for expr in selector.get("matchExpressions") or []:
        op = expr.get("operator", "")
        if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
            raise BadRequest(f'"{op}" is not a valid label selector operator')
        reqs.append(Requirement(expr.get("key", ""), op, tuple(sorted(expr.get("values") or ()))))
    return LabelSelector(tuple(reqs))


@dataclass(frozen=True)
class FieldSelector:
    """``field=value``/``field!=value`` terms, all of which must hold."""

    terms: tuple[tuple[str, bool, str], ...] = ()  # (field path, equal?, value)

    def matches(self, obj: Mapping[str, Any]) -> bool:
        return all((field_value(obj, path) == value) == equal for path, equal, value in self.terms)

    @property
    def empty(self) -> bool:
        return not self.terms

    def value_for(self, path: str) -> str | None:
        """The value an equality term pins ``path`` to, if any (lets lists use an index)."""
        for p, equal, value in self.terms:
            if p == path and equal:
                return value
        return None


def parse_field_selector(text: str, supported: Mapping[str, str]) -> FieldSelector:
    """Parse ``a=b,c!=d``; ``supported`` maps each field label to the object path it reads."""
    terms: list[tuple[str, bool, str]] = []
    for raw in filter(None, (t.strip() for t in text.split(","))):
        if "!=" in raw:
            path, value = raw.split("!=", 1)
            equal = False
        elif "==" in raw:
            path, value = raw.split("==", 1)
            equal = True
        elif "=" in raw:
            path, value = raw.split("=", 1)
            equal = True
        else:
            raise BadRequest(f"invalid selector: '{text}'; can't understand '{raw}'")
        path = path.strip()
        if path not in supported:
            raise BadRequest(f"field label not supported: {path}")
        terms.append((supported[path], equal, value.strip()))
    return FieldSelector(tuple(terms))


def field_value(obj: Mapping[str, Any], path: str) -> str:
    """The string form of a dotted field, as field selectors compare it ("" when absent)."""
    node: Any = obj
    for part in path.split("."):
        if not isinstance(node, Mapping):
            return ""
        node = node.get(part)
    if node is None:
        return ""
    if isinstance(node, bool):
        return "true" if node else "false"
    return str(node)
