"""The scheduler places pods by resources, selectors, affinity and taints, or says why not."""

from __future__ import annotations

from stratus.sim.cloud import Cloud
from tests.sim.controllers.helpers import container, events, get, pod, pods


def _reason(cloud: Cloud, name: str) -> str:
    failed = [e for e in events(cloud, "FailedScheduling") if e["involvedObject"]["name"] == name]
    assert failed, f"no FailedScheduling event for {name}"
    return str(failed[-1]["message"])


def test_spreads_replicas_and_avoids_the_control_plane(cloud: Cloud) -> None:
    for index in range(4):
        cloud.create(pod(f"p{index}"))
    cloud.settle(10)
    nodes = [p["spec"]["nodeName"] for p in pods(cloud)]
    assert sorted(nodes) == [
        "stratus-worker",
        "stratus-worker",
        "stratus-worker2",
        "stratus-worker2",
    ]


def test_node_selector_no_node_matches(cloud: Cloud) -> None:
    cloud.create(pod("picky", nodeSelector={"disktype": "ssd"}))
    cloud.settle(5)
    assert "nodeName" not in get(cloud, "pods", "picky")["spec"]
    assert _reason(cloud, "picky") == (
        "0/3 nodes are available: 1 node(s) had untolerated taint "
        "{node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match Pod's node "
        "affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful "
        "for scheduling."
    )
    condition = get(cloud, "pods", "picky")["status"]["conditions"][0]
    assert (condition["type"], condition["status"], condition["reason"]) == (
        "PodScheduled",
        "False",
        "Unschedulable",
    )


def test_pending_pod_is_placed_once_a_node_fits(cloud: Cloud) -> None:
    cloud.create(pod("picky", nodeSelector={"disktype": "ssd"}))
    cloud.settle(5)
    node = get(cloud, "nodes", "stratus-worker2")
    labelled = dict(
        node,
        metadata=dict(node["metadata"], labels={**node["metadata"]["labels"], "disktype": "ssd"}),
    )
    cloud.api.replace(cloud.kind("nodes"), "", "stratus-worker2", labelled)
    cloud.settle(5)
    assert get(cloud, "pods", "picky")["spec"]["nodeName"] == "stratus-worker2"


def test_requests_larger_than_any_node(cloud: Cloud) -> None:
    cloud.create(pod("huge", containers=[container(resources={"requests": {"cpu": "64"}})]))
    cloud.settle(5)
    assert "2 Insufficient cpu" in _reason(cloud, "huge")


def test_tolerated_taint_and_required_node_affinity(cloud: Cloud) -> None:
    cloud.create(
        pod(
            "on-cp",
            tolerations=[
                {
                    "key": "node-role.kubernetes.io/control-plane",
                    "operator": "Exists",
                    "effect": "NoSchedule",
                }
            ],
            affinity={
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [
                            {
                                "matchExpressions": [
                                    {
                                        "key": "node-role.kubernetes.io/control-plane",
                                        "operator": "Exists",
                                    }
                                ]
                            }
                        ]
                    }
                }
            },
        )
    )
    cloud.settle(5)
    assert get(cloud, "pods", "on-cp")["spec"]["nodeName"] == "stratus-control-plane"


def test_required_anti_affinity_allows_one_per_node(cloud: Cloud) -> None:
    anti = {
        "podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {
                    "labelSelector": {"matchLabels": {"tier": "db"}},
                    "topologyKey": "kubernetes.io/hostname",
                }
            ]
        }
    }
    for index in range(3):
        spec = pod(f"db{index}", affinity=anti)
        spec["metadata"]["labels"]["tier"] = "db"
        cloud.create(spec)
    cloud.settle(5)
    placed = [p for p in pods(cloud) if p["spec"].get("nodeName")]
    assert len(placed) == 2
    assert len({p["spec"]["nodeName"] for p in placed}) == 2
    assert "didn't match pod anti-affinity rules" in _reason(cloud, "db2")


def test_cordoned_nodes_take_no_new_pods(cloud: Cloud) -> None:
    cloud.api.patch(
        cloud.kind("nodes"), "", "stratus-worker", "strategic", {"spec": {"unschedulable": True}}
    )
    cloud.settle(2)
    for index in range(3):
        cloud.create(pod(f"p{index}"))
    cloud.settle(5)
    assert {p["spec"]["nodeName"] for p in pods(cloud)} == {"stratus-worker2"}
    taints = get(cloud, "nodes", "stratus-worker")["spec"]["taints"]
    assert {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"} in [
        {k: t[k] for k in ("key", "effect")} for t in taints
    ]
