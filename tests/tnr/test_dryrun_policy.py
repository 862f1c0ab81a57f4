"""What only the server's dry-run reveals is checked against the policy; dry-runs never
write; and what runs afterwards is what was dry-run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stratus.kube.runner import Kubectl
from tests.conftest import ServedCloud
from tests.tnr.hotel import NS, Hotel, hotel

pytestmark = pytest.mark.kubectl

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: miner}
spec:
  selector: {matchLabels: {app: miner}}
  template:
    metadata: {labels: {app: miner}}
    spec: {containers: [{name: m, image: hashicorp/consul:latest}]}
"""


@pytest.fixture
def h(served: ServedCloud, tmp_path: Path) -> Hotel:
    return hotel(served, tmp_path)


def test_what_the_files_hold_is_checked(h: Hotel) -> None:
    h.write("ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: evil}\n")
    assert h.refusal("kubectl apply -f ns.yaml").code == "forbidden-kind"
    h.write("deploy.yaml", DEPLOYMENT)
    assert h.refusal("kubectl apply -f deploy.yaml").code == "new-workload"
    h.write(
        "crb.yaml",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\n"
        "metadata: {name: pwn}\nroleRef: {apiGroup: rbac.authorization.k8s.io, "
        "kind: ClusterRole, name: cluster-admin}\n",
    )
    assert h.refusal("kubectl create -f crb.yaml").code == "forbidden-kind"
    h.write(
        "sys.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: kube-system}\n"
    )
    # with a default namespace, kubectl itself refuses an object naming another one
    refused = h.refusal("kubectl apply -f sys.yaml")
    assert refused.code == "server"
    assert "does not match the namespace" in refused.reason
    # without one, the object's own namespace is used, and the dry run shows it
    h.runner = Kubectl(
        binary=h.runner.binary, kubeconfig=h.runner.kubeconfig, cache_dir=h.runner.cache_dir
    )
    assert h.refusal("kubectl apply -f sys.yaml").code == "namespace"


def test_images_are_checked_in_the_object_the_server_would_store(h: Hotel) -> None:
    patch = (
        '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"evil/miner:1"}]'
    )
    refused = h.refusal(f"kubectl patch deploy geo --type=json -p '{patch}'")
    assert refused.code == "image"
    assert "evil/miner:1" in refused.reason
    geo = h.get("deploy", "geo")
    geo["spec"]["template"]["spec"]["containers"][0]["image"] = "evil/miner:1"
    h.write("geo.json", json.dumps(geo))
    assert h.refusal("kubectl replace -f geo.json").code == "image"
    allowed = h.confirm(
        f"kubectl patch deploy geo --type=json -p '{patch}'", image_allowlist=["evil/*"]
    )
    assert allowed.refs[0].name == "geo"


def test_blast_radius_counts_what_a_selector_matches(h: Hotel) -> None:
    refused = h.refusal(
        "kubectl delete pods -l 'io.kompose.service in (geo,rate,search)'", max_objects=2
    )
    assert refused.code == "blast-radius"
    assert "3 objects" in refused.reason


def test_drain_that_would_evict_protected_pods(h: Hotel) -> None:
    refused = h.refusal("kubectl drain stratus-worker --ignore-daemonsets")
    assert refused.code == "namespace"
    assert "kube-system" in refused.reason
    refused = h.refusal("kubectl drain stratus-worker2")
    assert refused.code == "server"
    assert "DaemonSet" in refused.reason


def test_no_effect_and_server_errors(h: Hotel) -> None:
    image = h.get("deploy", "geo")["spec"]["template"]["spec"]["containers"][0]["image"]
    refused = h.refusal(f"kubectl set image deploy/geo hotel-reserv-geo={image}")
    assert refused.code == "no-effect"
    assert h.refusal("kubectl delete pods -l app=nothing-matches").code == "no-effect"
    refused = h.refusal("kubectl scale deploy/nope --replicas=1")
    assert refused.code == "server"
    assert "not found" in refused.reason
    assert h.refusal("kubectl patch deploy geo -p '{not json'").code == "server"


def test_dry_runs_never_write(h: Hotel) -> None:
    before = h.versions()
    h.write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: new}\n")
    pod = h.get("pods", "-l", "io.kompose.service=geo")["items"][0]["metadata"]["name"]
    for line in (
        "kubectl scale deploy/geo --replicas=5",
        "kubectl rollout restart deploy/geo",
        "kubectl rollout pause deploy/geo",
        "kubectl cordon stratus-worker2",
        f"kubectl delete pod {pod}",
        "kubectl delete svc geo",
        "kubectl apply -f cm.yaml",
        "kubectl label deploy geo x=y",
        "kubectl expose deploy geo --name=geo2 --port=80",
        "kubectl taint nodes stratus-worker2 k=v:NoSchedule",
    ):
        h.confirm(line)
    assert h.versions() == before


def test_drain_dry_run_never_writes(h: Hotel) -> None:
    before = h.versions()
    h.confirm("kubectl drain stratus-worker2 --ignore-daemonsets")
    assert h.versions() == before


def test_what_runs_is_what_was_dry_run(h: Hotel) -> None:
    h.write(
        "many.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: one}\n"
        "data: {a: '1'}\n---\napiVersion: v1\nkind: ConfigMap\n"
        "metadata: {name: two}\ndata: {b: '2'}\n",
    )
    for line in (
        "kubectl apply -f many.yaml",
        "kubectl scale deploy/geo --replicas=2",
        "kubectl set env deploy/geo MODE=safe",
    ):
        gateway = h.gateway()
        decision = gateway.check(line)
        dry = gateway.confirm_with_dry_run(h.runner, decision)
        result = h.runner.run(decision.argv, input=decision.input)
        assert result.ok, result.stderr
        for t in dry.touched:
            live = h.get(t.ref.kind.lower(), t.ref.name, f"--namespace={t.ref.namespace or NS}")
            assert live["metadata"]["uid"] == t.body["metadata"]["uid"] or line.startswith(
                "kubectl apply"
            )
            assert live.get("data") == t.body.get("data"), t.ref
            if t.ref.kind == "Deployment":
                spec, dry_spec = live["spec"], t.body["spec"]
                assert spec["replicas"] == dry_spec["replicas"]
                env = [c.get("env") for c in spec["template"]["spec"]["containers"]]
                assert env == [c.get("env") for c in dry_spec["template"]["spec"]["containers"]]
