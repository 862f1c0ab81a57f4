"""Request parameters as Prometheus' HTTP API reads them: timestamps and durations."""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime, timedelta, timezone

from stratus.sim.telemetry.promql.numbers import parse_duration, parse_float

__all__ = ["go_quote", "parse_api_duration", "parse_time"]

_RFC3339 = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([Zz])|([+-])(\d\d):(\d\d))"
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def go_quote(text: str) -> str:
    """Close to Go's ``%q``: a double-quoted string with escapes."""
    return json.dumps(text, ensure_ascii=False)


def _rfc3339_ms(text: str) -> int | None:
    match = _RFC3339.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zulu, sign, tz_h, tz_m = match.groups()
    try:
        offset = timedelta(0)
        if not zulu:
            offset = timedelta(hours=int(tz_h), minutes=int(tz_m)) * (-1 if sign == "-" else 1)
        stamp = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            tzinfo=timezone(offset),
        )
    except ValueError:
        return None
    whole = (stamp - _EPOCH) // timedelta(seconds=1)
    return whole * 1000 + int((fraction or "0")[:3].ljust(3, "0"))


def parse_time(text: str) -> float | None:
    """Unix seconds (float) or RFC 3339, to millisecond precision; None if unparsable."""
    value = parse_float(text)
    if value is not None:
        if not math.isfinite(value):
            return None
        whole = math.trunc(value)
        return (whole * 1000 + round((value - whole) * 1000)) / 1000
    ms = _rfc3339_ms(text)
    return None if ms is None else ms / 1000


def parse_api_duration(text: str) -> float | str:
    """Seconds from float seconds or a Prometheus duration; on failure, the error message."""
    value = parse_float(text)
    if value is not None:
        if math.isnan(value):
            return f"cannot parse {go_quote(text)} to a valid duration"
        if abs(value) * 1e9 > 2.0**63:
            return f"cannot parse {go_quote(text)} to a valid duration. It overflows int64"
        return value
    seconds = parse_duration(text)
    if seconds is None:
        return f"cannot parse {go_quote(text)} to a valid duration"
    return seconds
