"""Data files (types, behaviours, apps) load, and bad ones are refused with file, path, reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from stratus.sim.apps import builtin_apps, load_app
from stratus.sim.behaviours import BehaviourRegistry, load_behaviour_file
from stratus.sim.cloud import Cloud
from stratus.sim.controllers.podstate import is_ready
from stratus.sim.errors import DefinitionError
from stratus.sim.kinds import load_schema


def test_shipped_type_definitions_resolve() -> None:
    schema = load_schema()
    served = {t.kind.kind for t in schema.kinds() if t.kind and not t.kind.virtual}
    for kind in (
        "Namespace",
        "Node",
        "Pod",
        "Service",
        "Endpoints",
        "EndpointSlice",
        "ConfigMap",
        "Secret",
        "ServiceAccount",
        "PersistentVolume",
        "PersistentVolumeClaim",
        "Event",
        "ResourceQuota",
        "LimitRange",
        "Deployment",
        "ReplicaSet",
        "StatefulSet",
        "DaemonSet",
        "Job",
        "CronJob",
        "HorizontalPodAutoscaler",
        "NetworkPolicy",
        "Ingress",
        "PodDisruptionBudget",
        "Role",
        "RoleBinding",
        "ClusterRole",
        "ClusterRoleBinding",
    ):
        assert kind in served


def test_type_file_errors_name_the_type_and_field(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text(
        "package: example.v1\ntypes:\n  Thing:\n    fields:\n      size: Gizmo\n"
    )
    with pytest.raises(DefinitionError) as info:
        load_schema(tmp_path)
    assert info.value.path == "types.Thing.fields.size"
    assert "type 'Gizmo' is not defined" in info.value.reason


@pytest.mark.parametrize(
    ("content", "path", "reason"),
    [
        ("images: []\n", "images", "at least 1 item"),
        (
            "images:\n- repository: x\n  tags: [a]\n  entrypoint: [/x]\n  programs: []\n",
            "images.0.programs",
            "at least 1 item",
        ),
        (
            "images:\n- repository: x\n  tags: [a]\n  entrypoint: [/x]\n  programs:\n"
            "  - paths: [/x]\n    memory: lots\n",
            "images.0.programs.0.memory",
            "quantities",
        ),
        (
            "images:\n- repository: x\n  tags: [a]\n  entrypoint: [/x]\n  colour: red\n"
            "  programs: [{paths: [/x]}]\n",
            "images.0.colour",
            "Extra inputs are not permitted",
        ),
        (
            "images:\n- repository: x\n  tags: [a]\n  programs: [{paths: [/x]}]\n",
            "images.0",
            "an entrypoint or default args",
        ),
    ],
)
def test_malformed_behaviour_files_are_refused(
    tmp_path: Path, content: str, path: str, reason: str
) -> None:
    file = tmp_path / "behaviours.yaml"
    file.write_text(content)
    with pytest.raises(DefinitionError) as info:
        load_behaviour_file(file)
    assert info.value.file == str(file)
    assert info.value.path == path
    assert reason in info.value.reason


def test_declared_repositories_hold_exactly_their_tags() -> None:
    registry = BehaviourRegistry.load()
    assert registry.pull("nginx:1.27").found
    missing = registry.pull("nginx:1.99")
    assert not missing.found
    assert "docker.io/library/nginx:1.99: not found" in missing.error
    assert registry.pull("example.com/anything:v9").found  # undeclared: default behaviour
    assert not registry.pull("UPPER/case").found  # not a valid reference


@pytest.mark.parametrize("name", builtin_apps())
def test_builtin_apps_become_ready(name: str) -> None:
    cloud = Cloud(seed=3)
    app = load_app(name)
    cloud.deploy(app)
    cloud.settle(60)
    pods = list(cloud.store.iter("pods", app.namespace))
    assert pods
    assert all(is_ready(p) for p in pods), [p["metadata"]["name"] for p in pods if not is_ready(p)]


def test_an_app_can_move_to_another_namespace() -> None:
    cloud = Cloud(seed=3)
    cloud.deploy(load_app("demo"), namespace="shop-b")
    cloud.settle(30)
    assert {p["metadata"]["name"].split("-")[0] for p in cloud.store.iter("pods", "shop-b")} == {
        "frontend",
        "api",
        "db",
    }


def test_bad_app_folders_are_refused(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="no such app"):
        load_app(str(tmp_path / "missing"))
    (tmp_path / "m.yaml").write_text("kind: ConfigMap\nmetadata: {name: x}\n")
    with pytest.raises(DefinitionError) as info:
        load_app(str(tmp_path))
    assert info.value.path == "document 0"
    assert "apiVersion and kind" in info.value.reason
