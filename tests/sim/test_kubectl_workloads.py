"""Workload lifecycles through real kubectl: apply, rollouts, scaling, bad images, undo."""

from __future__ import annotations

import pytest

from tests.conftest import ServedCloud
from tests.sim.conftest import SHOP

pytestmark = pytest.mark.kubectl


def _pod_lines(served: ServedCloud, *selector: str) -> list[list[str]]:
    out = served.kubectl.run("get", "pods", "-n", "shop", "--no-headers", *selector).stdout
    return [line.split() for line in out.splitlines() if line.strip()]


def test_apply_creates_every_kind_and_waits_for_rollouts(served: ServedCloud) -> None:
    result = served.kubectl.run("apply", "-f", str(SHOP))
    for kind in (
        "namespace/shop",
        "configmap/web-config",
        "secret/db-pass",
        "deployment.apps/web",
        "service/web",
        "statefulset.apps/db",
        "persistentvolumeclaim/scratch",
    ):
        assert f"{kind} created" in result.stdout
    status = served.kubectl_advancing(
        "rollout", "status", "deploy/web", "-n", "shop", "--timeout=120s"
    ).stdout
    assert 'deployment "web" successfully rolled out' in status
    served.kubectl_advancing("rollout", "status", "sts/db", "-n", "shop", "--timeout=120s")


def test_apply_twice_is_unchanged_and_everything_becomes_ready(shop: ServedCloud) -> None:
    again = shop.kubectl.run("apply", "-f", str(SHOP)).stdout
    for kind in (
        "deployment.apps/web",
        "service/web",
        "configmap/web-config",
        "persistentvolumeclaim/scratch",
    ):
        assert f"{kind} unchanged" in again
    pods = _pod_lines(shop)
    assert sorted(p[0].rsplit("-", 2)[0] if p[0].startswith("web") else p[0] for p in pods) == [
        "db-0",
        "db-1",
        "web",
        "web",
    ]
    assert all(p[1] == "1/1" and p[2] == "Running" for p in pods)
    claims = shop.kubectl.run("get", "pvc", "-n", "shop", "--no-headers").stdout.splitlines()
    assert {c.split()[0] for c in claims} == {"data-db-0", "data-db-1", "scratch"}
    assert all(c.split()[1] == "Bound" for c in claims)


def test_scale_up_and_to_zero(shop: ServedCloud) -> None:
    shop.kubectl.run("scale", "deploy/web", "-n", "shop", "--replicas=4")
    shop.settle(30)
    assert len(_pod_lines(shop, "-l", "app=web")) == 4
    ready = shop.kubectl.run("get", "deploy", "web", "-n", "shop", "--no-headers").stdout.split()
    assert ready[1] == "4/4"
    shop.kubectl.run("scale", "deploy/web", "-n", "shop", "--replicas=0")
    shop.settle(30)
    assert _pod_lines(shop, "-l", "app=web") == []


def test_missing_image_then_rollout_undo(shop: ServedCloud) -> None:
    shop.kubectl.run("set", "image", "deploy/web", "-n", "shop", "web=nginx:9.99")
    shop.settle(40)
    statuses = {p[2] for p in _pod_lines(shop, "-l", "app=web")}
    assert "ImagePullBackOff" in statuses or "ErrImagePull" in statuses
    events = shop.kubectl.run("get", "events", "-n", "shop").stdout
    assert 'Failed to pull image "nginx:9.99"' in events
    history = shop.kubectl.run("rollout", "history", "deploy/web", "-n", "shop").stdout
    assert [line.split()[0] for line in history.splitlines()[2:] if line.strip()] == ["1", "2"]
    undo = shop.kubectl.run("rollout", "undo", "deploy/web", "-n", "shop").stdout
    assert "rolled back" in undo
    shop.kubectl_advancing("rollout", "status", "deploy/web", "-n", "shop", "--timeout=120s")
    shop.settle(30)
    pods = _pod_lines(shop, "-l", "app=web")
    assert len(pods) == 2
    assert all(p[2] == "Running" for p in pods)
    image = shop.kubectl.run(
        "get",
        "deploy",
        "web",
        "-n",
        "shop",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
    ).stdout
    assert image == "nginx:1.25"
    history = shop.kubectl.run("rollout", "history", "deploy/web", "-n", "shop").stdout
    assert [line.split()[0] for line in history.splitlines()[2:] if line.strip()] == ["2", "3"]


def test_rollout_restart_replaces_every_pod(shop: ServedCloud) -> None:
    before = {p[0] for p in _pod_lines(shop, "-l", "app=web")}
    assert "restarted" in shop.kubectl.run("rollout", "restart", "deploy/web", "-n", "shop").stdout
    shop.kubectl_advancing("rollout", "status", "deploy/web", "-n", "shop", "--timeout=120s")
    shop.settle(30)
    after = {p[0] for p in _pod_lines(shop, "-l", "app=web")}
    assert len(after) == 2
    assert not before & after
    annotation = shop.kubectl.run(
        "get",
        "deploy",
        "web",
        "-n",
        "shop",
        "-o",
        r"jsonpath={.spec.template.metadata.annotations.kubectl\.kubernetes\.io/restartedAt}",
    ).stdout
    assert annotation


def test_deleted_pod_is_replaced(shop: ServedCloud) -> None:
    victim = _pod_lines(shop, "-l", "app=web")[0][0]
    shop.kubectl_advancing("delete", "pod", victim, "-n", "shop")
    shop.settle(20)
    names = {p[0] for p in _pod_lines(shop, "-l", "app=web")}
    assert victim not in names
    assert len(names) == 2


def test_unsatisfiable_node_selector_leaves_the_pod_pending(shop: ServedCloud) -> None:
    shop.kubectl.run(
        "patch",
        "deploy",
        "web",
        "-n",
        "shop",
        "-p",
        '{"spec":{"template":{"spec":{"nodeSelector":{"disktype":"ssd"}}}}}',
    )
    shop.settle(30)
    pending = [p for p in _pod_lines(shop, "-l", "app=web") if p[2] == "Pending"]
    assert pending
    events = shop.kubectl.run(
        "get", "events", "-n", "shop", "--field-selector=reason=FailedScheduling"
    ).stdout
    assert "0/3 nodes are available" in events
    assert "didn't match Pod's node affinity/selector" in events
