"""Server-side table printing (the ``as=Table`` representation kubectl prints)."""

from __future__ import annotations

from typing import Any

from stratus.sim.server.tables.base import NAME, Column, Printer, human_duration
from stratus.sim.server.tables.core import CORE_PRINTERS
from stratus.sim.server.tables.other import OTHER_PRINTERS
from stratus.sim.server.tables.workloads import WORKLOAD_PRINTERS
from stratus.sim.store import Obj

__all__ = ["Printer", "build_table", "human_duration", "printer_for"]

_PRINTERS: dict[str, Printer] = {**CORE_PRINTERS, **WORKLOAD_PRINTERS, **OTHER_PRINTERS}
_DEFAULT = Printer(
    (NAME, Column("Created At", type="date", description="When the object was created.")),
    lambda o, now: [o["metadata"]["name"], o["metadata"].get("creationTimestamp")],
)


def printer_for(kind: str) -> Printer:
    return _PRINTERS.get(kind, _DEFAULT)


def build_table(
    kind: str,
    objects: list[Obj],
    now: float,
    *,
    include: str = "Metadata",
    table_version: str = "v1",
    headers: bool = True,
    list_meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A Table of ``objects``; ``include`` is the includeObject option (None/Metadata/Object)."""
    printer = printer_for(kind)
    api_version = f"meta.k8s.io/{table_version}"
    rows = []
    for obj in objects:
        row: dict[str, Any] = {"cells": printer.row(obj, now)}
        conditions = printer.conditions(obj)
        if conditions:
            row["conditions"] = conditions
        if include == "Object":
            row["object"] = obj
        elif include == "None":
            row["object"] = None
        else:
            row["object"] = {
                "kind": "PartialObjectMetadata",
                "apiVersion": api_version,
                "metadata": obj["metadata"],
            }
        rows.append(row)
    return {
        "kind": "Table",
        "apiVersion": api_version,
        "metadata": list_meta or {},
        "columnDefinitions": [c.definition() for c in printer.columns] if headers else None,
        "rows": rows,
    }
