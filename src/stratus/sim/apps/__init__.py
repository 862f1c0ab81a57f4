"""Applications the emulated cloud can deploy: Kubernetes manifests plus the behaviours of
their images. Built-in apps live beside this module; any folder with ``*.yaml`` manifests (and
optionally ``behaviours.yaml`` and ``app.yaml``) is an app too."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from stratus.sim.behaviours import ImageSpec, WorkloadSpec, load_behaviour_file
from stratus.sim.errors import DefinitionError

__all__ = ["App", "builtin_apps", "load_app"]

_HERE = Path(__file__).parent
_RESERVED = {"app.yaml", "behaviours.yaml"}


@dataclass
class App:
    name: str
    description: str
    namespace: str
    manifests: list[dict[str, Any]] = field(default_factory=list)
    behaviours: list[ImageSpec] = field(default_factory=list)
    workload: WorkloadSpec | None = None
    source: Path | None = None


def builtin_apps() -> list[str]:
    return sorted(p.name for p in _HERE.iterdir() if (p / "app.yaml").is_file())


def load_app(name_or_path: str) -> App:
    """A built-in app by name, or an app folder by path."""
    folder = _HERE / name_or_path
    if not (folder / "app.yaml").is_file():
        folder = Path(name_or_path)
    if not folder.is_dir():
        known = ", ".join(builtin_apps())
        raise DefinitionError(
            name_or_path, "", f"no such app: not a built-in app ({known}) and not a folder"
        )
    meta: dict[str, Any] = {}
    if (folder / "app.yaml").is_file():
        loaded = yaml.safe_load((folder / "app.yaml").read_text())
        if not isinstance(loaded, dict):
            raise DefinitionError(str(folder / "app.yaml"), "", "expected a mapping")
        meta = loaded
    workload = None
    if meta.get("workload") is not None:
        try:
            workload = WorkloadSpec.model_validate(meta["workload"])
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise DefinitionError(
                str(folder / "app.yaml"), f"workload.{where}", first["msg"]
            ) from exc
    app = App(
        name=str(meta.get("name", folder.name)),
        description=str(meta.get("description", "")).strip(),
        namespace=str(meta.get("namespace", "default")),
        workload=workload,
        source=folder,
    )
    for path in sorted(folder.glob("*.yaml")):
        if path.name in _RESERVED:
            continue
        app.manifests.extend(_manifests(path))
    if not app.manifests:
        raise DefinitionError(str(folder), "", "the app has no manifests (*.yaml)")
    if (folder / "behaviours.yaml").is_file():
        app.behaviours = load_behaviour_file(folder / "behaviours.yaml")
    return app


def _manifests(path: Path) -> list[dict[str, Any]]:
    try:
        docs = list(yaml.safe_load_all(path.read_text()))
    except yaml.YAMLError as exc:
        raise DefinitionError(str(path), "", f"invalid YAML: {exc}") from exc
    out = []
    for index, doc in enumerate(docs):
        if doc is None:
            continue
        if not isinstance(doc, dict) or "kind" not in doc or "apiVersion" not in doc:
            raise DefinitionError(
                str(path), f"document {index}", "a manifest needs apiVersion and kind"
            )
        out.append(doc)
    return out
