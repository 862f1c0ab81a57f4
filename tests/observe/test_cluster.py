"""Workload snapshots through the kernel's Kubernetes client against the emulated cloud,
and from canned objects for the kinds and states the app does not show."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from stratus.kube.errors import Forbidden, Unreachable
from stratus.observe.cluster import ClusterObserver, WorkloadKey
from stratus.observe.errors import EndpointUnreachable, ObserveError, QueryRejected
from tests.observe.fakes import READY, FakeKube, pod
from tests.observe.lab import Lab


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    with Lab(tmp_path) as lab:
        yield lab


def test_healthy_app_then_a_crash_loop_then_no_api(lab: Lab) -> None:
    snap = lab.cluster.snapshot()
    assert len(snap.workloads) == 19
    geo = snap.workloads[WorkloadKey("Deployment", lab.namespace, "geo")]
    assert (geo.desired, geo.ready, geo.available, geo.updated) == (1, 1, 1, 1)
    assert snap.rollouts_complete
    assert snap.converged
    assert snap.unready_pods == []
    assert snap.nodes is not None
    assert all(n.ready for n in snap.nodes.values())
    assert all(p.owner is not None and p.owner.kind == "Deployment" for p in snap.pods)

    lab.inject("revoke-auth-mongodb-geo")
    snap = lab.cluster.snapshot()
    (unready,) = snap.unready_pods
    assert unready.owner == WorkloadKey("Deployment", lab.namespace, "geo")
    assert unready.reason == "CrashLoopBackOff"
    assert not snap.rollouts_complete
    assert snap.converged  # the controller did its part; the pod is what fails
    lab.api.stop()
    with pytest.raises(EndpointUnreachable):
        lab.cluster.snapshot()


def test_kinds_and_pod_states() -> None:
    kube = FakeKube(
        {
            ("StatefulSet", "db"): [
                {
                    "metadata": {"name": "pg", "generation": 2},
                    "spec": {"replicas": 3},
                    "status": {"observedGeneration": 1, "readyReplicas": 2, "replicas": 3},
                }
            ],
            ("DaemonSet", "db"): [
                {
                    "metadata": {"name": "agent", "generation": 1},
                    "status": {
                        "observedGeneration": 1,
                        "desiredNumberScheduled": 2,
                        "numberReady": 2,
                        "numberAvailable": 2,
                        "updatedNumberScheduled": 2,
                        "currentNumberScheduled": 2,
                    },
                }
            ],
            ("Pod", "db"): [
                pod("pg-0", owner=("StatefulSet", "pg"), **READY),
                pod("web-abc12-x", owner=("ReplicaSet", "web-abc12"), phase="Pending"),
                pod("job-1", owner=("Job", "job"), phase="Succeeded"),
                pod("gone", phase="Running")
                | {"metadata": {"name": "gone", "deletionTimestamp": "x"}},
                pod(
                    "bare",
                    phase="Pending",
                    initContainerStatuses=[{"state": {"waiting": {"reason": "ErrImagePull"}}}],
                ),
            ],
        }
    )
    snap = ClusterObserver(kube, ["db"], nodes=False).snapshot()
    pg = snap.workloads[WorkloadKey("StatefulSet", "db", "pg")]
    assert (pg.desired, pg.ready, pg.available) == (3, 2, 2)  # availability from readiness
    assert not pg.converged  # the controller has not seen generation 2 yet
    agent = snap.workloads[WorkloadKey("DaemonSet", "db", "agent")]
    assert agent.rollout_complete
    unready = {p.name: p for p in snap.unready_pods}
    assert set(unready) == {"web-abc12-x", "bare"}
    assert unready["web-abc12-x"].owner == WorkloadKey("Deployment", "db", "web")
    assert unready["bare"].owner is None
    assert unready["bare"].reason == "ErrImagePull"
    assert snap.nodes is None
    assert not snap.converged  # a pod is still terminating


def test_kube_errors_become_observe_errors() -> None:
    kube = FakeKube({})
    observer = ClusterObserver(kube, ["a"])
    kube.error = Unreachable("refused")
    with pytest.raises(EndpointUnreachable):
        observer.snapshot()
    kube.error = Forbidden("nodes is forbidden")
    with pytest.raises(QueryRejected, match="Forbidden"):
        observer.snapshot()
    with pytest.raises(ValueError, match="namespace"):
        ClusterObserver(kube, [])
    assert issubclass(QueryRejected, ObserveError)
