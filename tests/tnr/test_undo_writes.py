"""Every write kind the gateway allows, made by real kubectl, undone: each touched object is
back at its checkpoint (empty semantic diff) and the controllers converge back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from stratus.kube.refs import ObjectRef
from stratus.tnr.undo import UndoReport
from tests.tnr.conftest import APP, NS, Kernel, ref

pytestmark = pytest.mark.kubectl

WEB = ref("Deployment", "web")
SVC = ref("Service", "web")
CM = ref("ConfigMap", "web-config")
DB = ref("StatefulSet", "db")
WORKER = ref("Node", "stratus-worker")
PLANE = ref("Node", "stratus-control-plane")


def _roundtrip(
    kernel: Kernel, refs: list[ObjectRef], *write: str, settle: float = 30
) -> UndoReport:
    """Checkpoint ``refs``, run ``kubectl write``, let it take effect, undo, and check."""
    pods = kernel.pods()
    tx = kernel.checkpoint(*refs)
    kernel.kubectl(*write)
    kernel.served.settle(settle)
    changed = kernel.drift(tx)
    assert changed, f"kubectl {' '.join(write)} changed nothing the test watches"
    report = kernel.undo(tx)
    assert report.faithful, report
    assert kernel.drift(tx) == {}
    kernel.served.settle(60)
    assert kernel.drift(tx) == {}, "the controllers moved the objects away again"
    assert kernel.pods() == pods
    assert kernel.journal.transaction(tx).state == "undone"
    return report


@pytest.mark.parametrize(
    ("refs", "write"),
    [
        pytest.param(
            [WEB],
            [
                "patch", "deploy", "web", "-n", NS, "-p",
                '{"spec":{"template":{"spec":{"containers":'
                '[{"name":"web","env":[{"name":"MODE","value":"fast"}]}]}}}}',
            ],
            id="patch-strategic",
        ),
        pytest.param(
            [CM],
            ["patch", "cm", "web-config", "-n", NS, "--type=merge", "-p",
             '{"data":{"LOG_LEVEL":"debug","EXTRA":"1"}}'],
            id="patch-merge",
        ),
        pytest.param(
            [SVC],
            ["patch", "svc", "web", "-n", NS, "--type=json", "-p",
             '[{"op":"replace","path":"/spec/ports/0/targetPort","value":8080}]'],
            id="patch-json",
        ),
        pytest.param([WEB], ["scale", "deploy/web", "-n", NS, "--replicas=4"], id="scale-up"),
        pytest.param([WEB], ["scale", "deploy/web", "-n", NS, "--replicas=0"], id="scale-zero"),
        pytest.param([DB], ["scale", "sts/db", "-n", NS, "--replicas=1"], id="scale-sts"),
        pytest.param(
            [WEB], ["set", "image", "deploy/web", "-n", NS, "web=nginx:1.26"], id="set-image"
        ),
        pytest.param(
            [DB], ["set", "image", "sts/db", "-n", NS, "redis=redis:7.4"], id="set-image-sts"
        ),
        pytest.param([WEB], ["set", "env", "deploy/web", "-n", NS, "MODE=fast"], id="set-env"),
        pytest.param(
            [WEB],
            ["set", "resources", "deploy/web", "-n", NS, "--limits=cpu=200m,memory=128Mi"],
            id="set-resources",
        ),
        pytest.param([WEB], ["label", "deploy/web", "-n", NS, "tier=front"], id="label"),
        pytest.param(
            [WEB], ["label", "deploy/web", "-n", NS, "app-", "--overwrite"], id="label-remove"
        ),
        pytest.param([SVC], ["annotate", "svc/web", "-n", NS, "note=hi"], id="annotate"),
        pytest.param([WORKER], ["label", "node/stratus-worker", "disk=ssd"], id="label-node"),
        pytest.param([WEB], ["rollout", "restart", "deploy/web", "-n", NS], id="rollout-restart"),
        pytest.param(
            [ref("ConfigMap", "new")],
            ["create", "configmap", "new", "-n", NS, "--from-literal=a=b"],
            id="create-configmap",
        ),
        pytest.param(
            [ref("Deployment", "extra")],
            ["create", "deployment", "extra", "-n", NS, "--image=nginx:1.25", "--replicas=2"],
            id="create-deployment",
        ),
        pytest.param(
            [ref("Service", "web-np")],
            ["expose", "deploy/web", "-n", NS, "--name=web-np", "--type=NodePort",
             "--port=8080", "--target-port=80"],
            id="expose",
        ),
        pytest.param([CM], ["delete", "cm", "web-config", "-n", NS], id="delete-configmap"),
        pytest.param([SVC], ["delete", "svc", "web", "-n", NS], id="delete-service"),
        pytest.param([WEB], ["delete", "deploy", "web", "-n", NS], id="delete-deployment"),
        pytest.param([WORKER], ["cordon", "stratus-worker"], id="cordon"),
        pytest.param(
            [WORKER], ["taint", "node", "stratus-worker", "dedicated=db:NoSchedule"], id="taint"
        ),
        pytest.param(
            [PLANE],
            ["taint", "node", "stratus-control-plane", "node-role.kubernetes.io/control-plane-"],
            id="untaint",
        ),
    ],
)  # fmt: skip
def test_undo_restores_the_checkpoint(
    kernel: Kernel, refs: list[ObjectRef], write: list[str]
) -> None:
    _roundtrip(kernel, refs, *write)


def test_undo_of_uncordon(kernel: Kernel) -> None:
    kernel.kubectl("cordon", "stratus-worker")
    _roundtrip(kernel, [WORKER], "uncordon", "stratus-worker")
    assert kernel.read(WORKER)["spec"]["unschedulable"] is True


def test_undo_of_rollout_undo(kernel: Kernel) -> None:
    kernel.kubectl("set", "image", "deploy/web", "-n", NS, "web=nginx:1.26")
    kernel.served.settle(60)
    _roundtrip(kernel, [WEB], "rollout", "undo", "deploy/web", "-n", NS)
    template = kernel.read(WEB)["spec"]["template"]
    assert template["spec"]["containers"][0]["image"] == "nginx:1.26"


def _apply(kernel: Kernel, tmp_path: Path, docs: list[dict[str, Any]]) -> list[str]:
    path = tmp_path / "change.yaml"
    path.write_text(yaml.safe_dump_all(docs))
    return ["apply", "-f", str(path)]


def _app(kind: str, name: str) -> dict[str, Any]:
    for doc in yaml.safe_load_all(APP.read_text()):
        if doc["kind"] == kind and doc["metadata"]["name"] == name:
            return dict(doc)
    raise AssertionError(f"no {kind}/{name} in the app")


def test_undo_of_apply_of_one_object(kernel: Kernel, tmp_path: Path) -> None:
    changed = {**_app("ConfigMap", "web-config"), "data": {"LOG_LEVEL": "debug"}}
    report = _roundtrip(kernel, [CM], *_apply(kernel, tmp_path, [changed]))
    assert report.faithful


def test_undo_of_apply_of_many_objects(kernel: Kernel, tmp_path: Path) -> None:
    web = _app("Deployment", "web")
    web["spec"] = {**web["spec"], "replicas": 3}
    web["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.27"
    extra = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "extra", "namespace": NS},
        "data": {"a": "b"},
    }
    canary = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "canary", "namespace": NS},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 81, "targetPort": 80}]},
    }
    refs = [WEB, ref("ConfigMap", "extra"), ref("Service", "canary"), CM]
    report = _roundtrip(kernel, refs, *_apply(kernel, tmp_path, [web, extra, canary]))
    assert report.faithful


def test_undo_of_replace_force_that_changed_an_immutable_field(
    kernel: Kernel, tmp_path: Path
) -> None:
    """``replace --force`` deletes and recreates with another selector (immutable): undo
    cannot replace it back, so it deletes the newcomer and recreates the checkpoint."""
    web = _app("Deployment", "web")
    web["spec"]["selector"] = {"matchLabels": {"app": "web", "v": "2"}}
    web["spec"]["template"]["metadata"]["labels"]["v"] = "2"
    path = tmp_path / "web.yaml"
    path.write_text(json.dumps(web))
    _roundtrip(kernel, [WEB], "replace", "--force", "-f", str(path))


def test_undo_of_drain(kernel: Kernel) -> None:
    on_worker = [
        ObjectRef.of(pod)
        for pod in kernel.client.list("v1", "Pod", NS)
        if pod["spec"].get("nodeName") == "stratus-worker"
    ]
    assert on_worker, "the app has pods on the node to drain"
    pods = kernel.pods()
    tx = kernel.checkpoint(WORKER, *on_worker)
    kernel.served.kubectl_advancing("drain", "stratus-worker", "--ignore-daemonsets")
    kernel.served.settle(30)
    assert not [
        pod
        for pod in kernel.client.list("v1", "Pod", NS)
        if pod["spec"].get("nodeName") == "stratus-worker"
    ]
    report = kernel.undo(tx)
    assert report.faithful, report
    assert {s.action for s in report.steps} == {"restore", "controller"}
    kernel.served.settle(60)
    assert kernel.drift(tx) == {}
    assert kernel.pods() == pods
    assert not kernel.read(WORKER)["spec"].get("unschedulable")
