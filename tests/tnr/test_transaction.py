"""Transactions end to end against a served emulated cloud running HotelReservation with a
fault: a fix commits, a harmful write is undone, refusals and limits hold, and everything
the kernel decides is in the journal."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from stratus.kube.refs import ObjectRef
from stratus.tnr.connect import Connection, open_kernel
from stratus.tnr.journal import TxState
from stratus.tnr.policy import Policy
from stratus.tnr.settle import SettleBounds
from stratus.tnr.transaction import Kernel, KernelEvent
from tests.observe.lab import Lab

pytestmark = [pytest.mark.kubectl, pytest.mark.timeout(300)]

FIX = (
    "kubectl patch service geo -n test-hotel-reservation "
    """-p '{"spec": {"selector": {"io.kompose.service": "geo"}}}'"""
)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with Lab(tmp_path_factory.mktemp("lab")) as lab:
        lab.inject("wrong-service-selector-geo")
        yield lab


def _kernel(lab: Lab, tmp_path: Path, events: list[KernelEvent], **kw: object) -> Kernel:
    served = lab.cloud._served[0]  # the Kubernetes API the lab serves
    kubeconfig = lab.cloud.write_kubeconfig(tmp_path / "kubeconfig", served)
    prometheus = lab.cloud._served[1].url
    return open_kernel(
        Connection(kubeconfig=kubeconfig, namespace=lab.namespace, prometheus=prometheus),
        journal=tmp_path / "journal.sqlite",
        clock=lab.clock,
        settle=SettleBounds(min_seconds=60, max_seconds=240),
        on_event=events.append,
        cache_dir=tmp_path / "kube-cache",
        **kw,  # type: ignore[arg-type]
    )


def test_a_harmful_write_is_undone_and_a_fix_commits(lab: Lab, tmp_path: Path) -> None:
    events: list[KernelEvent] = []
    kernel = _kernel(lab, tmp_path, events)
    baseline = kernel.meter.capture_baseline(lab.entrypoints)

    tx = kernel.begin(baseline, "scale the front end away")
    assert tx.mu_pre.mu > 0
    record = tx.write("kubectl scale deployment frontend --replicas=0")
    assert record.ran, record.output
    assert record.touched == (ObjectRef("apps/v1", "Deployment", lab.namespace, "frontend"),)
    result = tx.finish()
    assert result.outcome == "aborted-and-undone", result.reason
    assert result.mu_post.mu > result.mu_pre.mu
    assert result.undo is not None
    assert result.undo.faithful
    frontend = kernel.client.get(lab.deployment("frontend"))
    assert frontend is not None
    assert frontend["spec"]["replicas"] == 1
    assert kernel.journal.transaction(result.tx_id).state is TxState.UNDONE
    assert [e.kind for e in events if e.tx_id == result.tx_id][-3:] == ["abort", "undo", "restored"]
    assert result.mu_restored is not None
    assert result.mu_restored.mu <= result.mu_pre.mu, "the restored state is no worse"
    assert result.visible_path == (result.mu_pre.mu, result.mu_restored.mu)

    lab.settle(300)  # what the harmful write broke recovers before the next attempt
    tx = kernel.begin(baseline, "make the geo Service select its pods again")
    record = tx.write(FIX)
    assert record.ran, record.output
    result = tx.finish()
    assert result.outcome == "committed", result.reason
    assert result.mu_post.mu <= result.mu_pre.mu
    assert result.hidden_path, "μ is sampled while the system settles"
    assert kernel.journal.transaction(result.tx_id).state is TxState.COMMITTED
    kernel.close()


def test_refusals_limits_and_dry_run(lab: Lab, tmp_path: Path) -> None:
    events: list[KernelEvent] = []
    kernel = _kernel(lab, tmp_path, events, policy=Policy(max_writes=2), approval="dry-run")
    baseline = kernel.meter.capture_baseline(lab.entrypoints)
    tx = kernel.begin(baseline)
    refused = tx.write("kubectl delete namespace test-hotel-reservation")
    assert not refused.ran
    assert "refused" in refused.output
    injected = tx.write("kubectl get pods; kubectl delete deploy --all")
    assert not injected.ran
    read = tx.write("kubectl get pods")
    assert not read.ran
    assert read.decision.code == "not-a-write"
    planned = tx.write("kubectl scale deployment frontend --replicas=0")
    assert planned.output.startswith("dry run: would touch Deployment.apps/frontend")
    result = tx.finish()
    assert result.outcome == "dry-run"
    frontend = kernel.client.get(lab.deployment("frontend"))
    assert frontend is not None
    assert frontend["spec"]["replicas"] == 1, "dry-run mode changes nothing"
    assert sum(1 for e in events if e.kind == "refused") == 3
    kernel.close()


def test_at_most_k_writes_run(lab: Lab, tmp_path: Path) -> None:
    kernel = _kernel(lab, tmp_path, [], policy=Policy(max_writes=2))
    baseline = kernel.meter.capture_baseline(lab.entrypoints)
    tx = kernel.begin(baseline)
    for value in ("a", "b", "c"):
        tx.write(f"kubectl annotate deployment frontend note={value} --overwrite")
    assert [w.ran for w in tx.writes] == [True, True, False]
    assert "2" in tx.writes[2].decision.reason
    result = tx.abort("test over")
    assert result.outcome == "aborted-and-undone"
    frontend = kernel.client.get(lab.deployment("frontend"))
    assert frontend is not None
    assert "note" not in (frontend["metadata"].get("annotations") or {})
    kernel.close()


def test_reads_are_redacted_and_writes_refused(lab: Lab, tmp_path: Path) -> None:
    kernel = _kernel(lab, tmp_path, [])
    out = kernel.read("kubectl get deployments -o name")
    assert "deployment.apps/frontend" in out.output
    refused = kernel.read("kubectl scale deployment frontend --replicas=3")
    assert refused.result is None
    assert refused.output.startswith("refused:")
    assert not math.isinf(kernel.meter.measure(kernel.meter.capture_baseline(lab.entrypoints)).mu)
    kernel.close()


def test_ask_mode_runs_only_what_the_operator_approves(lab: Lab, tmp_path: Path) -> None:
    asked: list[str] = []

    def operator(decision: object) -> bool:
        line = str(getattr(decision, "line", ""))
        asked.append(line)
        return "owner=sre" in line

    kernel = _kernel(lab, tmp_path, [], approval="ask", ask=operator)
    baseline = kernel.meter.capture_baseline(lab.entrypoints)
    tx = kernel.begin(baseline)
    approved = tx.write("kubectl annotate deployment frontend owner=sre --overwrite")
    declined = tx.write("kubectl annotate deployment frontend owner=nobody --overwrite")
    assert approved.ran
    assert not declined.ran
    assert declined.decision.code == "not-approved"
    assert len(asked) == 2
    result = tx.abort("test over")
    assert result.undo is not None
    assert result.undo.faithful
    kernel.close()
