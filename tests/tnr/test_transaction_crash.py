"""A process that dies at any step boundary of a real transaction (the kernel's own code,
killed from inside its journal and runner calls) leaves a journal from which the next
kernel to start rolls the cluster back to the checkpoint exactly."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from stratus.kube.objects import semantic_diff
from stratus.tnr.connect import Connection, open_kernel
from stratus.tnr.journal import Journal, TxState
from tests.conftest import kubectl_binary
from tests.observe.lab import Lab

pytestmark = [pytest.mark.kubectl, pytest.mark.timeout(600)]

_CHILD = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from stratus.observe.sla import Entrypoint
    from stratus.tnr.connect import Connection, open_kernel
    from stratus.tnr.settle import SettleBounds

    kubeconfig, prometheus, journal, die = sys.argv[1:5]
    die = int(die)
    count = 0

    def boundary():
        global count
        count += 1
        if count == die:
            os._exit(9)

    kernel = open_kernel(
        Connection(kubeconfig=Path(kubeconfig), namespace="test-hotel-reservation",
                   prometheus=prometheus),
        journal=Path(journal),
        settle=SettleBounds(min_seconds=0.2, max_seconds=0.5, steady_seconds=0.1,
                            step_seconds=0.1),
    )
    for name in ("begin", "snapshot", "planned", "outcome", "close"):
        def wrapped(*args, _call=getattr(kernel.journal, name), **kwargs):
            result = _call(*args, **kwargs)
            boundary()
            return result
        setattr(kernel.journal, name, wrapped)
    run = kernel.runner.run
    def running(args, **kwargs):
        result = run(args, **kwargs)
        if not any(a.startswith("--dry-run") for a in args):
            boundary()
        return result
    kernel.runner.run = running

    baseline = kernel.meter.capture_baseline(
        [Entrypoint(namespace="test-hotel-reservation", service="frontend")])
    tx = kernel.begin(baseline, "two writes")
    for line in ("kubectl annotate deployment frontend team=sre --overwrite",
                 "kubectl scale deployment search --replicas=2"):
        record = tx.write(line)
        assert record.ran, record.output
    result = tx.finish()
    print(result.outcome)
    """
)
# begin, then per write: snapshot, planned, the write itself, outcome; then the commit.
BOUNDARIES = 1 + 2 * 4 + 1


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with Lab(tmp_path_factory.mktemp("lab")) as lab:
        yield lab


@pytest.mark.parametrize("die", range(1, BOUNDARIES + 1))
def test_a_kernel_killed_mid_transaction_is_rolled_back_on_restart(
    lab: Lab, tmp_path: Path, die: int
) -> None:
    kubeconfig = lab.cloud.write_kubeconfig(tmp_path / "kubeconfig", lab.api)
    prometheus = lab.prometheus.base_url
    journal = tmp_path / "journal.sqlite"
    refs = [lab.deployment("frontend"), lab.deployment("search")]
    before = {ref: lab.kube.get(ref) for ref in refs}
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, str(kubeconfig), prometheus, str(journal), str(die)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"STRATUS_KUBECTL": kubectl_binary(), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert child.returncode == 9, child.stdout + child.stderr
    with Journal.open(journal, writer=False) as book:
        states = [t.state for t in book.transactions()]
    assert states in ([TxState.OPEN], [TxState.COMMITTED]), states

    kernel = open_kernel(
        Connection(kubeconfig=kubeconfig, namespace=lab.namespace, prometheus=prometheus),
        journal=journal,
        clock=lab.clock,
    )
    with kernel:
        assert kernel.journal.open_transactions() == []
        state = kernel.journal.transactions()[0].state
    after = {ref: lab.kube.get(ref) for ref in refs}
    if state is TxState.COMMITTED:  # died after the commit was recorded: the change stays
        assert die == BOUNDARIES
        search = after[refs[1]]
        assert search is not None
        assert search["spec"]["replicas"] == 2
        lab.scale("search", 1)
        lab.kube.patch(refs[0], {"metadata": {"annotations": {"team": None}}}, "merge")
        return
    assert state is TxState.UNDONE
    for ref in refs:
        assert semantic_diff(before[ref], after[ref]) == [], ref
