"""kubectl's printing paths: tables, wide, structured output, selectors, describe, watch."""

from __future__ import annotations

import json
import queue
import threading

import pytest
import yaml

from tests.conftest import ServedCloud

pytestmark = pytest.mark.kubectl


def test_wide_shows_ip_and_node(shop: ServedCloud) -> None:
    out = shop.kubectl.run("get", "pods", "-n", "shop", "-o", "wide").stdout.splitlines()
    assert out[0].split()[:7] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE"]
    for line in out[1:]:
        fields = line.split()
        assert fields[5].startswith("10.244.")
        assert fields[6].startswith("stratus-worker")


def test_structured_output_formats(shop: ServedCloud) -> None:
    as_json = json.loads(
        shop.kubectl.run("get", "deploy", "web", "-n", "shop", "-o", "json").stdout
    )
    assert as_json["kind"] == "Deployment"
    assert as_json["status"]["availableReplicas"] == 2
    as_yaml = yaml.safe_load(
        shop.kubectl.run("get", "svc", "web", "-n", "shop", "-o", "yaml").stdout
    )
    assert as_yaml["spec"]["clusterIP"].startswith("10.96.")
    names = shop.kubectl.run(
        "get", "pods", "-n", "shop", "-l", "app=db", "-o", "jsonpath={.items[*].metadata.name}"
    ).stdout.split()
    assert names == ["db-0", "db-1"]
    columns = shop.kubectl.run(
        "get",
        "pods",
        "-n",
        "shop",
        "-l",
        "app=db",
        "-o",
        "custom-columns=NAME:.metadata.name,PHASE:.status.phase",
    ).stdout.splitlines()
    assert columns[0].split() == ["NAME", "PHASE"]
    assert [c.split() for c in columns[1:]] == [["db-0", "Running"], ["db-1", "Running"]]


def test_selectors_and_all_namespaces(shop: ServedCloud) -> None:
    out = shop.kubectl.run(
        "get", "pods", "-A", "--field-selector=status.phase=Running", "--no-headers"
    ).stdout.splitlines()
    namespaces = {line.split()[0] for line in out}
    assert namespaces == {"shop", "kube-system"}
    none = shop.kubectl.run("get", "pods", "-n", "shop", "-l", "app in (nothing)")
    assert "No resources found in shop namespace." in none.stderr


def test_mixed_kinds_in_one_get(shop: ServedCloud) -> None:
    out = shop.kubectl.run("get", "deploy,rs,svc,ep", "-n", "shop").stdout
    assert "deployment.apps/web" in out
    assert "replicaset.apps/web-" in out
    assert "service/web" in out
    endpoints = [line for line in out.splitlines() if line.startswith("endpoints/web")]
    assert endpoints
    assert endpoints[0].split()[1].count(":80") == 2


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("pod/db-0", "Controlled By:  StatefulSet/db"),
        ("deploy/web", "NewReplicaSet:"),
        ("svc/web", "Endpoints:"),
        ("node/stratus-worker", "Non-terminated Pods:"),
    ],
)
def test_describe(shop: ServedCloud, target: str, expected: str) -> None:
    namespace = [] if target.startswith("node/") else ["-n", "shop"]
    out = shop.kubectl.run("describe", target, *namespace).stdout
    assert expected in out


def test_describe_pod_lists_its_events(shop: ServedCloud) -> None:
    out = shop.kubectl.run("describe", "pod", "db-0", "-n", "shop").stdout
    events = out.split("Events:", 1)[1]
    for reason in ("Scheduled", "Pulled", "Created", "Started"):
        assert reason in events


def test_events_sorted_by_last_timestamp(shop: ServedCloud) -> None:
    out = shop.kubectl.run(
        "get",
        "events",
        "-n",
        "shop",
        "--sort-by=.lastTimestamp",
        "-o",
        "jsonpath={.items[*].lastTimestamp}",
    ).stdout.split()
    assert out
    assert out == sorted(out)


def test_watch_streams_changes(shop: ServedCloud) -> None:
    watcher = shop.kubectl.popen("get", "pods", "-n", "shop", "-l", "app=web", "-w", "--no-headers")
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in watcher.stdout or []:
            lines.put(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    names: set[str] = set()
    try:
        names.add(lines.get(timeout=20).split()[0])  # the initial list arrived
        shop.kubectl.run("scale", "deploy/web", "-n", "shop", "--replicas=3")
        for _ in range(600):
            shop.cloud.advance(0.5)
            try:
                names.add(lines.get(timeout=0.05).split()[0])
            except queue.Empty:
                continue
            if len(names) == 3:
                break
    finally:
        watcher.terminate()
        watcher.communicate(timeout=10)
    assert len(names) == 3
