"""The object store: versions, conflicts, watches, indexes."""

from __future__ import annotations

import random
from typing import Any

import pytest

from stratus.sim.clock import VirtualClock
from stratus.sim.cloud import Cloud
from stratus.sim.errors import AlreadyExists, Conflict, Gone, NotFound
from stratus.sim.store import FieldSelector, LabelSelector, Store, parse_label_selector


def _store(history: int = 100) -> Store:
    return Store(
        VirtualClock(),
        random.Random(1),
        history=history,
        generation_resources=frozenset({"deployments.apps"}),
    )


def _cm(name: str, **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "default", "labels": labels},
    }


def test_versions_increase_and_stale_updates_conflict() -> None:
    store = _store()
    first = store.create("configmaps", _cm("a"))
    assert first["metadata"]["resourceVersion"] == "2"
    stale = dict(first, data={"k": "v"})
    stale["metadata"] = dict(first["metadata"])
    store.update("configmaps", dict(stale, metadata=dict(stale["metadata"])))
    with pytest.raises(Conflict, match="the object has been modified"):
        store.update("configmaps", dict(stale, data={"k": "w"}, metadata=dict(first["metadata"])))
    with pytest.raises(AlreadyExists):
        store.create("configmaps", _cm("a"))
    with pytest.raises(NotFound, match='configmaps "zzz" not found'):
        store.require("configmaps", "default", "zzz")


def test_no_op_update_keeps_the_version() -> None:
    store = _store()
    created = store.create("configmaps", _cm("a"))
    again = store.update("configmaps", dict(created, metadata=dict(created["metadata"])))
    assert again["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]


def test_generation_counts_spec_changes_only() -> None:
    store = _store()
    d = store.create(
        "deployments.apps",
        {"metadata": {"name": "d", "namespace": "default"}, "spec": {"replicas": 1}},
    )
    assert d["metadata"]["generation"] == 1
    d2 = store.update(
        "deployments.apps",
        {"metadata": dict(d["metadata"], labels={"x": "y"}), "spec": {"replicas": 1}},
    )
    assert d2["metadata"]["generation"] == 1
    d3 = store.update(
        "deployments.apps", {"metadata": dict(d2["metadata"]), "spec": {"replicas": 2}}
    )
    assert d3["metadata"]["generation"] == 2


def test_watch_turns_selector_moves_into_added_and_deleted() -> None:
    store = _store()
    start = store.revision
    watcher = store.watch(
        "configmaps", "default", parse_label_selector("app=web"), FieldSelector(), since=start
    )
    a = store.create("configmaps", _cm("a", app="db"))
    a = store.update("configmaps", dict(a, metadata=dict(a["metadata"], labels={"app": "web"})))
    a = store.update("configmaps", dict(a, metadata=dict(a["metadata"], labels={"app": "x"})))
    store.create("configmaps", _cm("b", app="web"))
    store.remove("configmaps", "default", "b")
    assert [(kind, obj["metadata"]["name"]) for kind, obj in watcher.drain()] == [
        ("ADDED", "a"),
        ("DELETED", "a"),
        ("ADDED", "b"),
        ("DELETED", "b"),
    ]


def test_watch_replays_history_and_reports_when_it_is_gone() -> None:
    store = _store(history=3)
    mark = store.revision
    for index in range(3):
        store.create("configmaps", _cm(f"c{index}"))
    replay = store.watch("configmaps", None, LabelSelector(), FieldSelector(), since=mark)
    assert [obj["metadata"]["name"] for _, obj in replay.drain()] == ["c0", "c1", "c2"]
    for index in range(3, 6):
        store.create("configmaps", _cm(f"c{index}"))
    with pytest.raises(Gone, match="too old resource version"):
        store.watch("configmaps", None, LabelSelector(), FieldSelector(), since=mark)


def test_dependents_follow_owner_references() -> None:
    store = _store()
    owner = store.create("configmaps", _cm("owner"))
    uid = owner["metadata"]["uid"]
    child = _cm("child")
    child["metadata"]["ownerReferences"] = [
        {"uid": uid, "name": "owner", "kind": "ConfigMap", "apiVersion": "v1"}
    ]
    store.create("configmaps", child)
    assert store.dependents(uid) == [("configmaps", "default", "child")]
    store.remove("configmaps", "default", "child")
    assert store.dependents(uid) == []


def test_custom_finalizers_hold_a_deleted_object_until_removed() -> None:
    cloud = Cloud(seed=1, system=False)
    cm = _cm("held")
    cm["metadata"]["finalizers"] = ["example.com/cleanup"]
    cloud.create(cm)
    cloud.api.delete(cloud.kind("configmaps"), "default", "held")
    kept = cloud.store.get("configmaps", "default", "held")
    assert kept is not None
    assert kept["metadata"]["deletionTimestamp"]
    cloud.api.patch(
        cloud.kind("configmaps"), "default", "held", "merge", {"metadata": {"finalizers": None}}
    )
    assert cloud.store.get("configmaps", "default", "held") is None
