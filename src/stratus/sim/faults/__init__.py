"""Faults as data: YAML documents that say how to break an app, how to undo the break, the
fix an SRE would type and the symptoms to expect. Built-in faults live in ``data/``; any
``*.yaml`` file or folder of them adds more. Nothing in the emulated cloud knows which fault
is active: a fault only changes objects and application state through public operations."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from stratus.sim.errors import DefinitionError
from stratus.sim.faults.client import ClusterClient, InProcessClient
from stratus.sim.faults.kubectl import KubectlError
from stratus.sim.faults.model import Expectation, FaultSpec, Step, load_fault_file
from stratus.sim.faults.runner import FaultRunner, app_manifests

__all__ = [
    "ClusterClient",
    "Expectation",
    "FaultCatalog",
    "FaultRunner",
    "FaultSpec",
    "InProcessClient",
    "KubectlError",
    "Step",
    "app_manifests",
    "load_fault_file",
]

_BUILTIN = Path(__file__).parent / "data"


class FaultCatalog:
    """The faults known by name: the built-in ones plus those in ``extra`` files or folders.
    A later definition of a name is an error, so a typo cannot silently shadow a fault."""

    def __init__(self, extra: Iterable[Path] = (), builtin: bool = True) -> None:
        self._faults: dict[str, FaultSpec] = {}
        self._origin: dict[str, Path] = {}
        sources = [_BUILTIN] if builtin else []
        for source in [*sources, *extra]:
            if not source.exists():
                raise DefinitionError(str(source), "", "no such fault file or folder")
            files = sorted(source.glob("*.yaml")) if source.is_dir() else [source]
            for path in files:
                for fault in load_fault_file(path):
                    self._add(fault, path)

    def _add(self, fault: FaultSpec, path: Path) -> None:
        if fault.name in self._faults:
            raise DefinitionError(
                str(path),
                "name",
                f"fault {fault.name!r} is already defined in {self._origin[fault.name]}",
            )
        self._faults[fault.name] = fault
        self._origin[fault.name] = path

    def names(self) -> list[str]:
        return sorted(self._faults)

    def all(self) -> list[FaultSpec]:
        return [self._faults[name] for name in self.names()]

    def get(self, name: str) -> FaultSpec:
        try:
            return self._faults[name]
        except KeyError:
            close = [n for n in self.names() if name in n or n in name][:5]
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise KeyError(f"no fault named {name!r}{hint}") from None

    def origin(self, name: str) -> Path:
        return self._origin[name]

    def __len__(self) -> int:
        return len(self._faults)
