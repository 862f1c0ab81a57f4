"""A short description of the machine a benchmark ran on."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any

__all__ = ["describe_machine", "save_result"]


def describe_machine() -> dict[str, object]:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory_gib = 0.0
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gib = round(int(line.split()[1]) / 2**20, 1)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": memory_gib,
        "python": platform.python_version(),
        "system": platform.system(),
    }


def save_result(path: Path, summary: dict[str, Any], rows_name: str, rows: list[Any]) -> None:
    """Write ``{"machine", "summary", rows_name: rows}`` as JSON to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"machine": describe_machine(), "summary": summary, rows_name: rows}
    path.write_text(json.dumps(body, indent=1) + "\n")
    print(f"wrote {path}")
