"""What of an object the client owns, and the semantic diff between two reads."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from stratus.kube.objects import (
    controller_of,
    restoration,
    semantic_diff,
    strip_allocated,
    strip_server_fields,
)
from stratus.kube.refs import ObjectRef


def _deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "namespace": "shop",
            "uid": "u-1",
            "resourceVersion": "41",
            "generation": 3,
            "creationTimestamp": "2026-01-01T00:00:00Z",
            "managedFields": [{"manager": "kubectl"}],
            "labels": {"app": "web"},
            "annotations": {
                "deployment.kubernetes.io/revision": "3",
                "kubectl.kubernetes.io/last-applied-configuration": "{}",
            },
        },
        "spec": {"replicas": 2, "template": {"spec": {"containers": [{"image": "nginx:1.25"}]}}},
        "status": {"replicas": 2},
    }


def test_strip_removes_what_the_server_owns_and_keeps_the_rest() -> None:
    stripped = strip_server_fields(_deployment())
    assert "status" not in stripped
    assert stripped["metadata"] == {
        "name": "web",
        "namespace": "shop",
        "labels": {"app": "web"},
        "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"},
    }
    assert stripped["spec"] == _deployment()["spec"]


def test_strip_does_not_modify_its_argument() -> None:
    original = _deployment()
    strip_server_fields(original)
    assert original == _deployment()


def test_a_second_read_with_new_server_fields_has_no_diff() -> None:
    later = _deployment()
    later["metadata"].update(uid="u-2", resourceVersion="99", generation=7)
    later["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "5"
    later["status"] = {"replicas": 0}
    assert semantic_diff(_deployment(), later) == []


def test_diff_names_the_paths_that_differ() -> None:
    later = _deployment()
    later["spec"]["replicas"] = 3
    later["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.26"
    later["metadata"]["labels"]["tier"] = "front"
    later["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = "{1}"
    assert semantic_diff(_deployment(), later) == [
        'metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]',
        "metadata.labels.tier",
        "spec.replicas",
        "spec.template.spec.containers[0].image",
    ]


def test_diff_of_existence_and_of_types() -> None:
    assert semantic_diff(None, None) == []
    assert semantic_diff(None, _deployment()) == ["(object absent before)"]
    assert semantic_diff(_deployment(), None) == ["(object absent after)"]
    flipped = _deployment()
    flipped["spec"]["replicas"] = True  # 1 == True in Python; not in Kubernetes
    one = _deployment()
    one["spec"]["replicas"] = 1
    assert semantic_diff(one, flipped) == ["spec.replicas"]


def test_an_object_that_became_terminating_differs() -> None:
    later = _deployment()
    later["metadata"]["deletionTimestamp"] = "2026-01-01T00:01:00Z"
    assert semantic_diff(_deployment(), later) == ["metadata.deletionTimestamp"]
    assert semantic_diff(later, later) == []


def _service(ip: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "clusterIP": ip,
            "clusterIPs": [ip],
            "ports": [{"port": 80, "nodePort": 30080}],
            "type": "NodePort",
        },
    }


def test_allocated_service_addresses_do_not_count_but_headless_does() -> None:
    assert semantic_diff(_service("10.96.0.10"), _service("10.96.0.11")) == []
    assert semantic_diff(_service("None"), _service("10.96.0.11")) == [
        "spec.clusterIP",
        "spec.clusterIPs",
    ]
    bare = strip_allocated(_service("10.96.0.10"))
    assert "clusterIP" not in bare["spec"]
    assert "nodePort" not in bare["spec"]["ports"][0]
    assert strip_allocated(_service("None"))["spec"]["clusterIP"] == "None"


def test_restoration_keeps_what_the_server_owns_now() -> None:
    snapshot = _deployment()
    current = _deployment()
    current["metadata"].update(resourceVersion="77")
    current["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "4"
    current["metadata"]["annotations"]["kubernetes.io/change-cause"] = "oops"
    current["spec"]["replicas"] = 0
    body = restoration(snapshot, current)
    assert body["metadata"]["resourceVersion"] == "77"
    assert body["metadata"]["annotations"] == {
        "kubectl.kubernetes.io/last-applied-configuration": "{}",
        "deployment.kubernetes.io/revision": "4",
    }
    assert body["spec"]["replicas"] == 2
    assert "status" not in body

    service = restoration(_service("10.96.0.10"), _service("10.96.0.99"))
    assert service["spec"]["clusterIP"] == "10.96.0.99"  # immutable: keep the current one


def test_node_taints_of_the_node_controller_are_its_own() -> None:
    def node(*taints: str, unschedulable: bool = False) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": "n1"},
            "spec": {
                "unschedulable": unschedulable,
                "taints": [{"key": k, "effect": "NoSchedule"} for k in taints],
            },
        }

    before = node("dedicated")
    after = node("dedicated", "node.kubernetes.io/unschedulable")
    assert semantic_diff(before, after) == []
    assert semantic_diff(node(), node("dedicated")) == ["spec.taints"]
    body = restoration(node(), after)
    assert body["spec"]["taints"] == [
        {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}
    ]


def test_controller_of_names_the_managing_owner() -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "web-abc",
            "namespace": "shop",
            "ownerReferences": [
                {"apiVersion": "v1", "kind": "Thing", "name": "x"},
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": "web-1",
                    "controller": True,
                },
            ],
        },
    }
    assert controller_of(pod) == ObjectRef("apps/v1", "ReplicaSet", "shop", "web-1")
    assert controller_of(_deployment()) is None


# -- properties ---------------------------------------------------------------------------

_keys = st.text(st.sampled_from("abcxyz.-/"), min_size=1, max_size=6).filter(
    lambda k: k not in {"status", "metadata"}
)
_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=4), st.floats(allow_nan=False)
)
_values = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(_keys, children, max_size=3)
    ),
    max_leaves=12,
)
_objects = st.fixed_dictionaries(
    {
        "apiVersion": st.just("v1"),
        "kind": st.sampled_from(["ConfigMap", "Widget", "Deployment"]),
        "metadata": st.fixed_dictionaries(
            {
                "name": st.just("x"),
                "labels": st.dictionaries(_keys, st.text(max_size=3), max_size=3),
                "annotations": st.dictionaries(_keys, st.text(max_size=3), max_size=3),
            }
        ),
        "spec": st.dictionaries(_keys, _values, max_size=4),
        "data": st.dictionaries(_keys, st.text(max_size=3), max_size=3),
    }
)


@given(_objects)
def test_an_object_does_not_differ_from_itself(obj: dict[str, Any]) -> None:
    assert semantic_diff(obj, copy.deepcopy(obj)) == []


@given(
    _objects,
    st.sampled_from(["spec", "data", "labels", "annotations"]),
    _keys,
    _values,
)
def test_any_change_to_what_the_client_owns_is_seen(
    obj: dict[str, Any], where: str, key: str, value: Any
) -> None:
    changed = copy.deepcopy(obj)
    section = changed["metadata"] if where in {"labels", "annotations"} else changed
    target = section[where]
    if key in target and type(target[key]) is type(value) and target[key] == value:
        target[key] = ["changed", value]
    else:
        target[key] = value
    assert semantic_diff(obj, changed) != []
