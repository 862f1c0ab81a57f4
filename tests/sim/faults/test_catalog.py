"""Fault files: the shipped catalogue is complete and well-formed, bad files are refused with
the file, the field and the reason, and the kubectl subset fault files use is translated
faithfully (and refuses what it does not know)."""

from __future__ import annotations

from pathlib import Path

import pytest

from stratus.sim.apps import builtin_apps
from stratus.sim.cloud import Cloud
from stratus.sim.errors import DefinitionError
from stratus.sim.faults import FaultCatalog, KubectlError, load_fault_file
from stratus.sim.faults.kubectl import run_kubectl

_GOOD = """\
name: {name}
description: a test fault
app: demo
source: stratus
category: misconfiguration
level: Application
components: [web]
inject:
  - kubectl: scale deployment web --replicas=0
fix:
  - kubectl scale deployment web -n {{namespace}} --replicas=2
"""


def test_shipped_catalogue_covers_the_public_benchmarks() -> None:
    faults = FaultCatalog().all()
    by_source: dict[str, int] = {}
    for fault in faults:
        by_source[fault.source] = by_source.get(fault.source, 0) + 1
        assert fault.app in builtin_apps()
        assert fault.fix or fault.self_healing, f"{fault.name} needs a fix"
        assert fault.recover, f"{fault.name} needs recovery steps"
        assert all(line.startswith("kubectl ") for line in fault.fix)
    assert by_source["aiopslab"] >= 14
    assert by_source["sregym"] >= 15
    assert by_source["symptomatic"] >= 4
    assert {f.app for f in faults} == {"hotel-reservation", "social-network", "astronomy-shop"}


def test_extra_files_add_faults(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text(_GOOD.format(name="scale-web-down"))
    catalog = FaultCatalog([tmp_path])
    assert catalog.get("scale-web-down").components == ["web"]
    assert catalog.origin("scale-web-down") == tmp_path / "mine.yaml"
    assert len(catalog) == len(FaultCatalog()) + 1


def test_a_file_may_hold_a_list_of_faults(tmp_path: Path) -> None:
    docs = "faults:\n" + "".join(
        "  - " + _GOOD.format(name=n).replace("\n", "\n    ").rstrip() + "\n" for n in ("a", "b")
    )
    path = tmp_path / "two.yaml"
    path.write_text(docs)
    assert [f.name for f in load_fault_file(path)] == ["a", "b"]


def test_a_name_defined_twice_is_refused(tmp_path: Path) -> None:
    (tmp_path / "dup.yaml").write_text(_GOOD.format(name="revoke-auth-mongodb-geo"))
    with pytest.raises(DefinitionError, match="already defined") as caught:
        FaultCatalog([tmp_path])
    assert str(tmp_path / "dup.yaml") in str(caught.value)


@pytest.mark.parametrize(
    ("text", "where", "reason"),
    [
        ("name: [unclosed\n", "", "cannot read fault file"),
        (_GOOD.format(name="x").replace("level: Application", "level: Kernel"), "level", ""),
        (_GOOD.format(name="Bad_Name"), "name", "pattern"),
        (
            _GOOD.format(name="x").replace(
                "inject:\n  - kubectl: scale deployment web --replicas=0", "inject: []"
            ),
            "inject",
            "at least 1",
        ),
        (
            _GOOD.format(name="x").replace("  - kubectl: scale", "  - wait: 3\n    kubectl: scale"),
            "inject.0",
            "exactly one of",
        ),
        (_GOOD.format(name="x") + "surprise: 1\n", "surprise", "Extra inputs"),
        (_GOOD.format(name="x").replace("components: [web]\n", ""), "components", "required"),
    ],
)
def test_malformed_fault_files_name_file_field_and_reason(
    tmp_path: Path, text: str, where: str, reason: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(DefinitionError) as caught:
        load_fault_file(path)
    message = str(caught.value)
    assert message.startswith(str(path))
    assert where in message
    assert reason in message


def test_a_missing_fault_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="no such fault file"):
        FaultCatalog([tmp_path / "nowhere"])


def test_unknown_names_suggest_close_ones() -> None:
    with pytest.raises(KeyError, match="did you mean revoke-auth-mongodb-geo"):
        FaultCatalog().get("revoke-auth-mongodb")


# -- the kubectl subset ----------------------------------------------------------------------


@pytest.fixture
def shop_cloud() -> Cloud:
    cloud = Cloud(seed=5)
    cloud.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    cloud.create(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {
                        "containers": [
                            {
                                "name": "web",
                                "image": "nginx:1.27",
                                "env": [{"name": "MODE", "value": "prod"}],
                            }
                        ]
                    },
                },
            },
        }
    )
    cloud.settle(20)
    return cloud


def _kubectl(cloud: Cloud, line: str) -> str:
    return run_kubectl(cloud.fault_runner("shop").client, line, "shop")


def test_kubectl_subset_changes_what_real_kubectl_would(shop_cloud: Cloud) -> None:
    cloud = shop_cloud
    _kubectl(cloud, "kubectl scale deployment web --replicas=1")
    _kubectl(cloud, "set image deployment/web web=nginx:1.28")
    _kubectl(cloud, "set env deployment/web MODE- DEBUG=1")
    _kubectl(cloud, "label deployment web tier=front")
    _kubectl(cloud, "annotate deployment web note=x")
    _kubectl(cloud, 'patch deployment web --type merge -p \'{"spec": {"paused": true}}\'')
    web = cloud.store.get("deployments.apps", "shop", "web")
    assert web is not None
    container = web["spec"]["template"]["spec"]["containers"][0]
    assert web["spec"]["replicas"] == 1
    assert container["image"] == "nginx:1.28"
    assert container["env"] == [{"name": "DEBUG", "value": "1"}]
    assert web["metadata"]["labels"]["tier"] == "front"
    assert web["metadata"]["annotations"]["note"] == "x"
    assert web["spec"]["paused"] is True


def test_kubectl_subset_taints_and_cordons_nodes_by_selector(shop_cloud: Cloud) -> None:
    cloud = shop_cloud
    workers = "-l '!node-role.kubernetes.io/control-plane'"
    _kubectl(cloud, f"taint nodes {workers} maintenance=true:NoSchedule")
    _kubectl(cloud, f"cordon {workers}")
    nodes = {n["metadata"]["name"]: n for n in cloud.store.iter("nodes")}
    tainted = {
        name
        for name, n in nodes.items()
        if {"key": "maintenance", "value": "true", "effect": "NoSchedule"}
        in (n["spec"].get("taints") or [])
    }
    cordoned = {name for name, n in nodes.items() if n["spec"].get("unschedulable")}
    assert tainted == cordoned == {"stratus-worker", "stratus-worker2"}
    _kubectl(cloud, f"taint nodes {workers} maintenance:NoSchedule-")
    _kubectl(cloud, f"uncordon {workers}")
    assert not any(
        t.get("key") == "maintenance"
        for n in cloud.store.iter("nodes")
        for t in n["spec"].get("taints") or []
    )
    assert not any(n["spec"].get("unschedulable") for n in cloud.store.iter("nodes"))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("kubectl drain stratus-worker", "not in the subset"),
        ("kubectl scale deployment web", "--replicas=COUNT is required"),
        ("kubectl patch deployment web -p '{not json'", "invalid patch"),
        ('kubectl patch deployment web -p \'{"a": 1', "cannot parse"),
        ("kubectl", "empty kubectl command"),
        ("kubectl set image deployment/ghost web=x", 'deployments.apps "ghost" not found'),
    ],
)
def test_kubectl_subset_refuses_what_it_cannot_do(
    shop_cloud: Cloud, line: str, message: str
) -> None:
    with pytest.raises(KubectlError, match=message):
        _kubectl(shop_cloud, line)
