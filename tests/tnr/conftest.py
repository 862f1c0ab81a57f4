"""A served cluster with a small app, the kernel's client and a journal, and the steps of a
test of undo: checkpoint, write through real kubectl, undo, compare."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from stratus.kube.client import KubeClient
from stratus.kube.objects import Obj, controller_of
from stratus.kube.refs import ObjectRef
from stratus.tnr.journal import Journal
from stratus.tnr.undo import UndoReport, recover, undo, verify
from tests.conftest import ServedCloud

APP = Path(__file__).parent / "manifests" / "app.yaml"
NS = "app"


def ref(kind: str, name: str, namespace: str = NS) -> ObjectRef:
    api_version = {
        "Deployment": "apps/v1",
        "StatefulSet": "apps/v1",
        "DaemonSet": "apps/v1",
        "ReplicaSet": "apps/v1",
    }.get(kind, "v1")
    return ObjectRef(api_version, kind, "" if kind in {"Node", "Namespace"} else namespace, name)


@dataclass
class Kernel:
    served: ServedCloud
    client: KubeClient
    journal: Journal

    def kubectl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.served.kubectl.run(*args)

    def checkpoint(self, *refs: ObjectRef) -> int:
        """A transaction with a snapshot of each object, as the kernel takes before a write."""
        tx = self.journal.begin({"test": True})
        for r in refs:
            self.journal.snapshot(tx, r, self.client.get(r))
        return tx

    def undo(self, tx: int, *, wait: float = 30.0) -> UndoReport:
        return undo(self.client, self.journal, tx, wait=wait, sleep=self.served.cloud.advance)

    def recover(self, journal: Journal) -> list[UndoReport]:
        return recover(self.client, journal, sleep=self.served.cloud.advance)

    def drift(self, tx: int) -> dict[ObjectRef, list[str]]:
        """How the objects differ from their checkpoints now."""
        return verify(self.client, self.journal.checkpoints(tx))

    def pods(self, namespace: str = NS) -> list[tuple[str, str, tuple[str, ...], bool]]:
        """What runs: (owner kind, owner name, images, ready) of each live pod, sorted."""
        out = []
        for pod in self.client.list("v1", "Pod", namespace):
            if pod["metadata"].get("deletionTimestamp"):
                continue
            owner = controller_of(pod)
            images = tuple(c["image"] for c in pod["spec"]["containers"])
            conditions = (pod.get("status") or {}).get("conditions") or []
            ready = any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)
            out.append((owner.kind if owner else "", owner.name if owner else "", images, ready))
        return sorted(out)

    def get(self, r: ObjectRef) -> Obj | None:
        return self.client.get(r)

    def read(self, r: ObjectRef) -> Obj:
        obj = self.client.get(r)
        assert obj is not None, f"{r} does not exist"
        return obj


@pytest.fixture
def kernel(served: ServedCloud, tmp_path: Path) -> Iterator[Kernel]:
    served.kubectl.run("apply", "-f", str(APP))
    served.settle(40)
    with (
        KubeClient.from_kubeconfig(served.kubectl.kubeconfig) as client,
        Journal.open(tmp_path / "journal.sqlite") as journal,
    ):
        yield Kernel(served, client, journal)
