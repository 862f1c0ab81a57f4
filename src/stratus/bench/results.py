"""One line of a results file: a problem run by an agent (or the error that stopped it), with
its grade, what it cost, and its μ trajectory. Results files are JSONL, appended as problems
finish; ``read_results`` reads them back (a torn last line, from a killed run, is skipped)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from stratus.agents.results import Usage
from stratus.bench.errors import ResultsError
from stratus.bench.grade import Answer
from stratus.bench.problem import Problem
from stratus.bench.trace import MuSample

__all__ = ["ProblemResult", "append_result", "read_results", "result_key"]


def result_key(problem: str, agent: str, seed: int, repeat: int) -> str:
    return f"{problem}|{agent}|{seed}|{repeat}"


class ProblemResult(BaseModel):
    """``virtual_seconds``: the agent's run on the problem's clock; ``wall_seconds``: the whole
    problem (setup and grading included); ``agent_wall_seconds``: the agent's run alone."""

    model_config = ConfigDict(frozen=True, extra="forbid", ser_json_inf_nan="strings")
    problem: str
    task: str
    app: str
    category: str
    fault: str | None
    tags: tuple[str, ...] = ()
    agent: str
    seed: int = 0
    repeat: int = 0
    status: Literal["ok", "error"] = "ok"
    error: str = ""
    success: bool = False
    reason: str = ""
    false_positive: bool | None = None
    component_match: bool | None = None
    category_match: bool | None = None
    oracles: dict[str, tuple[bool, tuple[str, ...]]] = {}
    answer: Answer = Answer()
    outcome: str = ""
    attempts: int = 0
    undos: int = 0
    actions: tuple[str, ...] = ()
    usage: Usage = Usage()
    virtual_seconds: float = 0.0
    wall_seconds: float = 0.0
    agent_wall_seconds: float = 0.0
    mu: tuple[MuSample, ...] = ()
    mu_initial: float = math.nan
    mu_final: float = math.nan
    tnr_held: bool | None = None

    @property
    def key(self) -> str:
        return result_key(self.problem, self.agent, self.seed, self.repeat)

    @classmethod
    def blank(cls, problem: Problem, agent: str, seed: int, repeat: int) -> ProblemResult:
        """A result naming the problem and agent, with nothing measured yet."""
        return cls(
            problem=problem.id,
            task=problem.task,
            app=problem.app_name,
            category=problem.category,
            fault=problem.fault.name if problem.fault else None,
            tags=tuple(problem.doc.tags),
            agent=agent,
            seed=seed,
            repeat=repeat,
        )

    def failed(self, error: str, **update: object) -> ProblemResult:
        """This result as an error: ``error`` holds the message and the traceback."""
        reason = "error: " + (error.splitlines() or [""])[0]
        return self.model_copy(
            update={"status": "error", "error": error, "reason": reason[:300], **update}
        )


def append_result(path: Path, result: ProblemResult) -> None:
    """Append one line and flush it to disk, so an interrupted run keeps what finished."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(result.model_dump_json() + "\n")
        out.flush()


def read_results(paths: Iterable[Path]) -> list[ProblemResult]:
    """Every result in the files (a folder means its ``results.jsonl``); a later line with
    the same key replaces an earlier one."""
    found: dict[str, ProblemResult] = {}
    for path in paths:
        file = path / "results.jsonl" if path.is_dir() else path
        try:
            lines = file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ResultsError(f"cannot read results {file}: {exc}") from exc
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                result = ProblemResult.model_validate(json.loads(line))
            except (json.JSONDecodeError, ValidationError) as exc:
                if number == len(lines):
                    continue  # torn by a killed run
                raise ResultsError(f"{file}:{number}: not a result: {exc}") from exc
            found[result.key] = result
    return list(found.values())
