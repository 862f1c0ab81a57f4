"""Random sequences of API operations never leave the emulated cluster inconsistent."""

from __future__ import annotations

import contextlib
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stratus.sim.cloud import Cloud
from stratus.sim.controllers.podstate import is_active, is_ready
from stratus.sim.errors import ApiError
from stratus.sim.store import selector_from_object
from tests.sim.controllers.helpers import container, deployment

NAMES = st.sampled_from(["a", "b", "c"])
IMAGES = st.sampled_from(["nginx:1.27", "nginx:0.0.404", "busybox:1.36"])
OPERATIONS = st.one_of(
    st.tuples(st.just("deploy"), NAMES, st.integers(0, 4), IMAGES),
    st.tuples(st.just("scale"), NAMES, st.integers(0, 5)),
    st.tuples(st.just("image"), NAMES, st.sampled_from(["nginx:1.26", "nginx:1.27"])),
    st.tuples(st.just("delete"), NAMES, st.sampled_from(["Background", "Foreground", "Orphan"])),
    st.tuples(st.just("service"), NAMES, NAMES),
    st.tuples(st.just("kill"), st.integers(0, 10)),
    st.tuples(
        st.just("cordon"), st.sampled_from(["stratus-worker", "stratus-worker2"]), st.booleans()
    ),
    st.tuples(st.just("advance"), st.floats(0, 30)),
)


def _apply(cloud: Cloud, op: tuple[Any, ...]) -> None:
    api = cloud.api
    kind, *args = op
    if kind == "deploy":
        name, replicas, image = args
        body = deployment(
            name,
            replicas,
            containers=[
                container(
                    image=image, command=["sleep", "3600"] if image.startswith("busybox") else None
                )
            ],
        )
        body["spec"]["template"]["spec"]["containers"][0] = {
            k: v
            for k, v in body["spec"]["template"]["spec"]["containers"][0].items()
            if v is not None
        }
        cloud.create(body)
    elif kind == "scale":
        api.patch(
            cloud.kind("deployments.apps"),
            "default",
            args[0],
            "merge",
            {"spec": {"replicas": args[1]}},
        )
    elif kind == "image":
        api.patch(
            cloud.kind("deployments.apps"),
            "default",
            args[0],
            "strategic",
            {
                "spec": {
                    "template": {
                        "spec": {
                            "containers": [{"name": "main", "image": args[1], "command": None}]
                        }
                    }
                }
            },
        )
    elif kind == "delete":
        api.delete(
            cloud.kind("deployments.apps"), "default", args[0], {"propagationPolicy": args[1]}
        )
    elif kind == "service":
        cloud.create(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": f"svc-{args[0]}", "namespace": "default"},
                "spec": {"selector": {"app": args[1]}, "ports": [{"port": 80}]},
            }
        )
    elif kind == "kill":
        live = sorted(p["metadata"]["name"] for p in cloud.store.iter("pods", "default"))
        if live:
            api.delete(cloud.kind("pods"), "default", live[args[0] % len(live)])
    elif kind == "cordon":
        api.patch(
            cloud.kind("nodes"), "", args[0], "merge", {"spec": {"unschedulable": args[1] or None}}
        )
    else:
        cloud.advance(args[0])


def _check_invariants(cloud: Cloud) -> None:
    store = cloud.store
    everything = [(rk.resource, obj) for rk in cloud.kinds.all() for obj in store.iter(rk.resource)]
    for _resource, obj in everything:
        for ref in obj["metadata"].get("ownerReferences") or []:
            assert store.by_uid(ref["uid"]) is not None, (
                f"{obj['metadata']['name']} points at a missing owner {ref['name']}"
            )
    for d in store.iter("deployments.apps", "default"):
        owned_sets = {
            rs["metadata"]["uid"]
            for rs in store.iter("replicasets.apps", "default")
            if any(
                r["uid"] == d["metadata"]["uid"]
                for r in rs["metadata"].get("ownerReferences") or []
            )
        }
        live = [
            p
            for p in store.iter("pods", "default")
            if is_active(p)
            and any(r["uid"] in owned_sets for r in p["metadata"].get("ownerReferences") or [])
        ]
        assert len(live) == d["spec"]["replicas"], f"deployment {d['metadata']['name']}"
    for svc in store.iter("services", "default"):
        selector = (svc.get("spec") or {}).get("selector")
        if not selector:
            continue
        wanted = sorted(
            p["status"]["podIP"]
            for p in store.iter("pods", "default")
            if selector_from_object({"matchLabels": selector}).matches(p["metadata"].get("labels"))
            and is_ready(p)
            and not p["metadata"].get("deletionTimestamp")
        )
        endpoints = store.get("endpoints", "default", svc["metadata"]["name"]) or {}
        have = sorted(
            a["ip"] for s in endpoints.get("subsets") or [] for a in s.get("addresses") or []
        )
        assert have == wanted, f"endpoints of {svc['metadata']['name']}"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(OPERATIONS, min_size=1, max_size=12), st.integers(0, 3))
def test_random_operations_keep_the_cluster_consistent(
    ops: list[tuple[Any, ...]], seed: int
) -> None:
    cloud = Cloud(seed=seed, system=False)
    for op in ops:
        # refused operations (not found, already exists) must leave no trace
        with contextlib.suppress(ApiError):
            _apply(cloud, op)
    for node in ("stratus-worker", "stratus-worker2"):
        cloud.api.patch(cloud.kind("nodes"), "", node, "merge", {"spec": {"unschedulable": None}})
    cloud.settle(180, step=5)
    _check_invariants(cloud)
