from __future__ import annotations

from typing import Any

import pytest

from stratus.sim.api.patching import json_merge_patch, json_patch, strategic_merge_patch
from stratus.sim.errors import ApiError, BadRequest
from stratus.sim.kinds import default_kinds


def _deployment() -> dict[str, Any]:
    return {
        "metadata": {"name": "web", "labels": {"app": "web", "tier": "front"}},
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "web",
                            "image": "nginx:1",
                            "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                            "ports": [{"containerPort": 80}],
                        },
                        {"name": "sidecar", "image": "busybox"},
                    ],
                    "volumes": [{"name": "cfg", "configMap": {"name": "c"}}],
                }
            }
        },
    }


def _smp(original: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    kinds = default_kinds()
    typedef = kinds.type_of(kinds.by_resource("deployments.apps"))
    result = strategic_merge_patch(kinds.schema, typedef, original, patch)
    assert isinstance(result, dict)
    return result


def test_strategic_merge_merges_containers_and_env_by_name() -> None:
    result = _smp(
        _deployment(),
        {
            "spec": {
                "template": {
                    "spec": {
                        "containers": [
                            {
                                "name": "web",
                                "env": [{"name": "B", "value": "3"}, {"name": "C", "value": "4"}],
                            }
                        ]
                    }
                }
            }
        },
    )
    web, sidecar = result["spec"]["template"]["spec"]["containers"]
    assert web["image"] == "nginx:1"
    assert web["env"] == [
        {"name": "A", "value": "1"},
        {"name": "B", "value": "3"},
        {"name": "C", "value": "4"},
    ]
    assert sidecar == {"name": "sidecar", "image": "busybox"}


def test_strategic_merge_directives() -> None:
    result = _smp(
        _deployment(),
        {
            "metadata": {"labels": {"tier": None}},
            "spec": {
                "template": {
                    "spec": {
                        "containers": [
                            {"name": "sidecar", "$patch": "delete"},
                            {"name": "web", "env": [{"name": "A", "$patch": "delete"}]},
                        ],
                        "$setElementOrder/containers": [{"name": "web"}],
                    }
                }
            },
        },
    )
    assert result["metadata"]["labels"] == {"app": "web"}
    containers = result["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["web"]
    assert containers[0]["env"] == [{"name": "B", "value": "2"}]


def test_strategic_merge_replace_directive_and_ports_by_container_port() -> None:
    result = _smp(
        _deployment(),
        {
            "spec": {
                "template": {
                    "spec": {
                        "containers": [
                            {
                                "name": "web",
                                "ports": [
                                    {"containerPort": 80, "name": "http"},
                                    {"containerPort": 443},
                                ],
                            }
                        ]
                    }
                }
            }
        },
    )
    ports = result["spec"]["template"]["spec"]["containers"][0]["ports"]
    assert ports == [{"containerPort": 80, "name": "http"}, {"containerPort": 443}]
    replaced = _smp(
        _deployment(),
        {
            "spec": {
                "template": {
                    "spec": {"volumes": [{"$patch": "replace"}, {"name": "data", "emptyDir": {}}]}
                }
            }
        },
    )
    assert replaced["spec"]["template"]["spec"]["volumes"] == [{"name": "data", "emptyDir": {}}]


def test_strategic_merge_needs_merge_keys() -> None:
    with pytest.raises(BadRequest, match="merge key"):
        _smp(_deployment(), {"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}})


def test_json_merge_patch_replaces_lists_and_deletes_nulls() -> None:
    result = json_merge_patch(
        _deployment(),
        {"metadata": {"labels": {"app": None}}, "spec": {"template": {"spec": {"containers": []}}}},
    )
    assert result["metadata"]["labels"] == {"tier": "front"}
    assert result["spec"]["template"]["spec"]["containers"] == []


def test_json_patch_applies_and_rejects_bad_paths() -> None:
    result = json_patch(
        _deployment(),
        [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "nginx:2"}],
    )
    assert result["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:2"
    with pytest.raises(ApiError) as info:
        json_patch(_deployment(), [{"op": "replace", "path": "/spec/nope/x", "value": 1}])
    assert info.value.code == 422
    with pytest.raises(BadRequest):
        json_patch(_deployment(), {"op": "add"})
