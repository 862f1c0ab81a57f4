"""Endpoints, garbage collection, namespaces, node failures, volumes and disruption budgets."""

from __future__ import annotations

import pytest

from stratus.sim.api import WriteOptions
from stratus.sim.cloud import Cloud
from stratus.sim.errors import TooManyRequests
from stratus.sim.store import clone
from tests.sim.controllers.helpers import container, deployment, get, pod, pods


def _service(name: str, target: int | str = 80, selector: str | None = None) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "selector": {"app": selector or name},
            "ports": [{"name": "http", "port": 80, "targetPort": target}],
        },
    }


def test_endpoints_hold_ready_pods_only_and_resolve_named_ports(cloud: Cloud) -> None:
    cloud.create(
        deployment(
            "web",
            replicas=2,
            containers=[
                container(
                    ports=[{"name": "web", "containerPort": 80}],
                    readinessProbe={"httpGet": {"path": "/", "port": "web"}, "periodSeconds": 1},
                )
            ],
        )
    )
    cloud.create(_service("web", target="web"))
    cloud.create(pod("lonely", nodeSelector={"nowhere": "true"}))
    cloud.advance(2)
    subsets = get(cloud, "endpoints", "web").get("subsets") or []
    assert all("addresses" not in s for s in subsets)
    cloud.settle(15)
    subset = get(cloud, "endpoints", "web")["subsets"][0]
    assert len(subset["addresses"]) == 2
    assert subset["ports"] == [{"name": "http", "port": 80, "protocol": "TCP"}]
    slices = list(cloud.store.iter("endpointslices.discovery.k8s.io", "default"))
    web_slice = [
        s for s in slices if s["metadata"]["labels"]["kubernetes.io/service-name"] == "web"
    ]
    assert len(web_slice[0]["endpoints"]) == 2


def test_selector_that_matches_nothing_has_no_endpoints(cloud: Cloud) -> None:
    cloud.create(deployment("web", replicas=1))
    cloud.create(_service("web", selector="wbe"))
    cloud.settle(10)
    assert "subsets" not in get(cloud, "endpoints", "web")


def test_background_deletion_removes_replica_sets_and_pods(cloud: Cloud) -> None:
    cloud.create(deployment("web", replicas=2))
    cloud.settle(10)
    cloud.api.delete(
        cloud.kind("deployments.apps"), "default", "web", {"propagationPolicy": "Background"}
    )
    cloud.settle(10)
    assert list(cloud.store.iter("replicasets.apps", "default")) == []
    assert pods(cloud, prefix="web-") == []


def test_foreground_deletion_waits_for_dependents(cloud: Cloud) -> None:
    cloud.create(deployment("web", replicas=2))
    cloud.settle(10)
    cloud.api.delete(
        cloud.kind("deployments.apps"), "default", "web", {"propagationPolicy": "Foreground"}
    )
    cloud.advance(0)
    d = get(cloud, "deployments.apps", "web")
    assert d["metadata"]["deletionTimestamp"]
    assert "foregroundDeletion" in d["metadata"]["finalizers"]
    cloud.settle(10)
    assert cloud.store.get("deployments.apps", "default", "web") is None
    assert pods(cloud, prefix="web-") == []


def test_orphan_deletion_keeps_the_dependents(cloud: Cloud) -> None:
    cloud.create(deployment("web", replicas=2))
    cloud.settle(10)
    cloud.api.delete(
        cloud.kind("deployments.apps"), "default", "web", {"propagationPolicy": "Orphan"}
    )
    cloud.settle(10)
    assert cloud.store.get("deployments.apps", "default", "web") is None
    (rs,) = list(cloud.store.iter("replicasets.apps", "default"))
    assert "ownerReferences" not in rs["metadata"]
    assert len(pods(cloud, prefix="web-")) == 2


def test_namespace_deletion_empties_then_removes_it(cloud: Cloud) -> None:
    cloud.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "tmp"}})
    cloud.create(deployment("web", namespace="tmp"))
    cloud.settle(10)
    assert get(cloud, "serviceaccounts", "default", "tmp")
    cloud.api.delete(cloud.kind("namespaces"), "", "tmp")
    assert get(cloud, "namespaces", "tmp", "")["status"]["phase"] == "Terminating"
    cloud.settle(30)
    assert cloud.store.get("namespaces", "", "tmp") is None
    assert list(cloud.store.iter("pods", "tmp")) == []


def test_pods_leave_a_node_that_stays_down(cloud: Cloud) -> None:
    cloud.create(deployment("web", replicas=2, containers=[container()]))
    cloud.settle(10)
    node = clone(get(cloud, "nodes", "stratus-worker"))
    for condition in node["status"]["conditions"]:
        if condition["type"] == "Ready":
            condition.update(
                status="Unknown",
                reason="NodeStatusUnknown",
                message="Kubelet stopped posting node status.",
            )
    cloud.api.replace(
        cloud.kind("nodes"), "", "stratus-worker", node, WriteOptions(), subresource="status"
    )
    cloud.settle(60)
    taints = {t["key"] for t in get(cloud, "nodes", "stratus-worker")["spec"]["taints"]}
    assert "node.kubernetes.io/unreachable" in taints
    on_node = [
        p for p in pods(cloud, prefix="web-") if p["spec"].get("nodeName") == "stratus-worker"
    ]
    assert all(
        not any(c["type"] == "Ready" and c["status"] == "True" for c in p["status"]["conditions"])
        for p in on_node
    )
    cloud.settle(300)
    running = [p for p in pods(cloud, prefix="web-") if not p["metadata"].get("deletionTimestamp")]
    assert len(running) == 2
    assert all(p["spec"]["nodeName"] == "stratus-worker2" for p in running)


def test_claims_bind_to_matching_volumes_or_wait_for_a_class(cloud: Cloud) -> None:
    cloud.create(
        {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {"name": "pv1"},
            "spec": {
                "capacity": {"storage": "5Gi"},
                "accessModes": ["ReadWriteOnce"],
                "storageClassName": "manual",
                "hostPath": {"path": "/data"},
            },
        }
    )
    cloud.create(
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": "static", "namespace": "default"},
            "spec": {
                "storageClassName": "manual",
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1Gi"}},
            },
        }
    )
    cloud.create(
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": "lost", "namespace": "default"},
            "spec": {
                "storageClassName": "fast",
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1Gi"}},
            },
        }
    )
    cloud.settle(5)
    assert get(cloud, "persistentvolumeclaims", "static")["spec"]["volumeName"] == "pv1"
    assert get(cloud, "persistentvolumes", "pv1", "")["status"]["phase"] == "Bound"
    assert get(cloud, "persistentvolumeclaims", "lost")["status"]["phase"] == "Pending"
    cloud.create(
        pod("user", volumes=[{"name": "d", "persistentVolumeClaim": {"claimName": "lost"}}])
    )
    cloud.settle(5)
    assert "nodeName" not in get(cloud, "pods", "user")["spec"]


def test_disruption_budget_blocks_an_eviction(cloud: Cloud) -> None:
    cloud.create(deployment("web", replicas=2))
    cloud.create(
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}},
        }
    )
    cloud.settle(15)
    victim = pods(cloud, prefix="web-")[0]["metadata"]["name"]
    with pytest.raises(TooManyRequests, match="would violate the pod's disruption budget"):
        cloud.api.subresources.evict(
            "default", victim, {"metadata": {"name": victim}}, WriteOptions()
        )
    cloud.api.patch(
        cloud.kind("poddisruptionbudgets.policy"),
        "default",
        "web",
        "merge",
        {"spec": {"minAvailable": 1}},
    )
    cloud.settle(2)
    cloud.api.subresources.evict("default", victim, {"metadata": {"name": victim}}, WriteOptions())
    cloud.settle(10)
    assert cloud.store.get("pods", "default", victim) is None
