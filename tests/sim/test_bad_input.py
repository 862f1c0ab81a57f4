"""Bad input gets the right Status error and leaves the store as it was."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import ServedCloud

DEPLOYMENT: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web"},
    "spec": {
        "replicas": 1,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
        },
    },
}
DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"


@pytest.fixture
def http(served: ServedCloud) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.url, timeout=10) as client:
        yield client


def _status(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert body["kind"] == "Status"
    assert body["code"] == response.status_code
    return dict(body)


def test_invalid_object_is_422_with_field_paths(http: httpx.Client, served: ServedCloud) -> None:
    bad = json.loads(json.dumps(DEPLOYMENT))
    bad["spec"]["template"]["spec"]["containers"] = []
    status = _status(http.post(DEPLOYMENTS, json=bad))
    assert status["reason"] == "Invalid"
    assert status["message"] == (
        'Deployment.apps "web" is invalid: spec.template.spec.containers: Required value'
    )
    assert status["details"]["causes"][0]["field"] == "spec.template.spec.containers"
    mismatch = json.loads(json.dumps(DEPLOYMENT))
    mismatch["spec"]["template"]["metadata"]["labels"] = {"app": "other"}
    assert (
        "`selector` does not match template `labels`"
        in _status(http.post(DEPLOYMENTS, json=mismatch))["message"]
    )
    assert served.cloud.store.get("deployments.apps", "default", "web") is None


def test_wrong_types_and_unknown_kinds_are_bad_requests(http: httpx.Client) -> None:
    wrong = json.loads(json.dumps(DEPLOYMENT))
    wrong["spec"]["replicas"] = "three"
    status = _status(http.post(DEPLOYMENTS, json=wrong))
    assert status["code"] == 400
    assert "cannot unmarshal string into Go struct field" in status["message"]
    other = dict(DEPLOYMENT, kind="Gizmo")
    assert _status(http.post(DEPLOYMENTS, json=other))["code"] == 400
    assert _status(http.get("/apis/apps/v1/namespaces/default/gizmos"))["code"] == 404


def test_unknown_kind_through_kubectl(served: ServedCloud) -> None:
    result = served.kubectl.run(
        "apply",
        "-f",
        "-",
        check=False,
        input=("apiVersion: example.com/v1\nkind: Gizmo\nmetadata: {name: g}\n"),
    )
    assert result.returncode != 0
    assert 'no matches for kind "Gizmo" in version "example.com/v1"' in result.stderr


def test_stale_resource_version_is_a_conflict(http: httpx.Client) -> None:
    created = http.post(DEPLOYMENTS, json=DEPLOYMENT).json()
    first = dict(created, metadata=dict(created["metadata"], labels={"v": "1"}))
    assert http.put(f"{DEPLOYMENTS}/web", json=first).status_code == 200
    stale = dict(created, metadata=dict(created["metadata"], labels={"v": "2"}))
    status = _status(http.put(f"{DEPLOYMENTS}/web", json=stale))
    assert status["code"] == 409
    assert status["reason"] == "Conflict"
    assert "the object has been modified" in status["message"]
    assert http.get(f"{DEPLOYMENTS}/web").json()["metadata"]["labels"] == {"v": "1"}


def test_duplicate_create_is_already_exists(http: httpx.Client) -> None:
    assert http.post(DEPLOYMENTS, json=DEPLOYMENT).status_code == 201
    status = _status(http.post(DEPLOYMENTS, json=DEPLOYMENT))
    assert (status["code"], status["reason"]) == (409, "AlreadyExists")
    assert status["message"] == 'deployments.apps "web" already exists'


@pytest.mark.parametrize(
    ("content_type", "body", "code"),
    [
        ("application/strategic-merge-patch+json", "{not json", 400),
        ("application/merge-patch+json", "[1, 2]", 400),
        ("application/json-patch+json", '{"op": "add"}', 400),
        (
            "application/json-patch+json",
            '[{"op": "replace", "path": "/spec/nope/x", "value": 1}]',
            422,
        ),
        ("application/json-patch+json", '[{"op": "frobnicate", "path": "/spec"}]', 422),
        ("text/plain", "{}", 415),
        (
            "application/strategic-merge-patch+json",
            '{"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}}',
            400,
        ),
    ],
)
def test_malformed_patches(
    http: httpx.Client, served: ServedCloud, content_type: str, body: str, code: int
) -> None:
    http.post(DEPLOYMENTS, json=DEPLOYMENT)
    before = served.cloud.store.get("deployments.apps", "default", "web")
    response = http.patch(
        f"{DEPLOYMENTS}/web", content=body, headers={"Content-Type": content_type}
    )
    assert _status(response)["code"] == code
    assert served.cloud.store.get("deployments.apps", "default", "web") is before


def test_huge_bodies_and_garbage_bytes(http: httpx.Client, served: ServedCloud) -> None:
    revision = served.cloud.store.revision
    huge = dict(DEPLOYMENT, metadata={"name": "big", "annotations": {"x": "y" * 4_000_000}})
    status = _status(http.post(DEPLOYMENTS, json=huge))
    assert (status["code"], status["reason"]) == (413, "RequestEntityTooLarge")
    garbage = _status(
        http.post(
            DEPLOYMENTS, content=bytes(range(256)) * 4, headers={"Content-Type": "application/json"}
        )
    )
    assert garbage["code"] == 400
    junk = _status(
        http.post(DEPLOYMENTS, content=b"{]", headers={"Content-Type": "application/json"})
    )
    assert "json parse error" in junk["message"]
    assert served.cloud.store.revision == revision


def test_missing_namespace_and_objects_are_not_found(http: httpx.Client) -> None:
    status = _status(http.post("/apis/apps/v1/namespaces/ghost/deployments", json=DEPLOYMENT))
    assert (status["code"], status["message"]) == (404, 'namespaces "ghost" not found')
    status = _status(http.get(f"{DEPLOYMENTS}/nothing"))
    assert status["message"] == 'deployments.apps "nothing" not found'
    assert status["details"] == {"name": "nothing", "kind": "deployments", "group": "apps"}
