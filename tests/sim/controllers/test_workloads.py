"""Deployments, ReplicaSets, StatefulSets, DaemonSets and Jobs on the virtual clock."""

from __future__ import annotations

from typing import Any

from stratus.sim.cloud import Cloud
from stratus.sim.controllers.podstate import is_active
from tests.sim.controllers.helpers import container, deployment, events, get, pods, ready


def _active(cloud: Cloud, prefix: str) -> list[dict[str, Any]]:
    return [p for p in pods(cloud, prefix=prefix) if is_active(p)]


def test_rolling_update_never_exceeds_surge_or_unavailability(cloud: Cloud) -> None:
    cloud.create(
        deployment(
            "web",
            replicas=4,
            containers=[
                container(readinessProbe={"httpGet": {"path": "/", "port": 80}, "periodSeconds": 1})
            ],
        )
    )
    cloud.settle(20)
    cloud.api.patch(
        cloud.kind("deployments.apps"),
        "default",
        "web",
        "strategic",
        {"spec": {"template": {"spec": {"containers": [{"name": "main", "image": "nginx:1.26"}]}}}},
    )
    peak = 0
    least_ready = 4
    for _ in range(120):
        cloud.advance(0.5)
        live = _active(cloud, "web-")
        peak = max(peak, len(live))
        least_ready = min(least_ready, sum(1 for p in live if ready(p)))
    assert peak <= 5  # 4 replicas + 25% surge
    assert least_ready >= 3  # 4 replicas - 25% unavailable
    images = {p["spec"]["containers"][0]["image"] for p in _active(cloud, "web-")}
    assert images == {"nginx:1.26"}
    status = get(cloud, "deployments.apps", "web")["status"]
    assert (status["updatedReplicas"], status["availableReplicas"]) == (4, 4)
    assert (
        get(cloud, "deployments.apps", "web")["metadata"]["annotations"][
            "deployment.kubernetes.io/revision"
        ]
        == "2"
    )


def test_recreate_stops_old_pods_before_starting_new(cloud: Cloud) -> None:
    cloud.create(deployment("web", replicas=2, strategy={"type": "Recreate"}))
    cloud.settle(20)
    cloud.api.patch(
        cloud.kind("deployments.apps"),
        "default",
        "web",
        "strategic",
        {"spec": {"template": {"spec": {"containers": [{"name": "main", "image": "nginx:1.26"}]}}}},
    )
    for _ in range(60):
        cloud.advance(0.5)
        images = {p["spec"]["containers"][0]["image"] for p in pods(cloud, prefix="web-")}
        assert len(images) <= 1
    assert {p["spec"]["containers"][0]["image"] for p in pods(cloud, prefix="web-")} == {
        "nginx:1.26"
    }


def test_revision_history_limit_prunes_old_replica_sets(cloud: Cloud) -> None:
    cloud.create(deployment("web", replicas=1, revisionHistoryLimit=1))
    for tag in ("1.25", "1.26", "1.27"):
        cloud.api.patch(
            cloud.kind("deployments.apps"),
            "default",
            "web",
            "strategic",
            {
                "spec": {
                    "template": {
                        "spec": {"containers": [{"name": "main", "image": f"nginx:{tag}"}]}
                    }
                }
            },
        )
        cloud.settle(20)
    sets = list(cloud.store.iter("replicasets.apps", "default"))
    assert len(sets) == 2


def test_stuck_rollout_reports_its_progress_deadline(cloud: Cloud) -> None:
    cloud.create(
        deployment(
            "web",
            replicas=1,
            progressDeadlineSeconds=30,
            containers=[container(image="nginx:0.0.404")],
        )
    )
    cloud.settle(90)
    conditions = {
        c["type"]: c for c in get(cloud, "deployments.apps", "web")["status"]["conditions"]
    }
    assert conditions["Progressing"]["reason"] == "ProgressDeadlineExceeded"
    assert conditions["Available"]["status"] == "False"


def test_quota_refusal_becomes_a_failed_create_event(cloud: Cloud) -> None:
    cloud.create(
        {
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": {"name": "tight", "namespace": "default"},
            "spec": {"hard": {"pods": "2"}},
        }
    )
    cloud.create(deployment("web", replicas=3))
    cloud.settle(20)
    assert len(pods(cloud, prefix="web-")) == 2
    failed = events(cloud, "FailedCreate")
    assert failed
    assert (
        "exceeded quota: tight, requested: pods=1, used: pods=2, limited: pods=2"
        in failed[0]["message"]
    )
    used = get(cloud, "resourcequotas", "tight")["status"]["used"]
    assert used == {"pods": "2"}


def test_statefulset_creates_in_order_with_claims_and_shrinks_from_the_top(cloud: Cloud) -> None:
    cloud.create(
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": "db", "namespace": "default"},
            "spec": {
                "serviceName": "db",
                "replicas": 3,
                "selector": {"matchLabels": {"app": "db"}},
                "template": {
                    "metadata": {"labels": {"app": "db"}},
                    "spec": {
                        "containers": [
                            container(
                                image="redis:7.2",
                                volumeMounts=[{"name": "data", "mountPath": "/data"}],
                            )
                        ]
                    },
                },
                "volumeClaimTemplates": [
                    {
                        "metadata": {"name": "data"},
                        "spec": {
                            "accessModes": ["ReadWriteOnce"],
                            "resources": {"requests": {"storage": "1Gi"}},
                        },
                    }
                ],
            },
        }
    )
    cloud.advance(1)
    assert [p["metadata"]["name"] for p in pods(cloud, prefix="db-")] == ["db-0"]
    cloud.settle(30)
    assert [p["metadata"]["name"] for p in pods(cloud, prefix="db-")] == ["db-0", "db-1", "db-2"]
    claims = sorted(c["metadata"]["name"] for c in cloud.store.iter("persistentvolumeclaims"))
    assert claims == ["data-db-0", "data-db-1", "data-db-2"]
    assert get(cloud, "pods", "db-1")["spec"]["volumes"][0]["persistentVolumeClaim"] == {
        "claimName": "data-db-1"
    }
    cloud.api.patch(
        cloud.kind("statefulsets.apps"), "default", "db", "merge", {"spec": {"replicas": 1}}
    )
    cloud.settle(30)
    assert [p["metadata"]["name"] for p in pods(cloud, prefix="db-")] == ["db-0"]
    assert len(list(cloud.store.iter("persistentvolumeclaims"))) == 3  # claims are retained


def test_daemonset_runs_one_pod_per_fitting_node(cloud: Cloud) -> None:
    cloud.create(
        {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": {"name": "agent", "namespace": "default"},
            "spec": {
                "selector": {"matchLabels": {"app": "agent"}},
                "template": {
                    "metadata": {"labels": {"app": "agent"}},
                    "spec": {"containers": [container()]},
                },
            },
        }
    )
    cloud.settle(20)
    nodes = sorted(p["spec"]["nodeName"] for p in pods(cloud, prefix="agent-"))
    assert nodes == ["stratus-worker", "stratus-worker2"]  # the control plane is tainted
    status = get(cloud, "daemonsets.apps", "agent")["status"]
    assert (status["desiredNumberScheduled"], status["numberReady"]) == (2, 2)


def test_job_runs_to_completion(cloud: Cloud) -> None:
    cloud.create(
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "once", "namespace": "default"},
            "spec": {
                "completions": 2,
                "template": {
                    "spec": {
                        "restartPolicy": "Never",
                        "containers": [
                            container(image="busybox:1.36", command=["sh", "-c", "sleep 3"])
                        ],
                    }
                },
            },
        }
    )
    cloud.settle(30)
    job = get(cloud, "jobs.batch", "once")
    assert job["status"]["succeeded"] == 2
    assert any(c["type"] == "Complete" for c in job["status"]["conditions"])


def test_job_gives_up_after_its_backoff_limit(cloud: Cloud) -> None:
    cloud.create(
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "flaky", "namespace": "default"},
            "spec": {
                "backoffLimit": 1,
                "template": {
                    "spec": {
                        "restartPolicy": "Never",
                        "containers": [
                            container(image="busybox:1.36", command=["sh", "-c", "exit 2"])
                        ],
                    }
                },
            },
        }
    )
    cloud.settle(60)
    job = get(cloud, "jobs.batch", "flaky")
    assert job["status"]["failed"] == 2
    failed = [c for c in job["status"]["conditions"] if c["type"] == "Failed"]
    assert failed
    assert failed[0]["reason"] == "BackoffLimitExceeded"
