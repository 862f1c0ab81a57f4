"""The durable journal of transactions: what every write was about to change, recorded before
the write runs, so an undo (or a later process recovering from a crash) can put it back.

One SQLite file per cluster context (``journal_path``), in WAL mode with ``synchronous=FULL``:
each record is committed and on disk before the call that writes it returns. One writer at a
time: a writer holds an exclusive ``flock`` on ``<file>.lock`` for as long as it is open (the
operating system drops it when the process dies, so a dead writer never blocks the next);
readers (``writer=False``) take no lock.

A transaction's state moves ``open → committed | aborted | undone | undo-failed``; ``aborted``
means "to be undone" (recovery picks it up with ``open``), and an undo may run again on a
committed or undo-failed transaction.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from stratus.kube.objects import Obj
from stratus.kube.refs import ObjectRef
from stratus.settings import load_settings
from stratus.tnr.errors import JournalError, JournalLocked

__all__ = ["PENDING", "Entry", "Journal", "Transaction", "TxState", "journal_path"]

EXCERPT = 4000  # characters of a write's stdout/stderr kept
_SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS transactions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    state TEXT NOT NULL,
    meta TEXT NOT NULL,
    opened_at REAL NOT NULL,
    closed_at REAL,
    detail TEXT,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tx_id INTEGER NOT NULL REFERENCES transactions(id),
    kind TEXT NOT NULL,
    seq INTEGER,
    ref TEXT,
    data TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_by_tx ON entries(tx_id, id);
"""


class TxState(StrEnum):
    OPEN = "open"
    COMMITTED = "committed"
    ABORTED = "aborted"
    UNDONE = "undone"
    UNDO_FAILED = "undo-failed"


_NEXT: dict[TxState, frozenset[TxState]] = {
    TxState.OPEN: frozenset(set(TxState) - {TxState.OPEN}),
    TxState.ABORTED: frozenset({TxState.UNDONE, TxState.UNDO_FAILED}),
    TxState.COMMITTED: frozenset({TxState.UNDONE, TxState.UNDO_FAILED}),
    TxState.UNDO_FAILED: frozenset({TxState.UNDONE, TxState.UNDO_FAILED}),
    TxState.UNDONE: frozenset(),
}
PENDING = frozenset({TxState.OPEN, TxState.ABORTED})


@dataclass(frozen=True)
class Transaction:
    id: int
    state: TxState
    meta: dict[str, Any]
    opened_at: float
    closed_at: float | None
    detail: dict[str, Any] | None
    pid: int
    host: str


@dataclass(frozen=True)
class Entry:
    """One record: ``snapshot`` (``ref``; ``data["object"]`` is None if it did not exist),
    ``planned`` and ``outcome`` (``seq``: the write's number), ``state`` (a close)."""

    id: int
    tx_id: int
    kind: str
    seq: int | None
    ref: ObjectRef | None
    data: dict[str, Any]
    at: float


def journal_path(context: str, state_dir: Path | None = None) -> Path:
    """``<state dir>/journal/<context>.sqlite``; a context name that is not a safe file name
    (``arn:aws:eks:…/prod``) is cleaned and suffixed with a short hash of the original."""
    base = state_dir if state_dir is not None else load_settings().state_dir
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", context) or "default"
    if safe != context:
        safe += "-" + hashlib.sha256(context.encode()).hexdigest()[:8]
    return base / "journal" / f"{safe}.sqlite"


class Journal:
    """Use ``Journal.open``; release with ``release()`` or a ``with`` block."""

    def __init__(
        self, path: Path, db: sqlite3.Connection, lock_fd: int | None, clock: Callable[[], float]
    ) -> None:
        self.path = path
        self._db = db
        self._lock_fd = lock_fd
        self._clock = clock
        self._mutex = threading.Lock()
        db.row_factory = sqlite3.Row

    @classmethod
    def open(
        cls, path: Path, *, writer: bool = True, clock: Callable[[], float] = time.time
    ) -> Journal:
        """Open (a writer creates) the journal at ``path``. A writer takes the lock or raises
        ``JournalLocked`` naming its holder; a reader needs the file to exist."""
        lock_fd = None
        if writer:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            lock_fd = _take_lock(path)
        elif not path.exists():
            raise JournalError(f"no journal at {path}")
        try:
            db = _connect(path, writer)
        except (sqlite3.Error, OSError, JournalError) as exc:
            if lock_fd is not None:
                os.close(lock_fd)
            if isinstance(exc, JournalError):
                raise
            raise JournalError(f"cannot open journal {path}: {exc}") from exc
        return cls(path, db, lock_fd, clock)

    # -- writing ----------------------------------------------------------------------

    def begin(self, meta: Mapping[str, Any] | None = None) -> int:
        """A new open transaction; ``meta`` (μ_pre, the command, the policy ...) is kept as JSON."""
        with self._write() as db:
            cursor = db.execute(
                "INSERT INTO transactions (state, meta, opened_at, pid, host) VALUES (?,?,?,?,?)",
                (TxState.OPEN, _dump(meta or {}), self._clock(), os.getpid(), socket.gethostname()),
            )
            return int(cursor.lastrowid or 0)

    def snapshot(self, tx_id: int, ref: ObjectRef, obj: Mapping[str, Any] | None) -> None:
        """The object as it was before a write (None: it did not exist). Call before the write."""
        self._append(tx_id, "snapshot", {"object": obj}, ref=ref)

    def planned(
        self, tx_id: int, seq: int, argv: Sequence[str], targets: Sequence[ObjectRef]
    ) -> None:
        """The write about to run (its number ``seq`` in the transaction) and what it touches."""
        targets_ = [t.to_dict() for t in targets]
        self._append(tx_id, "planned", {"argv": list(argv), "targets": targets_}, seq=seq)

    def outcome(
        self, tx_id: int, seq: int, exit_code: int, stdout: str = "", stderr: str = ""
    ) -> None:
        """How the write ``seq`` ended; output beyond ``EXCERPT`` characters is cut."""
        out, err = _excerpt(stdout), _excerpt(stderr)
        self._append(
            tx_id, "outcome", {"exit_code": exit_code, "stdout": out, "stderr": err}, seq=seq
        )

    def close(self, tx_id: int, state: TxState, detail: Mapping[str, Any] | None = None) -> None:
        """Move the transaction to ``state`` (``detail``, e.g. an undo report, is kept with it)."""
        state = TxState(state)
        with self._write() as db:
            current = self._state(db, tx_id)
            if state not in _NEXT[current]:
                raise JournalError(f"transaction {tx_id} is {current}; it cannot become {state}")
            now = self._clock()
            db.execute(
                "UPDATE transactions SET state=?, closed_at=?, detail=? WHERE id=?",
                (state, now, _dump(detail) if detail is not None else None, tx_id),
            )
            db.execute(
                "INSERT INTO entries (tx_id, kind, data, at) VALUES (?, 'state', ?, ?)",
                (tx_id, _dump({"from": current, "to": state, "detail": detail}), now),
            )

    # -- reading ----------------------------------------------------------------------

    def transaction(self, tx_id: int) -> Transaction:
        rows = self._read("SELECT * FROM transactions WHERE id=?", (tx_id,))
        if not rows:
            raise JournalError(f"journal {self.path} has no transaction {tx_id}")
        return _transaction(rows[0])

    def transactions(self) -> list[Transaction]:
        return [_transaction(r) for r in self._read("SELECT * FROM transactions ORDER BY id")]

    def open_transactions(self) -> list[Transaction]:
        """Transactions still to finish or undo (``open`` or ``aborted``), oldest first."""
        return [t for t in self.transactions() if t.state in PENDING]

    def entries(self, tx_id: int) -> list[Entry]:
        rows = self._read("SELECT * FROM entries WHERE tx_id=? ORDER BY id", (tx_id,))
        return [_entry(r) for r in rows]

    def checkpoints(self, tx_id: int) -> dict[ObjectRef, Obj | None]:
        """Each object's first snapshot in the transaction (its state before the
        transaction), in the order they were taken; None: it did not exist."""
        out: dict[ObjectRef, Obj | None] = {}
        for entry in self.entries(tx_id):
            if entry.kind == "snapshot" and entry.ref is not None and entry.ref not in out:
                out[entry.ref] = entry.data.get("object")
        return out

    # -- plumbing ---------------------------------------------------------------------

    def _append(
        self,
        tx_id: int,
        kind: str,
        data: Mapping[str, Any],
        *,
        seq: int | None = None,
        ref: ObjectRef | None = None,
    ) -> None:
        with self._write() as db:
            state = self._state(db, tx_id)
            if state is not TxState.OPEN:
                raise JournalError(f"transaction {tx_id} is {state}; nothing can be added to it")
            db.execute(
                "INSERT INTO entries (tx_id, kind, seq, ref, data, at) VALUES (?,?,?,?,?,?)",
                (
                    tx_id,
                    kind,
                    seq,
                    _dump(ref.to_dict()) if ref else None,
                    _dump(data),
                    self._clock(),
                ),
            )

    def _state(self, db: sqlite3.Connection, tx_id: int) -> TxState:
        row = db.execute("SELECT state FROM transactions WHERE id=?", (tx_id,)).fetchone()
        if row is None:
            raise JournalError(f"journal {self.path} has no transaction {tx_id}")
        return TxState(row[0])

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        if self._lock_fd is None:
            raise JournalError(f"journal {self.path} was opened read-only")
        with self._mutex:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                raise JournalError(f"cannot write journal {self.path}: {exc}") from exc

    def _read(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._mutex:
            try:
                return list(self._db.execute(sql, args).fetchall())
            except sqlite3.Error as exc:
                raise JournalError(f"cannot read journal {self.path}: {exc}") from exc

    def release(self) -> None:
        """Close the file and give up the writer lock."""
        self._db.close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _connect(path: Path, writer: bool) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
    try:
        if writer:
            os.chmod(path, 0o600)  # snapshots hold Secrets
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA foreign_keys=ON")
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        if version > _SCHEMA_VERSION:
            raise JournalError(f"journal {path} was written by a newer stratus (v{version})")
        if writer and version < _SCHEMA_VERSION:
            db.executescript(_SCHEMA + f"PRAGMA user_version = {_SCHEMA_VERSION};")
    except BaseException:
        db.close()
        raise
    return db


def _take_lock(path: Path) -> int:
    lock = path.with_name(path.name + ".lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 4096, 0).decode(errors="replace").strip() or "an unknown process"
        os.close(fd)
        raise JournalLocked(
            f"journal {path} is in use by {holder}; one writer at a time: wait for it to finish "
            f"or stop it"
        ) from None
    holder = (
        f"pid {os.getpid()} on {socket.gethostname()} since {time.strftime('%Y-%m-%dT%H:%M:%S%z')}"
    )
    os.ftruncate(fd, 0)
    os.pwrite(fd, holder.encode(), 0)
    return fd


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _excerpt(text: str) -> str:
    if len(text) <= EXCERPT:
        return text
    return text[:EXCERPT] + f"\n… ({len(text) - EXCERPT} more characters cut)"


def _transaction(row: sqlite3.Row) -> Transaction:
    fields = dict(row)
    detail = json.loads(fields.pop("detail") or "null")
    state, meta = TxState(fields.pop("state")), json.loads(fields.pop("meta"))
    return Transaction(**fields, state=state, meta=meta, detail=detail)


def _entry(row: sqlite3.Row) -> Entry:
    fields = dict(row)
    ref = fields.pop("ref")
    data = json.loads(fields.pop("data"))
    return Entry(**fields, ref=ObjectRef.from_dict(json.loads(ref)) if ref else None, data=data)
