"""The official Kubernetes Python client lists, reads and patches emulated objects."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client, config

from tests.conftest import ServedCloud


@pytest.fixture
def api(served: ServedCloud) -> Any:
    served.cloud.create(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
                },
            },
        }
    )
    served.settle(20)
    return config.new_client_from_config(  # type: ignore[no-untyped-call]
        config_file=str(served.kubectl.kubeconfig)
    )


def test_list_and_read(api: Any) -> None:
    core: Any = client.CoreV1Api(api)
    apps: Any = client.AppsV1Api(api)
    nodes = core.list_node()
    assert [n.metadata.name for n in nodes.items] == [
        "stratus-control-plane",
        "stratus-worker",
        "stratus-worker2",
    ]
    pods = core.list_namespaced_pod("default", label_selector="app=web")
    assert len(pods.items) == 2
    assert all(p.status.phase == "Running" for p in pods.items)
    deployment = apps.read_namespaced_deployment("web", "default")
    assert deployment.status.ready_replicas == 2
    assert deployment.spec.template.spec.containers[0].image == "nginx:1.27"


def test_patch_and_scale(api: Any, served: ServedCloud) -> None:
    apps: Any = client.AppsV1Api(api)
    patched = apps.patch_namespaced_deployment(
        "web", "default", {"spec": {"template": {"metadata": {"labels": {"tier": "front"}}}}}
    )
    assert patched.spec.template.metadata.labels == {"app": "web", "tier": "front"}
    apps.patch_namespaced_deployment_scale("web", "default", {"spec": {"replicas": 3}})
    served.settle(30)
    assert apps.read_namespaced_deployment("web", "default").status.ready_replicas == 3


def test_errors_arrive_as_api_exceptions(api: Any) -> None:
    core: Any = client.CoreV1Api(api)
    with pytest.raises(client.ApiException) as info:
        core.read_namespaced_pod("nope", "default")
    assert info.value.status == 404
    assert '"reason":"NotFound"' in str(info.value.body)
