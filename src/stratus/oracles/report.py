"""What an oracle says: passed or not, and why, in lines a model or an operator can act on."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["OracleReport", "OracleResult"]


@dataclass(frozen=True)
class OracleResult:
    name: str
    passed: bool
    reasons: tuple[str, ...] = ()

    def __str__(self) -> str:
        verdict = "passed" if self.passed else "failed"
        return f"{self.name} {verdict}" + (f": {'; '.join(self.reasons)}" if self.reasons else "")


@dataclass(frozen=True)
class OracleReport:
    """All oracles' results; ``passed`` only when every one passed. ``elapsed`` is the time
    the evaluation waited (seconds of the clock it was given)."""

    results: tuple[OracleResult, ...]
    elapsed: float = 0.0

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(r.passed for r in self.results)

    def result(self, name: str) -> OracleResult:
        return next(r for r in self.results if r.name == name)

    def __str__(self) -> str:
        head = "solved" if self.passed else "not solved"
        return f"{head} ({'; '.join(map(str, self.results))})"
