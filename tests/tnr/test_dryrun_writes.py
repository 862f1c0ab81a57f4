"""Every write kind the gateway allows, confirmed by a server-side dry-run through real
kubectl against the emulated cloud: the objects it would touch, how, and their bodies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stratus.tnr.dryrun import DryRun
from tests.conftest import ServedCloud
from tests.tnr.hotel import NS, Hotel, hotel

pytestmark = pytest.mark.kubectl


def touched(dry: DryRun) -> list[tuple[str, str, str, str]]:
    return [(t.operation, t.ref.kind, t.ref.namespace, t.ref.name) for t in dry.touched]


def one(dry: DryRun, operation: str, kind: str, name: str, namespace: str = NS) -> Any:
    assert touched(dry) == [(operation, kind, namespace, name)]
    return dry.touched[0].body


def container(body: Any) -> Any:
    return body["spec"]["template"]["spec"]["containers"][0]


@pytest.fixture
def h(served: ServedCloud, tmp_path: Path) -> Hotel:
    return hotel(served, tmp_path)


def test_scale(h: Hotel) -> None:
    body = one(h.confirm("kubectl scale deploy/geo --replicas=2"), "update", "Deployment", "geo")
    assert body["spec"]["replicas"] == 2


def test_set_image_env_resources(h: Hotel) -> None:
    image = "hashicorp/consul:latest"  # in use in scope (consul), so allowed
    body = one(
        h.confirm(f"kubectl set image deploy/geo hotel-reserv-geo={image}"),
        "update",
        "Deployment",
        "geo",
    )
    assert container(body)["image"] == image
    body = one(
        h.confirm("kubectl set env deploy/geo LOG_LEVEL=debug"), "update", "Deployment", "geo"
    )
    assert {"name": "LOG_LEVEL", "value": "debug"} in container(body)["env"]
    body = one(
        h.confirm("kubectl set resources deploy geo --limits=memory=512Mi"),
        "update",
        "Deployment",
        "geo",
    )
    assert container(body)["resources"]["limits"]["memory"] == "512Mi"


@pytest.mark.parametrize(
    ("patch", "check"),
    [
        ('-p \'{"spec":{"replicas":3}}\'', ("spec", "replicas", 3)),
        (
            '--type=merge -p \'{"metadata":{"labels":{"fixed":"yes"}}}\'',
            ("metadata", "labels", {"io.kompose.service": "geo", "fixed": "yes"}),
        ),
        (
            '--type=json -p \'[{"op":"replace","path":"/spec/replicas","value":4}]\'',
            ("spec", "replicas", 4),
        ),
    ],
)
def test_patch_of_each_type(h: Hotel, patch: str, check: tuple[str, str, Any]) -> None:
    body = one(h.confirm(f"kubectl patch deploy geo {patch}"), "update", "Deployment", "geo")
    assert body[check[0]][check[1]] == check[2]


def test_label_and_annotate(h: Hotel) -> None:
    body = one(h.confirm("kubectl label deploy geo team=sre"), "update", "Deployment", "geo")
    assert body["metadata"]["labels"]["team"] == "sre"
    body = one(
        h.confirm("kubectl annotate svc geo note='checked by stratus'"), "update", "Service", "geo"
    )
    assert body["metadata"]["annotations"]["note"] == "checked by stratus"


def test_rollout_restart_pause_resume(h: Hotel) -> None:
    body = one(h.confirm("kubectl rollout restart deploy/geo"), "update", "Deployment", "geo")
    assert (
        "kubectl.kubernetes.io/restartedAt" in body["spec"]["template"]["metadata"]["annotations"]
    )
    body = one(h.confirm("kubectl rollout pause deployment geo"), "update", "Deployment", "geo")
    assert body["spec"]["paused"] is True
    body = one(h.confirm("kubectl rollout resume deploy/geo"), "update", "Deployment", "geo")
    assert not body["spec"].get("paused")


def test_rollout_undo(h: Hotel) -> None:
    h.kubectl("set", "env", "deploy/geo", "BROKEN=1")
    h.served.settle(30)
    dry = h.confirm("kubectl rollout undo deploy/geo")
    one(dry, "update", "Deployment", "geo")  # kubectl echoes the object as it was
    assert dry.calls[0].args[:2] == ("rollout", "undo")
    assert "--dry-run=server" in dry.calls[0].args


def test_cordon_uncordon_taint(h: Hotel) -> None:
    body = one(h.confirm("kubectl cordon stratus-worker2"), "update", "Node", "stratus-worker2", "")
    assert body["spec"]["unschedulable"] is True
    body = one(
        h.confirm("kubectl uncordon stratus-worker2"), "update", "Node", "stratus-worker2", ""
    )
    assert not body["spec"].get("unschedulable")
    body = one(
        h.confirm("kubectl taint nodes stratus-worker2 dedicated=web:NoSchedule"),
        "update",
        "Node",
        "stratus-worker2",
        "",
    )
    assert {"key": "dedicated", "value": "web", "effect": "NoSchedule"} in body["spec"]["taints"]


def test_drain_lists_the_node_and_every_evicted_pod(h: Hotel) -> None:
    pods = h.get("pods", "--field-selector=spec.nodeName=stratus-worker2")["items"]
    evicted = sorted(p["metadata"]["name"] for p in pods)
    assert evicted
    dry = h.confirm("kubectl drain stratus-worker2 --ignore-daemonsets --delete-emptydir-data")
    assert touched(dry)[0] == ("update", "Node", "", "stratus-worker2")
    assert dry.touched[0].body["spec"]["unschedulable"] is True
    assert sorted(t.ref.name for t in dry.touched[1:]) == evicted
    assert {(t.operation, t.ref.kind, t.ref.namespace) for t in dry.touched[1:]} == {
        ("delete", "Pod", NS)
    }
    geo = [p for p in evicted if p.startswith("geo-")]
    narrowed = h.confirm(
        "kubectl drain stratus-worker2 --ignore-daemonsets --pod-selector=io.kompose.service=geo"
    )
    assert [t.ref.name for t in narrowed.touched[1:]] == geo


def test_expose_and_autoscale_create(h: Hotel) -> None:
    body = one(
        h.confirm("kubectl expose deploy geo --name=geo-lb --port=80 --target-port=8083"),
        "create",
        "Service",
        "geo-lb",
    )
    assert body["spec"]["ports"][0]["port"] == 80
    body = one(
        h.confirm("kubectl autoscale deploy geo --min=1 --max=3"),
        "create",
        "HorizontalPodAutoscaler",
        "geo",
    )
    assert body["spec"]["maxReplicas"] == 3


def test_delete_by_name_and_selector(h: Hotel) -> None:
    pod = h.get("pods", "-l", "io.kompose.service=geo")["items"][0]["metadata"]["name"]
    body = one(h.confirm(f"kubectl delete pod {pod}"), "delete", "Pod", pod)
    assert body["metadata"]["name"] == pod  # the body as it is now: the checkpoint
    dry = h.confirm("kubectl delete pods -l 'io.kompose.service in (geo,rate)'")
    assert sorted(t.ref.name.split("-")[0] for t in dry.touched) == ["geo", "rate"]
    assert {t.operation for t in dry.touched} == {"delete"}
    one(h.confirm("kubectl delete svc geo"), "delete", "Service", "geo")


def test_apply_one_and_many_objects(h: Hotel) -> None:
    h.write(
        "flags.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: flags}\ndata: {beta: 'false'}\n",
    )
    one(h.confirm("kubectl apply -f flags.yaml"), "create", "ConfigMap", "flags")
    svc = h.get("svc", "geo")
    svc["metadata"] = {"name": "geo", "labels": {"tuned": "yes"}}
    svc.pop("status", None)
    (h.workdir / "many").mkdir()
    h.write("many/a-flags.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: flags}\n")
    h.write("many/b-geo.json", json.dumps(svc))
    dry = h.confirm("kubectl apply -f many")
    assert touched(dry) == [("create", "ConfigMap", NS, "flags"), ("update", "Service", NS, "geo")]
    assert dry.touched[1].body["metadata"]["labels"]["tuned"] == "yes"


def test_replace_and_create(h: Hotel) -> None:
    cm = h.get("cm", "--output=name")  # any existing ConfigMap will do
    name = cm["items"][0]["metadata"]["name"]
    obj = h.get("cm", name)
    obj["data"] = {"replaced": "yes"}
    h.write("cm.json", json.dumps(obj))
    body = one(h.confirm("kubectl replace -f cm.json"), "update", "ConfigMap", name)
    assert body["data"] == {"replaced": "yes"}
    one(
        h.confirm("kubectl create configmap extra --from-literal=a=b"),
        "create",
        "ConfigMap",
        "extra",
    )
    one(
        h.confirm("kubectl create secret generic extra --from-literal=password=x"),
        "create",
        "Secret",
        "extra",
    )
    one(
        h.confirm("kubectl create service clusterip extra --tcp=80:8080"),
        "create",
        "Service",
        "extra",
    )


def test_exec_and_reads_are_not_dry_run(h: Hotel) -> None:
    pod = h.get("pods", "-l", "io.kompose.service=geo")["items"][0]["metadata"]["name"]
    dry = h.confirm(f"kubectl exec {pod} -- true", allow_irreversible=True)
    assert dry.touched == ()
    assert dry.calls == ()
    assert dry.decision.outside_tnr
    assert h.confirm("kubectl get pods").touched == ()
