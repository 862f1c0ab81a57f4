"""A process that dies at any step boundary of a transaction leaves a journal from which the
next one rolls the cluster back to the checkpoint."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from stratus.kube.objects import semantic_diff
from stratus.tnr.journal import Journal, TxState
from tests.tnr.conftest import Kernel, ref

pytestmark = pytest.mark.kubectl

CM = ref("ConfigMap", "web-config")
WEB = ref("Deployment", "web")

# Two writes, journaled the way the transaction does; the process dies after step ``die``.
_CHILD = textwrap.dedent(
    """
    import os, subprocess, sys
    from pathlib import Path
    from stratus.kube.client import KubeClient
    from stratus.kube.refs import ObjectRef
    from stratus.tnr.journal import Journal

    kubectl, kubeconfig, path, die = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
    step = 0
    def boundary():
        global step
        step += 1
        if step == die:
            os._exit(9)

    client = KubeClient.from_kubeconfig(kubeconfig)
    journal = Journal.open(path)
    tx = journal.begin({"mu_pre": 1.0})
    boundary()
    writes = [
        (ObjectRef("v1", "ConfigMap", "app", "web-config"), ["delete", "cm", "web-config"]),
        (ObjectRef("apps/v1", "Deployment", "app", "web"), ["scale", "deploy/web", "--replicas=0"]),
    ]
    for seq, (ref, argv) in enumerate(writes, 1):
        journal.snapshot(tx, ref, client.get(ref))
        boundary()
        journal.planned(tx, seq, argv, [ref])
        boundary()
        done = subprocess.run(
            [kubectl, "--kubeconfig", kubeconfig, "-n", "app", *argv],
            capture_output=True, text=True,
        )
        boundary()
        journal.outcome(tx, seq, done.returncode, done.stdout, done.stderr)
        boundary()
    os._exit(9)  # died before settling and committing
    """
)
_BOUNDARIES = 1 + 2 * 4 + 1


@pytest.mark.parametrize("die", range(1, _BOUNDARIES + 1))
def test_recovery_after_dying_at_each_step(kernel: Kernel, tmp_path: Path, die: int) -> None:
    pods = kernel.pods()
    before = {r: kernel.get(r) for r in (CM, WEB)}
    path = tmp_path / "crash.sqlite"
    child = subprocess.run(
        [
            sys.executable, "-c", _CHILD, kernel.served.kubectl.binary,
            str(kernel.served.kubectl.kubeconfig), str(path), str(die),
        ],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert child.returncode == 9, child.stderr
    kernel.served.settle(20)
    with Journal.open(path) as journal:
        (left,) = journal.open_transactions()
        (report,) = kernel.recover(journal)
        assert report.faithful
        assert journal.transaction(left.id).state is TxState.UNDONE
        assert journal.open_transactions() == []
    kernel.served.settle(60)
    after = {r: kernel.get(r) for r in (CM, WEB)}
    assert {r: semantic_diff(before[r], after[r]) for r in before} == {CM: [], WEB: []}
    assert kernel.pods() == pods
