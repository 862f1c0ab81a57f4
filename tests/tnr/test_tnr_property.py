"""The TNR lemma as a property: random transactions of writes, harmful ones included, on an
app with a fault never leave the system visibly worse than the initial error state, and an
aborted transaction leaves no trace on the objects an operator manages."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stratus.kube.objects import semantic_diff
from stratus.tnr.connect import Connection, open_kernel
from stratus.tnr.settle import SettleBounds
from stratus.tnr.transaction import Kernel
from tests.observe.lab import Lab

pytestmark = [pytest.mark.kubectl, pytest.mark.timeout(900)]

NS = "test-hotel-reservation"
WRITES = [
    # harmful
    "kubectl scale deployment frontend --replicas=0",
    "kubectl scale deployment search --replicas=0",
    "kubectl set image deployment/rate hotel-reserv-rate=yinfangchen/hotelreservation:nope",
    "kubectl patch service profile --type json "
    """-p '[{"op": "replace", "path": "/spec/ports/0/targetPort", "value": 9999}]'""",
    "kubectl set env deployment/user DB_HOST=nowhere",
    "kubectl delete service reservation",
    # neutral
    "kubectl annotate deployment frontend owner=sre --overwrite",
    "kubectl label service frontend tier=edge --overwrite",
    "kubectl rollout restart deployment recommendation",
    # the fix
    """kubectl patch service geo -p '{"spec": {"selector": {"io.kompose.service": "geo"}}}'""",
]
MANAGED = [("apps/v1", "Deployment"), ("v1", "Service"), ("v1", "ConfigMap")]


def _objects(lab: Lab) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (kind, obj["metadata"]["name"]): obj
        for api_version, kind in MANAGED
        for obj in lab.kube.list(api_version, kind, NS)
    }


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Lab, Kernel, float]]:
    folder = tmp_path_factory.mktemp("tnr")
    with Lab(folder) as lab:
        lab.inject("wrong-service-selector-geo")
        kubeconfig = lab.cloud.write_kubeconfig(folder / "kubeconfig", lab.api)
        kernel = open_kernel(
            Connection(kubeconfig=kubeconfig, namespace=NS, prometheus=lab.prometheus.base_url),
            journal=folder / "journal.sqlite",
            clock=lab.clock,
            settle=SettleBounds(min_seconds=60, max_seconds=180),
            cache_dir=folder / "kube-cache",
        )
        with kernel:
            baseline = kernel.meter.capture_baseline(lab.entrypoints)
            mu0 = kernel.meter.measure(baseline).mu
            assert 0 < mu0 < math.inf
            yield lab, kernel, mu0


@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(writes=st.lists(st.sampled_from(WRITES), min_size=1, max_size=3))
def test_no_visible_state_is_worse_than_the_initial_error(
    world: tuple[Lab, Kernel, float], writes: list[str]
) -> None:
    lab, kernel, mu0 = world
    baseline = kernel.meter.capture_baseline(lab.entrypoints)
    before = _objects(lab)
    tx = kernel.begin(baseline, " && ".join(writes))
    assert tx.mu_pre.mu <= mu0
    for line in writes:
        tx.write(line)
    result = tx.finish()
    assert all(mu <= mu0 for mu in result.visible_path)
    if result.committed:
        assert result.mu_post.mu <= result.mu_pre.mu <= mu0
        return
    assert result.undo is None or result.undo.faithful
    after = _objects(lab)
    assert after.keys() == before.keys(), "an aborted transaction leaves no object behind"
    for key, obj in before.items():
        assert semantic_diff(obj, after[key]) == [], key
    # what the undone writes broke heals: the visible state returns to at most μ0
    for _ in range(12):
        if kernel.meter.measure(baseline).mu <= mu0:
            break
        lab.settle(60)
    assert kernel.meter.measure(baseline).mu <= mu0
