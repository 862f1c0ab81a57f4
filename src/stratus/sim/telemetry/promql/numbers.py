"""Number and duration text as Prometheus (Go's ``strconv``) reads and writes it."""

from __future__ import annotations

import math
import re
from decimal import Decimal

__all__ = ["format_float", "format_label_set", "parse_duration", "parse_float"]

# Go's strconv.ParseFloat, minus hexadecimal floats: no whitespace, no underscores.
_FLOAT = re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|(?i:inf|infinity|nan))")
_DURATION = re.compile(
    r"(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?"
)
_UNIT_SECONDS = (365 * 86400.0, 7 * 86400.0, 86400.0, 3600.0, 60.0, 1.0, 0.001)


def parse_float(text: str) -> float | None:
    """``text`` as Go parses a float64, or None where Go reports an error (overflow included)."""
    if _FLOAT.fullmatch(text) is None:
        return None
    value = float(text)
    if math.isinf(value) and "n" not in text.lower():
        return None  # "1e999": Go returns ErrRange
    return value


def parse_duration(text: str) -> float | None:
    """A Prometheus duration (``1h30m``, ``15s``, ``250ms``) in seconds, or None."""
    match = _DURATION.fullmatch(text)
    if text == "0":
        return 0.0
    if not text or match is None:
        return None
    return sum(int(g) * unit for g, unit in zip(match.groups(), _UNIT_SECONDS, strict=True) if g)


def format_float(value: float) -> str:
    """Go's ``strconv.FormatFloat(v, 'f', -1, 64)``: shortest round-trip digits, no exponent."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    text = repr(value)
    if "e" in text:
        text = format(Decimal(text), "f")
    return text.removesuffix(".0")


def format_label_set(labels: dict[str, str]) -> str:
    """Labels as Prometheus prints them in error messages: ``{__name__="up", job="x"}``."""
    inner = ", ".join(f'{name}="{labels[name]}"' for name in sorted(labels))
    return "{" + inner + "}"
