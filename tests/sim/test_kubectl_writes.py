"""Patches of every type, service routing, dry runs, node maintenance and logs."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ServedCloud
from tests.sim.conftest import SHOP

pytestmark = pytest.mark.kubectl


def _endpoints(served: ServedCloud) -> str:
    return served.kubectl.run("get", "ep", "web", "-n", "shop", "-o", "json").stdout


def test_service_target_port_patch_moves_the_endpoints(shop: ServedCloud) -> None:
    assert json.loads(_endpoints(shop))["subsets"][0]["ports"][0]["port"] == 80
    shop.kubectl.run(
        "patch",
        "svc",
        "web",
        "-n",
        "shop",
        "-p",
        '{"spec":{"ports":[{"port":80,"targetPort":8080,"name":"http"}]}}',
    )
    shop.settle(2)
    assert json.loads(_endpoints(shop))["subsets"][0]["ports"][0]["port"] == 8080
    shop.kubectl.run(
        "patch",
        "svc",
        "web",
        "-n",
        "shop",
        "--type=json",
        "-p",
        '[{"op":"replace","path":"/spec/ports/0/targetPort","value":"http"}]',
    )
    shop.settle(2)
    assert json.loads(_endpoints(shop))["subsets"][0]["ports"][0]["port"] == 80


def test_strategic_merge_of_container_env_keeps_the_rest(shop: ServedCloud) -> None:
    shop.kubectl.run(
        "patch",
        "deploy",
        "web",
        "-n",
        "shop",
        "-p",
        json.dumps(
            {
                "spec": {
                    "template": {
                        "spec": {
                            "containers": [
                                {"name": "web", "env": [{"name": "MODE", "value": "fast"}]}
                            ]
                        }
                    }
                }
            }
        ),
    )
    container = json.loads(
        shop.kubectl.run("get", "deploy", "web", "-n", "shop", "-o", "json").stdout
    )["spec"]["template"]["spec"]["containers"][0]
    assert container["env"] == [{"name": "MODE", "value": "fast"}]
    assert container["image"] == "nginx:1.25"
    assert container["envFrom"] == [{"configMapRef": {"name": "web-config"}}]


def test_merge_patch_and_no_change(shop: ServedCloud) -> None:
    first = shop.kubectl.run(
        "patch",
        "deploy",
        "web",
        "-n",
        "shop",
        "--type=merge",
        "-p",
        '{"metadata":{"labels":{"tier":"front"}}}',
    ).stdout
    assert "patched" in first
    assert "no change" not in first
    second = shop.kubectl.run(
        "patch",
        "deploy",
        "web",
        "-n",
        "shop",
        "--type=merge",
        "-p",
        '{"metadata":{"labels":{"tier":"front"}}}',
    ).stdout
    assert "(no change)" in second


@pytest.mark.parametrize(
    "command",
    [
        ["scale", "deploy/web", "--replicas=0"],
        ["delete", "deploy", "web"],
        ["set", "image", "deploy/web", "web=nginx:1.27"],
        ["label", "deploy", "web", "tier=front"],
        ["patch", "deploy", "web", "-p", '{"spec":{"replicas":5}}'],
        ["apply", "-f", "-"],
    ],
)
def test_server_dry_run_changes_nothing(shop: ServedCloud, command: list[str]) -> None:
    before = json.loads(shop.kubectl.run("get", "deploy", "web", "-n", "shop", "-o", "json").stdout)
    revision = shop.cloud.store.revision
    stdin = None
    if command[:2] == ["apply", "-f"]:
        stdin = SHOP.read_text().replace("replicas: 2", "replicas: 7")
    out = shop.kubectl.run(*command, "-n", "shop", "--dry-run=server", input=stdin).stdout
    assert "(server dry run)" in out or command[0] == "patch"
    after = json.loads(shop.kubectl.run("get", "deploy", "web", "-n", "shop", "-o", "json").stdout)
    assert after == before
    assert shop.cloud.store.revision == revision


def test_cordon_drain_uncordon(shop: ServedCloud) -> None:
    shop.kubectl.run("cordon", "stratus-worker")
    nodes = shop.kubectl.run("get", "node", "stratus-worker", "--no-headers").stdout.split()
    assert nodes[1] == "Ready,SchedulingDisabled"
    drained = shop.kubectl_advancing(
        "drain", "stratus-worker", "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=300s"
    ).stdout
    assert "node/stratus-worker drained" in drained
    shop.settle(30)
    on_node = shop.kubectl.run(
        "get", "pods", "-A", "--no-headers", "--field-selector=spec.nodeName=stratus-worker"
    ).stdout
    assert all("kube-proxy" in line for line in on_node.splitlines())
    assert all(
        p.split()[2] == "Running"
        for p in shop.kubectl.run("get", "pods", "-n", "shop", "--no-headers").stdout.splitlines()
    )
    shop.kubectl.run("uncordon", "stratus-worker")
    nodes = shop.kubectl.run("get", "node", "stratus-worker", "--no-headers").stdout.split()
    assert nodes[1] == "Ready"
