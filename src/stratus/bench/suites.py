"""The suites shipped as data (``data/<suite>/*.yaml``): ``aiopslab`` (analogues of AIOpsLab's
detection, localization, analysis and 14 mitigation problems, plus no-fault problems),
``sregym`` (the SREGym-style faults) and ``all``; and selecting problems from them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from stratus.bench.errors import SuiteError
from stratus.bench.loading import load_problems
from stratus.bench.problem import TASKS, Problem

__all__ = ["SUITES", "load_suite", "select", "suite_dir"]

_DATA = Path(__file__).parent / "data"
SUITES = ("aiopslab", "sregym", "all")


def suite_dir(name: str) -> Path:
    return _DATA / name


def load_suite(name: str) -> list[Problem]:
    """The problems of a shipped suite, in file order."""
    if name == "all":
        return load_problems([suite_dir("aiopslab"), suite_dir("sregym")])
    if name not in SUITES:
        raise SuiteError(f"no suite {name!r}; the suites are {', '.join(SUITES)}")
    return load_problems([suite_dir(name)])


def select(
    problems: Sequence[Problem],
    *,
    tasks: Iterable[str] = (),
    ids: Iterable[str] = (),
    tags: Iterable[str] = (),
) -> list[Problem]:
    """Problems of the given tasks, ids (exact, or a prefix ending in ``*``) and tags; an
    empty filter keeps everything. Selecting nothing is an error."""
    tasks, ids, tags = list(tasks), list(ids), list(tags)
    bad = [t for t in tasks if t not in TASKS]
    if bad:
        raise SuiteError(f"no task {bad[0]!r}; the tasks are {', '.join(TASKS)}")
    out = [
        p
        for p in problems
        if (not tasks or p.task in tasks)
        and (not ids or any(_match(pattern, p.id) for pattern in ids))
        and (not tags or set(tags) & set(p.doc.tags))
    ]
    if not out:
        raise SuiteError("the selection names no problem")
    return out


def _match(pattern: str, problem_id: str) -> bool:
    if pattern.endswith("*"):
        return problem_id.startswith(pattern[:-1])
    return problem_id == pattern
