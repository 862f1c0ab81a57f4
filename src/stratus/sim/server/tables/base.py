"""Building ``meta.k8s.io/v1`` Table objects: columns, rows and the human duration format."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from stratus.sim.clock import parse_timestamp
from stratus.sim.store import Obj, selector_from_object

__all__ = [
    "Column",
    "Printer",
    "age",
    "format_labels",
    "format_selector",
    "human_duration",
    "since",
]

Cell = str | int | bool | None


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "string"
    format: str = ""
    description: str = ""
    priority: int = 0

    def definition(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        }


NAME = Column("Name", format="name", description="The name of the object.")
AGE = Column("Age", description="How long ago the object was created.")
RowFn = Callable[[Obj, float], list[Cell]]


@dataclass(frozen=True)
class Printer:
    columns: tuple[Column, ...]
    row: RowFn
    conditions: Callable[[Obj], list[dict[str, str]] | None] = field(default=lambda _: None)


def human_duration(seconds: float) -> str:
    """Kubernetes' HumanDuration: "5s", "3m2s", "10m", "3h5m", "2d3h", "45d", "2y15d"."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        rest = s % 60
        return f"{minutes}m" if rest == 0 else f"{minutes}m{rest}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h" if rest == 0 else f"{hours}h{rest}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 192:
        rest = hours % 24
        return f"{hours // 24}d" if rest == 0 else f"{hours // 24}d{rest}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = hours // 24
        return f"{days // 365}y" if days % 365 == 0 else f"{days // 365}y{days % 365}d"
    return f"{hours // 24 // 365}y"


def since(timestamp: str | None, now: float) -> str:
    if not timestamp:
        return "<unknown>"
    try:
        return human_duration(now - parse_timestamp(timestamp))
    except ValueError:
        return "<invalid>"


def age(obj: Obj, now: float) -> str:
    return since(obj["metadata"].get("creationTimestamp"), now)


def format_labels(labels: Mapping[str, str] | None) -> str:
    if not labels:
        return "<none>"
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


def format_selector(selector: Mapping[str, Any] | None, empty: str = "<none>") -> str:
    if not selector:
        return empty
    text = str(selector_from_object(dict(selector)))
    return text or empty


def containers_and_images(pod_spec: Mapping[str, Any] | None) -> tuple[str, str]:
    containers = (pod_spec or {}).get("containers") or []
    return (
        ",".join(c.get("name", "") for c in containers),
        ",".join(c.get("image", "") for c in containers),
    )


def more(items: list[str], total: int, limit: int = 3, empty: str = "<unset>") -> str:
    if not items:
        return empty
    text = ",".join(items[:limit])
    if total > limit:
        text += f" + {total - limit} more..."
    return text
