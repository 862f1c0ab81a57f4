"""Real kubectl against a served emulator: discovery, printing and client-side apply."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ServedCloud

pytestmark = pytest.mark.kubectl

MANIFEST = """\
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
  namespace: shop
data:
  LOG_LEVEL: info
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        env:
        - {name: A, value: "1"}
"""


def test_get_nodes_shows_a_kind_like_cluster(served: ServedCloud) -> None:
    out = served.kubectl.run("get", "nodes").stdout.splitlines()
    assert out[0].split() == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert out[1].split()[:3] == ["stratus-control-plane", "Ready", "control-plane"]
    assert len(out) == 4


def test_apply_creates_then_is_unchanged_then_configured(
    served: ServedCloud, tmp_path: Path
) -> None:
    manifest = tmp_path / "app.yaml"
    manifest.write_text(MANIFEST)
    first = served.kubectl.run("apply", "-f", str(manifest)).stdout
    assert "namespace/shop created" in first
    assert "deployment.apps/web created" in first
    again = served.kubectl.run("apply", "-f", str(manifest)).stdout
    assert "deployment.apps/web unchanged" in again
    manifest.write_text(MANIFEST.replace('value: "1"', 'value: "2"'))
    changed = served.kubectl.run("apply", "-f", str(manifest)).stdout
    assert "deployment.apps/web configured" in changed
    assert "configmap/web-config unchanged" in changed
    env = served.kubectl.run(
        "get",
        "deploy",
        "web",
        "-n",
        "shop",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].env[0].value}",
    ).stdout
    assert env == "2"


def test_unknown_fields_are_rejected_with_their_path(served: ServedCloud, tmp_path: Path) -> None:
    manifest = tmp_path / "bad.yaml"
    manifest.write_text(MANIFEST.replace("replicas: 2", "replica: 2"))
    result = served.kubectl.run("apply", "-f", str(manifest), check=False)
    assert result.returncode != 0
    assert 'strict decoding error: unknown field "spec.replica"' in result.stderr
