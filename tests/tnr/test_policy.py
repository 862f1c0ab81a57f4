"""The policy file: defaults, strict loading with clear errors, and the questions it answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from stratus.tnr.errors import PolicyError
from stratus.tnr.policy import Policy, normal_image


def test_defaults() -> None:
    p = Policy()
    assert p.max_writes == 20
    assert p.approval == "auto"
    assert p.redact_secrets
    assert not p.allow_irreversible
    assert not p.allow_new_workloads
    assert p.in_scope("shop")
    assert not p.in_scope("kube-system")
    assert p.forbidding("delete", "Namespace") is not None
    assert p.forbidding("delete", "PersistentVolumeClaim") is not None
    assert p.forbidding("delete", "Node") is not None
    assert p.forbidding("update", "Node") is None
    assert p.forbidding("create", "ClusterRoleBinding") is not None
    assert p.forbidding("update", "CustomResourceDefinition") is not None
    assert p.forbidding("delete", "Pod") is None
    assert p.forbids_verb(("create", "token"))
    assert not p.forbids_verb(("create", "deployment"))


def test_load_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        "namespaces: [shop, kube-system]\n"
        "max_writes: 5\n"
        "approval: ask\n"
        "image_allowlist: ['registry.example.com/*']\n"
        "forbidden_kinds:\n"
        "  - kinds: [Secret]\n"
        "    operations: [delete, update]\n"
        "    reason: secrets are managed by vault\n"
    )
    p = Policy.load(path)
    assert p.namespaces == ("shop", "kube-system")
    assert p.max_writes == 5
    assert p.approval == "ask"
    assert p.in_scope("kube-system")
    assert not p.in_scope("other")
    rule = p.forbidding("update", "Secret")
    assert rule is not None
    assert rule.reason == "secrets are managed by vault"
    assert p.forbidding("delete", "Namespace") is None  # the list replaces the defaults
    assert p.image_allowed("registry.example.com/web:2", set())
    assert not p.image_allowed("evil.example.com/web:2", set())
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert Policy.load(empty) == Policy()


@pytest.mark.parametrize(
    ("text", "field", "reason"),
    [
        ("max_writes: '20'\n", "max_writes", "valid integer"),
        ("max_writes: 0\n", "max_writes", "greater than or equal to 1"),
        ("approval: yolo\n", "approval", "'auto', 'ask' or 'dry-run'"),
        ("allow_irreversible: 'yes'\n", "allow_irreversible", "valid boolean"),
        ("namespaces: [Shop_1]\n", "namespaces", "not a namespace name"),
        ("forbidden_verbs: [nuke]\n", "forbidden_verbs", "not a kubectl command"),
        ("forbidden_kinds: [{kinds: [pods]}]\n", "forbidden_kinds.0.kinds", "not a kind"),
        (
            "forbidden_kinds: [{kinds: [Pod], operations: [explode]}]\n",
            "forbidden_kinds.0.operations.0",
            "'create', 'update' or 'delete'",
        ),
        ("image_allowlist: ['']\n", "image_allowlist", "every image"),
        ("max_write: 3\n", "max_write", "Extra inputs are not permitted"),
    ],
)
def test_bad_files_name_file_field_and_reason(
    tmp_path: Path, text: str, field: str, reason: str
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    with pytest.raises(PolicyError) as err:
        Policy.load(path)
    assert err.value.file == path
    assert err.value.field == field
    assert reason in err.value.reason
    assert str(path) in str(err.value)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        Policy.load(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("max_writes: [\n")
    with pytest.raises(PolicyError, match="not valid YAML"):
        Policy.load(bad)
    bad.write_text("- a list\n")
    with pytest.raises(PolicyError, match="must be a mapping"):
        Policy.load(bad)


@pytest.mark.parametrize(
    ("image", "normal"),
    [
        ("nginx", "docker.io/library/nginx:latest"),
        ("nginx:1.25", "docker.io/library/nginx:1.25"),
        ("library/nginx:1.25", "docker.io/library/nginx:1.25"),
        ("docker.io/library/nginx:1.25", "docker.io/library/nginx:1.25"),
        ("ghcr.io/org/app", "ghcr.io/org/app:latest"),
        ("localhost:5000/app:1", "localhost:5000/app:1"),
        ("app@sha256:abc", "docker.io/library/app@sha256:abc"),
    ],
)
def test_normal_image(image: str, normal: str) -> None:
    assert normal_image(image) == normal


def test_images_in_use_match_by_normal_form() -> None:
    p = Policy()
    assert p.image_allowed("docker.io/library/nginx:1.25", {"nginx:1.25"})
    assert not p.image_allowed("nginx:1.26", {"nginx:1.25"})
