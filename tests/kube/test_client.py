"""The kernel's REST client against a served emulated cluster."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from stratus.kube.client import KubeClient
from stratus.kube.errors import (
    AlreadyExists,
    Conflict,
    Invalid,
    KubeconfigError,
    NotFound,
    UnknownKind,
    Unreachable,
)
from stratus.kube.refs import ObjectRef
from tests.conftest import ServedCloud

CM = ObjectRef("v1", "ConfigMap", "default", "settings")


@pytest.fixture
def client(served: ServedCloud) -> Iterator[KubeClient]:
    with KubeClient.from_kubeconfig(served.kubectl.kubeconfig) as kube:
        yield kube


def _configmap(**data: str) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": CM.name, "namespace": CM.namespace},
        "data": data,
    }


def test_discovery_resolves_plural_and_scope(client: KubeClient) -> None:
    deploy = client.resource("apps/v1", "Deployment")
    assert (deploy.plural, deploy.namespaced) == ("deployments", True)
    assert deploy.path("shop", "web") == "/apis/apps/v1/namespaces/shop/deployments/web"
    node = client.resource("v1", "Node")
    assert (node.plural, node.namespaced) == ("nodes", False)
    assert node.path("ignored", "n1") == "/api/v1/nodes/n1"
    with pytest.raises(UnknownKind, match=r"apiVersion example\.com/v1"):
        client.resource("example.com/v1", "Widget")
    with pytest.raises(UnknownKind, match="kind Widget"):
        client.resource("apps/v1", "Widget")


def test_context_server_and_version(client: KubeClient, served: ServedCloud) -> None:
    assert client.context == "stratus-sim"
    assert client.server == served.url
    assert client.server_version()["gitVersion"].startswith("v1.")


def test_create_get_replace_patch_delete(client: KubeClient) -> None:
    assert client.get(CM) is None
    created = client.create(_configmap(a="1"))
    assert created["metadata"]["uid"]
    with pytest.raises(AlreadyExists):
        client.create(_configmap(a="1"))

    replaced = client.replace(_configmap(a="2"))  # no resourceVersion: overwrite current
    assert replaced["data"] == {"a": "2"}
    stale = {**_configmap(a="3"), "metadata": {**created["metadata"]}}
    with pytest.raises(Conflict):  # created's resourceVersion is a precondition, now stale
        client.replace(stale)

    assert client.patch(CM, {"data": {"b": "x"}})["data"] == {"a": "2", "b": "x"}
    assert client.patch(CM, {"data": {"b": None}}, "merge")["data"] == {"a": "2"}
    patched = client.patch(CM, [{"op": "replace", "path": "/data/a", "value": "9"}], "json")
    assert patched["data"] == {"a": "9"}
    assert client.get(CM) == patched

    client.delete(CM)
    assert client.get(CM) is None
    with pytest.raises(NotFound):
        client.delete(CM)
    with pytest.raises(NotFound):
        client.replace(_configmap(a="1"))


def test_list_fills_in_kind_and_filters(client: KubeClient) -> None:
    client.create(_configmap(a="1"))
    labelled = _configmap()
    labelled["metadata"] = {"name": "other", "namespace": "default", "labels": {"team": "x"}}
    client.create(labelled)
    names = {o["metadata"]["name"] for o in client.list("v1", "ConfigMap", "default")}
    assert {"settings", "other"} <= names
    found = client.list("v1", "ConfigMap", "default", selector="team=x")
    assert [(o["kind"], o["apiVersion"], o["metadata"]["name"]) for o in found] == [
        ("ConfigMap", "v1", "other")
    ]
    everywhere = client.list("v1", "ConfigMap")
    assert {o["metadata"]["namespace"] for o in everywhere} >= {"default", "kube-system"}
    assert len(client.list("v1", "Node")) == 3


def test_server_validation_is_invalid(client: KubeClient) -> None:
    bad = _configmap()
    bad["metadata"] = {"name": "Not_A_Name", "namespace": "default"}
    with pytest.raises(Invalid):
        client.create(bad)


def test_a_namespaced_reference_needs_a_namespace(client: KubeClient) -> None:
    with pytest.raises(ValueError, match="namespaced"):
        client.get(ObjectRef("v1", "ConfigMap", "", "x"))


def test_a_server_that_does_not_answer_is_unreachable(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": f"http://127.0.0.1:{port}"}}],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [{"name": "gone", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "gone",
    }
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    client = KubeClient.from_kubeconfig(path, timeout=(0.5, 0.5))
    assert client.context == "gone"
    with pytest.raises(Unreachable, match="cannot reach the API server"):
        client.get(CM)
    with pytest.raises(Unreachable):
        client.server_version()


def test_kubeconfig_errors(tmp_path: Path, served: ServedCloud) -> None:
    with pytest.raises(KubeconfigError):
        KubeClient.from_kubeconfig(tmp_path / "missing")
    with pytest.raises(KubeconfigError, match="no context elsewhere"):
        KubeClient.from_kubeconfig(served.kubectl.kubeconfig, context="elsewhere")
    before = served.kubectl.kubeconfig.read_text()
    KubeClient.from_kubeconfig(served.kubectl.kubeconfig, context="stratus-sim").close()
    assert served.kubectl.kubeconfig.read_text() == before
