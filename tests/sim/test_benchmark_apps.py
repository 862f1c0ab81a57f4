"""The benchmark apps run clean under their declared workloads, and canonical faults emerge
from the call graph rather than being scripted: a broken Service port fails the callers, a
MongoDB that requires TLS crash-loops its client, a feature flag fails checkouts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from stratus.sim.apps import App, load_app
from stratus.sim.behaviours import BehaviourRegistry
from stratus.sim.cloud import Cloud
from stratus.sim.controllers.podstate import is_ready
from stratus.sim.kinds.quantity import parse_quantity
from stratus.sim.store import Obj
from stratus.sim.traffic import Workload

# the services each app's traces must show once its workload has run
TRACED = {
    "hotel-reservation": {
        "frontend",
        "search",
        "geo",
        "rate",
        "profile",
        "recommendation",
        "user",
        "reservation",
    },
    "social-network": {
        "nginx-thrift",
        "compose-post-service",
        "text-service",
        "url-shorten-service",
        "user-mention-service",
        "unique-id-service",
        "media-service",
        "user-service",
        "post-storage-service",
        "user-timeline-service",
        "home-timeline-service",
        "social-graph-service",
        "url-shorten-mongodb",
        "post-storage-mongodb",
        "home-timeline-redis",
        "user-memcached",
    },
    "astronomy-shop": {
        "frontend-proxy",
        "frontend",
        "ad",
        "cart",
        "checkout",
        "currency",
        "email",
        "kafka",
        "payment",
        "product-catalog",
        "quote",
        "recommendation",
        "shipping",
        "valkey-cart",
    },
}


@dataclass
class Running:
    cloud: Cloud
    app: App
    workload: Workload


def _start(name: str, seed: int, warm_up: float = 300.0) -> Running:
    cloud = Cloud(seed=seed)
    app = load_app(name)
    cloud.deploy(app)
    cloud.settle(120)
    workload = cloud.start_load(app)
    cloud.settle(warm_up)
    return Running(cloud, app, workload)


def _pods(run: Running, prefix: str = "") -> list[Obj]:
    return [
        p
        for p in run.cloud.store.iter("pods", run.app.namespace)
        if p["metadata"]["name"].startswith(prefix) and not p["metadata"].get("deletionTimestamp")
    ]


def _calls(run: Running) -> dict[str, tuple[float, float]]:
    """Server-side (calls, errors) per service of the app, from the span metrics."""
    out: dict[str, tuple[float, float]] = {}
    for labels, value in run.cloud.traffic.metrics.samples():
        if labels["namespace"] != run.app.namespace or not labels["__name__"].endswith(
            "_calls_total"
        ):
            continue
        calls, errors = out.get(labels["service_name"], (0.0, 0.0))
        failed = labels["status_code"] == "STATUS_CODE_ERROR"
        out[labels["service_name"]] = (calls + value, errors + (value if failed else 0.0))
    return out


def _since(
    before: dict[str, tuple[float, float]], after: dict[str, tuple[float, float]]
) -> dict[str, tuple[float, float]]:
    """(calls, error share) per service between two snapshots."""
    out = {}
    for service, (calls, errors) in after.items():
        calls0, errors0 = before.get(service, (0.0, 0.0))
        if calls > calls0:
            out[service] = (calls - calls0, (errors - errors0) / (calls - calls0))
    return out


def _log(run: Running, pod: Obj, container: str, previous: bool = False) -> list[str]:
    lines = run.cloud.logs.read(pod["metadata"]["uid"], container, previous=previous) or []
    return [line.text for line in lines]


# -- definitions -------------------------------------------------------------------------------


def _mounted_files(app: App, pod: dict[str, Any], container: dict[str, Any]) -> set[str]:
    """The files a container sees from ConfigMaps and Secrets, as the kubelet mounts them."""
    data = {
        (doc["kind"], doc["metadata"]["name"]): doc.get("data") or {}
        for doc in app.manifests
        if doc["kind"] in ("ConfigMap", "Secret")
    }
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    files = set()
    for mount in container.get("volumeMounts", []):
        volume = volumes[mount["name"]]
        if "configMap" in volume:
            keys = data[("ConfigMap", volume["configMap"]["name"])]
        elif "secret" in volume:
            keys = data[("Secret", volume["secret"]["secretName"])]
        else:
            continue
        if mount.get("subPath"):
            files.add(mount["mountPath"])
        else:
            files.update(f"{mount['mountPath']}/{key}" for key in keys)
    return files


@pytest.mark.parametrize("name", ["social-network", "astronomy-shop"])
def test_every_container_runs_a_declared_program_within_its_memory_limit(name: str) -> None:
    app = load_app(name)
    registry = BehaviourRegistry.load()
    for spec in app.behaviours:
        registry.add(spec)
    deployments = [doc for doc in app.manifests if doc["kind"] == "Deployment"]
    assert deployments
    for deployment in deployments:
        pod = deployment["spec"]["template"]["spec"]
        for container in [*pod.get("initContainers", []), *pod["containers"]]:
            where = f"{deployment['metadata']['name']}/{container['name']}"
            image = container["image"]
            image_spec = registry.spec_for(image)
            assert image_spec is not None, f"{where}: {image} is not declared"
            assert registry.pull(image).found, where
            assert not registry.pull(f"{image}-typo").found, where  # bad tags fail to pull
            launch = registry.launch(
                image_spec,
                container.get("command"),
                container.get("args"),
                {var["name"] for var in container.get("env", [])},
                _mounted_files(app, pod, container),
            )
            assert not launch.start_error, (where, launch.start_error)
            assert not launch.crash_line, (where, launch.crash_line)
            limit = container.get("resources", {}).get("limits", {}).get("memory")
            if container in pod["containers"]:
                assert limit is not None, where
            if limit is not None:
                assert launch.memory < parse_quantity(limit), where


# -- steady state ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "seed", "startup_restarts"),
    [
        # HotelReservation's services die when MongoDB is not up yet, and come back
        ("hotel-reservation", 11, True),
        ("social-network", 12, False),
        ("astronomy-shop", 13, False),
    ],
)
def test_app_runs_clean_under_its_workload(name: str, seed: int, startup_restarts: bool) -> None:
    run = _start(name, seed)
    pods = _pods(run)
    assert pods
    not_running = [p["metadata"]["name"] for p in pods if p["status"].get("phase") != "Running"]
    assert not not_running
    not_ready = [p["metadata"]["name"] for p in pods if not is_ready(p)]
    assert not not_ready
    statuses = [s for p in pods for s in p["status"]["containerStatuses"]]
    assert not [
        s["name"]
        for s in statuses
        if s.get("lastState", {}).get("terminated", {}).get("reason") == "OOMKilled"
    ]
    if not startup_restarts:
        assert not [s["name"] for s in statuses if s["restartCount"]]

    workload = run.workload
    assert workload.sent >= 5000
    assert workload.failed / workload.sent < 0.01, (workload.failed, workload.sent)

    firing = [a for a in run.cloud.alerts.firing() if a.get("namespace") == run.app.namespace]
    assert not firing

    traced = set(run.cloud.traffic.traces.services())
    assert TRACED[name] <= traced, TRACED[name] - traced
    assert run.app.workload is not None
    assert run.app.workload.client in traced


# -- SocialNetwork -------------------------------------------------------------------------


def test_social_network_user_service_on_a_wrong_target_port_fails_compose_post() -> None:
    run = _start("social-network", seed=21, warm_up=60)
    ns = run.app.namespace
    before = _calls(run)
    sent, failed = run.workload.sent, run.workload.failed
    assert failed == 0

    run.cloud.api.patch(
        run.cloud.kind("services"),
        ns,
        "user-service",
        "json",
        [{"op": "replace", "path": "/spec/ports/0/targetPort", "value": 9999}],
    )
    run.cloud.settle(90)

    window = _since(before, _calls(run))
    # every compose calls user-service; reads do not
    assert window["compose-post-service"][1] > 0.9
    assert window["nginx-thrift"][1] > 0.4
    assert window["home-timeline-service"][1] == 0.0
    share = (run.workload.failed - failed) / (run.workload.sent - sent)
    assert 0.4 < share < 0.8
    compose = _pods(run, "compose-post-service")[0]
    assert any(
        "Failed to connect user-service:9090" in line
        for line in _log(run, compose, "compose-post-service")
    )
    # the pods themselves stay healthy: only the traffic shows the fault
    assert all(is_ready(p) for p in _pods(run))


def test_social_network_mongodb_requiring_tls_crash_loops_url_shorten_service() -> None:
    run = _start("social-network", seed=22, warm_up=30)
    ns = run.app.namespace
    conf = "net:\n  tls:\n    mode: requireTLS\n    certificateKeyFile: /etc/tls/tls.pem\n"
    run.cloud.api.patch(
        run.cloud.kind("configmaps"),
        ns,
        "url-shorten-mongodb",
        "merge",
        {"data": {"mongod.conf": conf}},
    )
    mongo = _pods(run, "url-shorten-mongodb")[0]
    run.cloud.api.delete(run.cloud.kind("pods"), ns, mongo["metadata"]["name"])
    run.cloud.settle(150)

    service = _pods(run, "url-shorten-service")[0]
    status = service["status"]["containerStatuses"][0]
    assert status["restartCount"] >= 2
    assert status["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    last = _log(run, service, "url-shorten-service", previous=True)[-1]
    assert "Failed to connect to MongoDB url-shorten-mongodb:27017" in last
    assert "socket was unexpectedly closed" in last
    # the other services' MongoDBs are untouched
    assert all(is_ready(p) for p in _pods(run, "user-service"))


# -- Astronomy Shop ----------------------------------------------------------------------------


def _set_flag(run: Running, flag: str, variant: str) -> None:
    """Edit flagd-config as an operator would, then restart flagd so it reads the file."""
    ns = run.app.namespace
    config = run.cloud.store.get("configmaps", ns, "flagd-config")
    assert config is not None
    flags: dict[str, Any] = json.loads(config["data"]["demo.flagd.json"])
    assert variant in flags["flags"][flag]["variants"]
    flags["flags"][flag]["defaultVariant"] = variant
    run.cloud.api.patch(
        run.cloud.kind("configmaps"),
        ns,
        "flagd-config",
        "merge",
        {"data": {"demo.flagd.json": json.dumps(flags, indent=2)}},
    )
    for pod in _pods(run, "flagd-"):
        run.cloud.api.delete(run.cloud.kind("pods"), ns, pod["metadata"]["name"])


def test_astronomy_shop_flags_are_off_by_default() -> None:
    flags = json.loads(
        next(
            m["data"]["demo.flagd.json"]
            for m in load_app("astronomy-shop").manifests
            if m["kind"] == "ConfigMap" and m["metadata"]["name"] == "flagd-config"
        )
    )["flags"]
    assert {
        "adFailure",
        "adHighCpu",
        "adManualGc",
        "cartFailure",
        "imageSlowLoad",
        "kafkaQueueProblems",
        "loadGeneratorFloodHomepage",
        "paymentFailure",
        "paymentUnreachable",
        "productCatalogFailure",
        "recommendationCacheFailure",
    } <= set(flags)
    assert all(f["defaultVariant"] == "off" and f["state"] == "ENABLED" for f in flags.values())


def test_astronomy_shop_payment_failure_flag_fails_checkouts() -> None:
    run = _start("astronomy-shop", seed=31, warm_up=60)
    _set_flag(run, "paymentFailure", "100%")
    run.cloud.settle(20)  # flagd restarts
    before = _calls(run)
    sent, failed = run.workload.sent, run.workload.failed
    run.cloud.settle(120)

    window = _since(before, _calls(run))
    assert window["payment"][1] == 1.0
    assert window["checkout"][1] == 1.0
    assert window["frontend"][1] > 0.0
    assert window["cart"][1] == 0.0  # no other service is touched
    assert window["product-catalog"][1] == 0.0
    share = (run.workload.failed - failed) / (run.workload.sent - sent)
    assert 0.01 < share < 0.1  # the checkouts of a browsing-heavy mix
    payment = _pods(run, "payment")[0]
    assert any("Invalid token" in line for line in _log(run, payment, "payment"))


def test_astronomy_shop_checkout_without_cart_addr_fails_at_startup() -> None:
    run = _start("astronomy-shop", seed=32, warm_up=10)
    ns = run.app.namespace
    deployment = run.cloud.store.get("deployments.apps", ns, "checkout")
    assert deployment is not None
    env = deployment["spec"]["template"]["spec"]["containers"][0]["env"]
    index = next(i for i, var in enumerate(env) if var["name"] == "CART_ADDR")
    run.cloud.api.patch(
        run.cloud.kind("deployments.apps"),
        ns,
        "checkout",
        "json",
        [{"op": "remove", "path": f"/spec/template/spec/containers/0/env/{index}"}],
    )
    run.cloud.settle(60)

    broken = [
        p
        for p in _pods(run, "checkout-")
        if not any(v["name"] == "CART_ADDR" for v in p["spec"]["containers"][0].get("env", []))
    ]
    assert len(broken) == 1
    status = broken[0]["status"]["containerStatuses"][0]
    assert status["restartCount"] >= 1
    assert status["lastState"]["terminated"]["exitCode"] != 0
    last = _log(run, broken[0], "checkout", previous=True)[-1]
    assert last == 'panic: environment variable "CART_ADDR" not set'
