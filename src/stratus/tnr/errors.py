"""Errors of the safety kernel, split by who must act.

::

    TnrError                 anything the kernel raises on purpose
    ├── Refused              the proposer (a model, a user) must change the command
    ├── PolicyError          the policy file is wrong: its author must fix it
    ├── JournalError         the journal cannot be used as asked: the operator must look
    │   └── JournalLocked    another process is the writer (A1): wait for it, or stop it
    ├── UndoFailed           the cluster stopped answering mid-undo: undo again once it does
    └── UnfaithfulUndo       undo finished but the cluster differs from the checkpoint
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from stratus.kube.refs import ObjectRef

if TYPE_CHECKING:
    from stratus.tnr.undo import UndoReport

__all__ = [
    "JournalError",
    "JournalLocked",
    "PolicyError",
    "Refused",
    "TnrError",
    "UndoFailed",
    "UnfaithfulUndo",
]


class TnrError(Exception):
    """Base of every error the safety kernel raises on purpose."""


class Refused(TnrError):
    """A command the gateway will not run. ``code`` is a stable keyword (``pipe``,
    ``forbidden-kind``, ``namespace``…); ``reason`` is one line a model can act on."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"refused [{code}]: {reason}")
        self.code = code
        self.reason = reason


class PolicyError(TnrError):
    """A policy file that cannot be used: which file, which field, and why."""

    def __init__(self, file: Path | str | None, field: str, reason: str) -> None:
        where = f"{file}: " if file else ""
        super().__init__(f"{where}{field}: {reason}" if field else f"{where}{reason}")
        self.file = Path(file) if file else None
        self.field = field
        self.reason = reason


class JournalError(TnrError):
    """The journal cannot be opened, read or written as asked."""


class JournalLocked(JournalError):
    """Another process holds the journal's writer lock (assumption A1: one writer)."""


class UndoFailed(TnrError):
    """Undo stopped part-way because the cluster stopped answering; run it again later."""

    def __init__(self, message: str, report: UndoReport) -> None:
        super().__init__(message)
        self.report = report


class UnfaithfulUndo(TnrError):
    """Undo ran, but some touched objects differ from their checkpoints (A2 violated)."""

    def __init__(
        self,
        tx_id: int,
        diffs: Mapping[ObjectRef, list[str]],
        failures: Mapping[ObjectRef, str],
        report: UndoReport,
    ) -> None:
        lines = [f"{ref}: differs at {', '.join(paths)}" for ref, paths in diffs.items()]
        lines += [f"{ref}: {failure}" for ref, failure in failures.items()]
        super().__init__(f"undo of transaction {tx_id} is unfaithful:\n  " + "\n  ".join(lines))
        self.tx_id = tx_id
        self.diffs = dict(diffs)
        self.failures = dict(failures)
        self.report = report
