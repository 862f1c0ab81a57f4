"""Protobuf request bodies: decoded as the JSON they encode, through kubectl's generators."""

from __future__ import annotations

import base64
import json

import pytest

from stratus.sim.server.protobuf import ProtobufError, decode_object
from tests.conftest import ServedCloud

# `kubectl create configmap cm1 --from-literal=a=b --from-literal=bin=` as kubectl 1.37 sends it
CONFIG_MAP = (
    "azhzAAoPCgJ2MRIJQ29uZmlnTWFwEiYKEwoDY20xEgAaACIAKgAyADgAQgASBgoBYRIBYhIHCgNiaW4SABoAIgA="
)


def test_decodes_a_config_map_and_keeps_empty_map_values() -> None:
    obj = decode_object(base64.b64decode(CONFIG_MAP))
    assert obj == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cm1"},
        "data": {"a": "b", "bin": ""},
    }


@pytest.mark.parametrize("body", [b"", b"{}", b"k8s\x00\x0a", b"k8s\x00\x0a\x02\x0a\x05"])
def test_malformed_bodies_are_refused(body: bytes) -> None:
    with pytest.raises(ProtobufError):
        decode_object(body)


@pytest.mark.kubectl
def test_kubectl_generators_create_objects(served: ServedCloud) -> None:
    run = served.kubectl.run
    assert (
        "configmap/settings created"
        in run("create", "configmap", "settings", "--from-literal=mode=fast").stdout
    )
    assert (
        "secret/token created"
        in run("create", "secret", "generic", "token", "--from-literal=value=s3cret").stdout
    )
    assert (
        "deployment.apps/web created"
        in run(
            "create", "deployment", "web", "--image=nginx:1.27", "--replicas=2", "--port=80"
        ).stdout
    )
    assert (
        "service/web-lb created"
        in run("create", "service", "clusterip", "web-lb", "--tcp=80:8080").stdout
    )
    assert "namespace/extra created" in run("create", "namespace", "extra").stdout
    assert (
        "job.batch/once created"
        in run("create", "job", "once", "--image=busybox:1.36", "--", "sh", "-c", "echo hi").stdout
    )
    served.settle(30)
    secret = json.loads(run("get", "secret", "token", "-o", "json").stdout)
    assert base64.b64decode(secret["data"]["value"]) == b"s3cret"
    deployment = json.loads(run("get", "deploy", "web", "-o", "json").stdout)
    assert deployment["spec"]["replicas"] == 2
    assert deployment["status"]["readyReplicas"] == 2
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    assert json.loads(run("get", "job", "once", "-o", "json").stdout)["status"]["succeeded"] == 1
    rejected = run("create", "deployment", "web", "--image=nginx:1.27", check=False)
    assert 'deployments.apps "web" already exists' in rejected.stderr
