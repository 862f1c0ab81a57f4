"""Kubernetes quantities as numbers: memory in MiB, CPU in millicores."""

from __future__ import annotations

import re

__all__ = ["cpu_millis", "memory_mib"]

_QUANTITY = re.compile(r"^([0-9.]+)([A-Za-z]*)$")
_MEMORY = {
    "": 1 / 2**20,
    "k": 1e3 / 2**20,
    "M": 1e6 / 2**20,
    "G": 1e9 / 2**20,
    "T": 1e12 / 2**20,
    "Ki": 1 / 1024,
    "Mi": 1.0,
    "Gi": 1024.0,
    "Ti": 1024.0**2,
}


def memory_mib(value: object) -> float | None:
    """``"10Mi"`` → 10.0; ``"1G"`` → 953.67…; None when absent or unreadable."""
    match = _QUANTITY.match(str(value)) if value is not None else None
    if match is None or match.group(2) not in _MEMORY:
        return None
    return float(match.group(1)) * _MEMORY[match.group(2)]


def cpu_millis(value: object) -> float | None:
    """``"100m"`` → 100.0; ``"2"`` → 2000.0; None when absent or unreadable."""
    match = _QUANTITY.match(str(value)) if value is not None else None
    if match is None or match.group(2) not in ("", "m"):
        return None
    number = float(match.group(1))
    return number if match.group(2) == "m" else number * 1000
