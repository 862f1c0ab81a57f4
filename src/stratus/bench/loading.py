"""Reading problem files: YAML → checked ``ProblemDoc`` → ``Problem`` with its fault, app,
namespace and entrypoints resolved. Every mistake is a ``ProblemError`` naming the file, the
place inside it and the reason.

A file holds one problem, or ``problems: [...]`` with optional ``fault_files: [...]`` (fault
YAML files or folders, relative to the file) that add faults the problems may name."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from stratus.bench.checks import api_version, parse_path
from stratus.bench.errors import ProblemError
from stratus.bench.problem import TASKS, Problem, ProblemDoc
from stratus.sim.apps import App, builtin_apps, load_app
from stratus.sim.errors import DefinitionError
from stratus.sim.faults import FaultCatalog, FaultSpec

__all__ = ["load_problem_file", "load_problems"]

_TOP_KEYS = {"problems", "fault_files"}


def load_problems(sources: Iterable[Path]) -> list[Problem]:
    """Problems from files or folders (every ``*.yaml`` below a folder, sorted); ids must be
    unique across them."""
    apps: dict[str, App] = {}
    out: list[Problem] = []
    seen: dict[str, str] = {}
    for source in sources:
        if not source.exists():
            raise ProblemError(str(source), "", "no such problem file or folder")
        files = sorted(source.rglob("*.yaml")) if source.is_dir() else [source]
        for path in files:
            for problem in load_problem_file(path, apps):
                if problem.id in seen:
                    raise ProblemError(
                        str(path),
                        "id",
                        f"problem {problem.id!r} is also defined in {seen[problem.id]}",
                    )
                seen[problem.id] = str(path)
                out.append(problem)
    return out


def load_problem_file(path: Path, apps: dict[str, App] | None = None) -> list[Problem]:
    """The problems one file defines (a task list expands to one problem per task)."""
    apps = {} if apps is None else apps
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ProblemError(str(path), "", f"cannot read problem file: {exc}") from exc
    listed = isinstance(raw, dict) and "problems" in raw
    if listed:
        unknown = sorted(set(raw) - _TOP_KEYS)
        if unknown:
            raise ProblemError(
                str(path), unknown[0], "unknown key (expected problems, fault_files)"
            )
        entries, prefix = raw["problems"], "problems"
    else:
        entries, prefix = [raw], ""
    if not isinstance(entries, list) or not entries:
        raise ProblemError(str(path), prefix, "expected a non-empty list of problems")
    catalog = _catalog(path, raw.get("fault_files") if listed else None)
    out: list[Problem] = []
    for index, entry in enumerate(entries):
        where = f"{prefix}[{index}]." if listed else ""
        if not isinstance(entry, dict):
            raise ProblemError(str(path), where.rstrip("."), "expected a mapping")
        for doc_raw in _expand(entry, str(path), where):
            doc = _validate(doc_raw, str(path), where)
            out.append(_resolve(doc, path, where, catalog, apps))
    return out


def _catalog(path: Path, fault_files: Any) -> FaultCatalog:
    if fault_files is None:
        return FaultCatalog()
    if not isinstance(fault_files, list) or not all(isinstance(f, str) for f in fault_files):
        raise ProblemError(str(path), "fault_files", "expected a list of paths")
    try:
        return FaultCatalog(extra=[path.parent / f for f in fault_files])
    except DefinitionError as exc:
        raise ProblemError(str(path), "fault_files", str(exc)) from exc


def _expand(entry: Mapping[str, Any], path: str, where: str) -> list[dict[str, Any]]:
    """A ``task`` list becomes one entry per task, with ``-<task>`` appended to the id."""
    task = entry.get("task")
    if not isinstance(task, list):
        return [dict(entry)]
    if not task:
        raise ProblemError(path, where + "task", "an empty list of tasks")
    bad = [t for t in task if t not in TASKS]
    if bad:
        raise ProblemError(path, where + "task", f"unknown task {bad[0]!r}; expected {TASKS}")
    return [{**entry, "task": t, "id": f"{entry.get('id')}-{t}"} for t in task]


def _validate(raw: dict[str, Any], path: str, where: str) -> ProblemDoc:
    try:
        return ProblemDoc.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ProblemError(path, (where + _dotted(first["loc"])).rstrip("."), first["msg"]) from exc


def _dotted(loc: tuple[int | str, ...]) -> str:
    """``("oracle", "checks", 0, "field")`` → ``oracle.checks[0].field``; the tags of the
    fault union (``name``/``inline``) are left out."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part not in ("name", "inline") or not out.endswith("fault"):
            out += f".{part}" if out else part
    return out


def _resolve(
    doc: ProblemDoc, path: Path, where: str, catalog: FaultCatalog, apps: dict[str, App]
) -> Problem:
    ref, app = _app(doc.app, path, where, apps)
    fault = _fault(doc, app, path, where, catalog)
    components = tuple(doc.ground_truth.components) or (
        tuple(fault.components) if fault is not None and isinstance(doc.fault, str) else ()
    )
    if doc.task == "localization" and not components:
        raise ProblemError(str(path), where + "ground_truth.components", "localization needs them")
    for index, check in enumerate(doc.oracle.checks):
        if check.field is None:
            continue
        field = f"{where}oracle.checks[{index}].field"
        try:
            api_version(check.field)
            parse_path(check.field.path)
            if check.field.json_path:
                parse_path(check.field.json_path)
        except ValueError as exc:
            raise ProblemError(str(path), field, str(exc)) from exc
    target = app.workload.target.split(":")[0] if app.workload is not None else ""
    return Problem(
        doc=doc,
        fault=fault,
        app=ref,
        app_name=app.name,
        namespace=doc.namespace or app.namespace,
        entrypoints=tuple(doc.entrypoints) or ((target,) if target else ()),
        components=components,
        origin=str(path),
    )


def _app(name: str, path: Path, where: str, apps: dict[str, App]) -> tuple[str, App]:
    ref = name
    if name not in builtin_apps():
        folder = (path.parent / name).resolve()
        if not folder.is_dir():
            raise ProblemError(
                str(path), where + "app", f"{name!r} is neither a built-in app nor a folder"
            )
        ref = str(folder)
    if ref not in apps:
        try:
            apps[ref] = load_app(ref)
        except DefinitionError as exc:
            raise ProblemError(str(path), where + "app", str(exc)) from exc
    return ref, apps[ref]


def _fault(
    doc: ProblemDoc, app: App, path: Path, where: str, catalog: FaultCatalog
) -> FaultSpec | None:
    gt = doc.ground_truth
    if doc.fault is None:
        return None
    if isinstance(doc.fault, str):
        try:
            fault = catalog.get(doc.fault)
        except KeyError as exc:
            raise ProblemError(str(path), where + "fault", str(exc.args[0])) from exc
        if fault.app != app.name:
            raise ProblemError(
                str(path), where + "fault", f"fault {fault.name} breaks {fault.app}, not {app.name}"
            )
        return fault
    try:
        return FaultSpec(
            name=doc.id,
            description=gt.description or doc.description or doc.id,
            app=app.name,
            source="stratus",
            category=gt.category or "unknown",
            level=gt.level or "Application",
            components=gt.components or [app.name],
            inject=doc.fault.inject,
            recover=doc.fault.recover,
            settle=doc.fault.settle,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ProblemError(str(path), where + "fault", first["msg"]) from exc
