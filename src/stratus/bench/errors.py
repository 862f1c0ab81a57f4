"""Errors of the benchmark, split by who must act.

::

    BenchError            anything the benchmark raises on purpose
    ├── ProblemError      a problem file is malformed: its author must fix it (path, field, reason)
    ├── SuiteError        no such suite or problem selection: the user picks another
    ├── ResultsError      a results file cannot be read: the user points at another
    └── StageError        the emulated cloud for a problem could not be prepared (a bug to report)
"""

from __future__ import annotations

__all__ = ["BenchError", "ProblemError", "ResultsError", "StageError", "SuiteError"]


class BenchError(Exception):
    """Base of every error the benchmark raises on purpose."""


class ProblemError(BenchError):
    """A problem file (or the fault, app or check it names) is wrong. ``path`` is the file,
    ``field`` the dotted place inside it (may be empty), ``reason`` what is wrong."""

    def __init__(self, path: str, field: str, reason: str) -> None:
        where = f"{path}: {field}" if field else path
        super().__init__(f"{where}: {reason}")
        self.path = path
        self.field = field
        self.reason = reason


class SuiteError(BenchError):
    """An unknown suite, or a selection that names no problem."""


class ResultsError(BenchError):
    """A results file (JSONL) is missing or unreadable."""


class StageError(BenchError):
    """Preparing a problem's emulated cloud failed."""
