"""The journal: durable records, one writer, transactions a dead process left open."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from stratus.kube.refs import ObjectRef
from stratus.tnr.errors import JournalError, JournalLocked
from stratus.tnr.journal import EXCERPT, Journal, TxState, journal_path

CM = ObjectRef("v1", "ConfigMap", "shop", "settings")
DEPLOY = ObjectRef("apps/v1", "Deployment", "shop", "web")
CONFIGMAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}}


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "journal" / "ctx.sqlite"


@pytest.fixture
def journal(path: Path) -> Iterator[Journal]:
    with Journal.open(path) as opened:
        yield opened


def test_records_survive_reopening(path: Path) -> None:
    with Journal.open(path) as journal:
        tx = journal.begin({"mu_pre": 3.0, "command": "kubectl scale"})
        journal.snapshot(tx, CM, CONFIGMAP)
        journal.snapshot(tx, DEPLOY, None)
        journal.planned(tx, 1, ["kubectl", "apply", "-f", "x.yaml"], [CM, DEPLOY])
        journal.outcome(tx, 1, 0, "configmap/settings configured\n", "")
        journal.snapshot(tx, CM, {**CONFIGMAP, "data": {"later": "1"}})
        journal.close(tx, TxState.COMMITTED, {"mu_post": 1.0})
    with Journal.open(path, writer=False) as journal:
        (record,) = journal.transactions()
        assert (record.id, record.state, record.meta["mu_pre"]) == (tx, "committed", 3.0)
        assert record.detail == {"mu_post": 1.0}
        assert record.pid == os.getpid()
        assert record.closed_at is not None
        assert record.closed_at >= record.opened_at
        kinds = [e.kind for e in journal.entries(tx)]
        assert kinds == ["snapshot", "snapshot", "planned", "outcome", "snapshot", "state"]
        planned = journal.entries(tx)[2]
        assert planned.seq == 1
        assert planned.data["targets"] == [CM.to_dict(), DEPLOY.to_dict()]
        # the first snapshot of each object is its checkpoint
        assert journal.checkpoints(tx) == {CM: CONFIGMAP, DEPLOY: None}
        assert journal.open_transactions() == []


def test_the_file_is_private_and_in_wal_mode(journal: Journal, path: Path) -> None:
    journal.begin()
    assert path.stat().st_mode & 0o777 == 0o600
    assert Path(f"{path}-wal").exists()


def test_a_second_writer_is_refused_with_the_holder_named(journal: Journal, path: Path) -> None:
    with pytest.raises(JournalLocked, match=f"pid {os.getpid()}"):
        Journal.open(path)
    with Journal.open(path, writer=False) as reader:  # reading is always allowed
        assert reader.transactions() == []
    journal.release()
    with Journal.open(path) as again:
        again.begin()


def test_a_writer_in_another_process_locks_out_this_one(path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD_HOLDS.format(path=str(path))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "holding"
    try:
        with pytest.raises(JournalLocked, match=f"pid {child.pid}"):
            Journal.open(path)
    finally:
        child.communicate("")
    with Journal.open(path) as journal:  # its lock went with it
        assert journal.transactions() == []


_CHILD_HOLDS = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from stratus.tnr.journal import Journal
    journal = Journal.open(Path({path!r}))
    print("holding", flush=True)
    sys.stdin.read()
    """
)

_CHILD_DIES = textwrap.dedent(
    """
    import os
    from pathlib import Path
    from stratus.kube.refs import ObjectRef
    from stratus.tnr.journal import Journal
    journal = Journal.open(Path({path!r}))
    tx = journal.begin({{"command": "kubectl delete cm settings"}})
    journal.snapshot(tx, ObjectRef("v1", "ConfigMap", "shop", "settings"), {{"data": {{}}}})
    journal.planned(tx, 1, ["kubectl", "delete", "cm", "settings"], [])
    os._exit(9)  # no close, no cleanup: as if killed
    """
)


def test_an_open_transaction_outlives_the_process_that_wrote_it(path: Path) -> None:
    died = subprocess.run([sys.executable, "-c", _CHILD_DIES.format(path=str(path))], check=False)
    assert died.returncode == 9
    with Journal.open(path) as journal:
        (left,) = journal.open_transactions()
        assert left.state is TxState.OPEN
        assert left.pid != os.getpid()
        assert left.meta == {"command": "kubectl delete cm settings"}
        assert journal.checkpoints(left.id) == {CM: {"data": {}}}
        assert [e.kind for e in journal.entries(left.id)] == ["snapshot", "planned"]


def test_states_move_forward_only(journal: Journal) -> None:
    tx = journal.begin()
    journal.close(tx, TxState.ABORTED)
    assert [t.id for t in journal.open_transactions()] == [tx]  # still to be undone
    with pytest.raises(JournalError, match="nothing can be added"):
        journal.snapshot(tx, CM, None)
    with pytest.raises(JournalError, match="cannot become committed"):
        journal.close(tx, TxState.COMMITTED)
    journal.close(tx, TxState.UNDO_FAILED, {"why": "x"})
    journal.close(tx, TxState.UNDONE)
    with pytest.raises(JournalError, match="is undone"):
        journal.close(tx, TxState.UNDONE)
    assert [e.data["to"] for e in journal.entries(tx)] == ["aborted", "undo-failed", "undone"]
    with pytest.raises(JournalError, match="no transaction 99"):
        journal.close(99, TxState.COMMITTED)
    with pytest.raises(JournalError, match="no transaction 99"):
        journal.transaction(99)


def test_output_is_kept_as_an_excerpt(journal: Journal) -> None:
    tx = journal.begin()
    journal.outcome(tx, 1, 1, "x" * (EXCERPT + 10), "boom")
    (entry,) = journal.entries(tx)
    assert entry.data["exit_code"] == 1
    assert entry.data["stdout"].endswith("(10 more characters cut)")
    assert entry.data["stderr"] == "boom"


def test_a_reader_cannot_write_and_needs_a_journal(tmp_path: Path, path: Path) -> None:
    with pytest.raises(JournalError, match="no journal"):
        Journal.open(tmp_path / "none.sqlite", writer=False)
    Journal.open(path).release()
    with (
        Journal.open(path, writer=False) as reader,
        pytest.raises(JournalError, match="read-only"),
    ):
        reader.begin()


def test_a_file_that_is_not_a_journal_is_an_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(JournalError, match="cannot open journal"):
        Journal.open(bad)
    Journal.open(tmp_path / "fine.sqlite").release()  # the failed open left no lock behind
    with pytest.raises(JournalError, match="not a database"):
        Journal.open(bad, writer=False)


def test_journal_path_per_context(tmp_path: Path) -> None:
    assert journal_path("kind-dev", tmp_path) == tmp_path / "journal" / "kind-dev.sqlite"
    odd = journal_path("arn:aws:eks:eu-west-1:1:cluster/prod", tmp_path)
    assert odd.parent == tmp_path / "journal"
    assert "/" not in odd.name
    assert odd != journal_path("arn_aws_eks_eu-west-1_1_cluster_prod", tmp_path)


def test_journal_path_defaults_to_the_state_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STRATUS_STATE_DIR", str(tmp_path))
    assert journal_path("ctx") == tmp_path / "journal" / "ctx.sqlite"
