"""Undos that cannot be faithful say so loudly, with the differences; and the order of undo."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from stratus.kube.client import KubeClient, Propagation
from stratus.kube.objects import Obj
from stratus.kube.refs import ObjectRef
from stratus.tnr.errors import JournalError, UndoFailed, UnfaithfulUndo
from stratus.tnr.journal import TxState
from stratus.tnr.undo import recover, undo
from tests.tnr.conftest import NS, Kernel, ref

pytestmark = pytest.mark.kubectl

CM = ref("ConfigMap", "web-config")


def test_an_immutable_configmap_cannot_be_restored(kernel: Kernel) -> None:
    tx = kernel.checkpoint(CM)
    kernel.kubectl(
        "patch", "cm", "web-config", "-n", NS, "--type=merge",
        "-p", '{"data":{"LOG_LEVEL":"debug"},"immutable":true}',
    )  # fmt: skip
    with pytest.raises(UnfaithfulUndo) as caught:
        kernel.undo(tx)
    error = caught.value
    assert error.diffs == {CM: ["data.LOG_LEVEL", "immutable"]}
    assert "immutable" in error.failures[CM]
    assert "ConfigMap/web-config -n app: differs at data.LOG_LEVEL, immutable" in str(error)
    record = kernel.journal.transaction(tx)
    assert record.state is TxState.UNDO_FAILED
    assert record.detail is not None
    assert record.detail["faithful"] is False
    assert record.detail["diffs"] == [
        {"ref": CM.to_dict(), "paths": ["data.LOG_LEVEL", "immutable"]}
    ]


def test_a_deletion_held_by_a_finalizer_cannot_be_cancelled(kernel: Kernel) -> None:
    held = ref("ConfigMap", "held")
    kernel.kubectl("create", "configmap", "held", "-n", NS, "--from-literal=a=b")
    kernel.client.patch(held, {"metadata": {"finalizers": ["example.com/hold"]}}, "merge")
    tx = kernel.checkpoint(held)
    kernel.kubectl("delete", "cm", "held", "-n", NS, "--wait=false")
    with pytest.raises(UnfaithfulUndo) as caught:
        kernel.undo(tx, wait=5)
    assert caught.value.diffs == {held: ["metadata.deletionTimestamp"]}


class _Racing(KubeClient):
    """A client whose every delete is followed by someone else creating the object again."""

    recreate: Obj | None = None

    def delete(
        self,
        ref: ObjectRef,
        *,
        propagation: Propagation = "Background",
        grace_seconds: int | None = None,
    ) -> None:
        super().delete(ref, propagation=propagation, grace_seconds=grace_seconds)
        if self.recreate is not None:
            self.create(self.recreate)


def test_an_object_created_again_by_someone_else_is_reported(kernel: Kernel) -> None:
    new = ref("ConfigMap", "new")
    tx = kernel.checkpoint(new)
    kernel.kubectl("create", "configmap", "new", "-n", NS, "--from-literal=a=b")
    racing = _Racing.from_kubeconfig(kernel.served.kubectl.kubeconfig)
    assert isinstance(racing, _Racing)
    racing.recreate = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": new.to_dict() | {"namespace": NS},
    }
    with pytest.raises(UnfaithfulUndo) as caught:
        undo(racing, kernel.journal, tx, sleep=kernel.served.cloud.advance)
    assert caught.value.diffs == {new: ["(object absent before)"]}
    racing.close()


def test_an_unreachable_cluster_fails_the_undo_and_it_can_run_again(kernel: Kernel) -> None:
    tx = kernel.checkpoint(CM)
    kernel.kubectl("delete", "cm", "web-config", "-n", NS)
    gone = KubeClient.from_kubeconfig(kernel.served.kubectl.kubeconfig, timeout=(0.5, 0.5))
    kernel.served.cloud.close()
    with pytest.raises(UndoFailed, match=f"journal undo {tx}"):
        undo(gone, kernel.journal, tx)
    record = kernel.journal.transaction(tx)
    assert record.state is TxState.UNDO_FAILED
    assert record.detail is not None
    assert "cannot reach the API server" in record.detail["error"]
    gone.close()


def test_undone_is_final(kernel: Kernel) -> None:
    tx = kernel.checkpoint(CM)
    kernel.kubectl("label", "cm", "web-config", "-n", NS, "x=y")
    kernel.undo(tx)
    with pytest.raises(JournalError, match="already undone"):
        kernel.undo(tx)


def test_undo_of_a_committed_transaction(kernel: Kernel) -> None:
    tx = kernel.checkpoint(CM)
    kernel.kubectl("label", "cm", "web-config", "-n", NS, "x=y")
    kernel.journal.close(tx, TxState.COMMITTED)
    assert recover(kernel.client, kernel.journal) == []  # committed is not pending
    assert kernel.undo(tx).faithful
    assert "x" not in kernel.read(CM)["metadata"].get("labels", {})


class _Recording(KubeClient):
    calls: list[tuple[str, str]]

    def create(self, obj: Mapping[str, Any]) -> Obj:
        self.calls.append(("create", ObjectRef.of(obj).kind))
        return super().create(obj)

    def replace(self, obj: Mapping[str, Any]) -> Obj:
        self.calls.append(("replace", ObjectRef.of(obj).kind))
        return super().replace(obj)

    def delete(
        self,
        ref: ObjectRef,
        *,
        propagation: Propagation = "Background",
        grace_seconds: int | None = None,
    ) -> None:
        self.calls.append(("delete", ref.kind))
        super().delete(ref, propagation=propagation, grace_seconds=grace_seconds)


def test_dependents_go_first_and_come_back_last(kernel: Kernel) -> None:
    created = [
        ref("Namespace", "tmp"),
        ref("ConfigMap", "cfg", "tmp"),
        ref("Deployment", "d", "tmp"),
    ]
    changed = [ref("Deployment", "web"), ref("Service", "web"), CM, ref("Node", "stratus-worker")]
    tx = kernel.checkpoint(*created, *changed)
    kernel.kubectl("create", "namespace", "tmp")
    kernel.kubectl("create", "configmap", "cfg", "-n", "tmp", "--from-literal=a=b")
    kernel.kubectl("create", "deployment", "d", "-n", "tmp", "--image=nginx:1.25")
    kernel.kubectl("cordon", "stratus-worker")
    kernel.kubectl("delete", "deploy/web", "svc/web", "cm/web-config", "-n", NS)
    kernel.served.settle(10)
    recording = _Recording.from_kubeconfig(kernel.served.kubectl.kubeconfig)
    assert isinstance(recording, _Recording)
    recording.calls = []
    report = undo(recording, kernel.journal, tx, sleep=kernel.served.cloud.advance)
    assert report.faithful
    assert recording.calls == [
        ("delete", "Deployment"),
        ("delete", "ConfigMap"),
        ("delete", "Namespace"),
        ("create", "ConfigMap"),
        ("create", "Service"),
        ("create", "Deployment"),
        ("replace", "Node"),
    ]
    recording.close()
