"""The gateway's decisions: roles, canonical argv, pinned manifests, policy knobs."""

from __future__ import annotations

from pathlib import Path

import pytest

from stratus.kube.flags import flag_table
from stratus.tnr.errors import Refused
from stratus.tnr.gateway import Gateway, Role
from stratus.tnr.grammar import READS, WRITES
from stratus.tnr.policy import KindRule, Policy
from stratus.tnr.view import StaticView

VIEW = StaticView({"shop": {"shop/web:1.4"}, "kube-system": {"coredns:1.11"}})


def gw(tmp_path: Path, **policy: object) -> Gateway:
    return Gateway(Policy.model_validate(policy), view=VIEW, namespace="shop", workdir=tmp_path)


@pytest.mark.parametrize("role", ["detection", "diagnosis", "mitigation", "undo"])
def test_every_role_reads(tmp_path: Path, role: Role) -> None:
    d = gw(tmp_path).check("kubectl get pods -n shop", role)
    assert d.allowed
    assert d.effect == "read"
    assert not d.writes


@pytest.mark.parametrize("role", ["detection", "diagnosis", "undo"])
def test_only_mitigation_writes(tmp_path: Path, role: Role) -> None:
    d = gw(tmp_path).check("kubectl scale deploy web --replicas=2", role)
    assert not d.allowed
    assert d.code == "role"
    assert role in d.reason
    assert gw(tmp_path).check("kubectl scale deploy web --replicas=2", "mitigation").writes


def test_decision_carries_the_canonical_argv(tmp_path: Path) -> None:
    d = gw(tmp_path).check("kubectl -n shop scale deploy/web --replicas 3")
    assert d.allowed
    assert d.effect == "write"
    assert d.code == "ok"
    assert d.argv == ("scale", "deploy/web", "--namespace=shop", "--replicas=3")
    assert d.to_dict()["argv"] == list(d.argv)
    assert gw(tmp_path).check(["kubectl", "scale", "deploy/web", "--replicas=3"]).allowed
    assert gw(tmp_path).check(["scale", "deploy/web", "--replicas=3"]).allowed
    refused = gw(tmp_path).check(["get", "pods", "--kubeconfig=/tmp/admin"])
    assert refused.code == "connection"
    assert isinstance(refused.refusal(), Refused)


def test_manifests_are_pinned_to_stdin(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("kind: ConfigMap\nmetadata: {name: a}\n")
    (tmp_path / "dir" / "sub").mkdir(parents=True)
    (tmp_path / "dir" / "b.yaml").write_text("kind: ConfigMap\nmetadata: {name: b}\n")
    (tmp_path / "dir" / "sub" / "c.json").write_text('{"kind": "ConfigMap"}')
    (tmp_path / "dir" / "notes.txt").write_text("not a manifest")
    d = gw(tmp_path).check("kubectl apply -f a.yaml")
    assert d.argv == ("apply", "--filename=-")
    assert d.input is not None
    assert d.input.startswith("---\n")
    assert "name: a" in d.input
    flat = gw(tmp_path).check("kubectl apply -f dir")
    assert flat.input is not None
    assert "name: b" in flat.input
    assert 'ConfigMap"' not in flat.input
    deep = gw(tmp_path).check("kubectl apply -R -f dir")
    assert deep.input is not None
    assert '{"kind": "ConfigMap"}' in deep.input
    assert "not a manifest" not in deep.input
    assert deep.argv == ("apply", "--filename=-")


def test_manifests_must_stay_in_the_allowed_directories(tmp_path: Path) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (outside / "x.yaml").write_text("kind: ConfigMap\n")
    (tmp_path / "link.yaml").symlink_to(outside / "x.yaml")
    for line in (
        f"kubectl apply -f {outside}/x.yaml",
        "kubectl apply -f link.yaml",
        f"kubectl apply -f ../{outside.name}/x.yaml",
    ):
        assert gw(tmp_path).check(line).code == "local-files", line
    allowed = gw(tmp_path, manifest_dirs=[str(outside)]).check(f"kubectl apply -f {outside}/x.yaml")
    assert allowed.allowed
    (tmp_path / "empty.yaml").write_text("\n")
    assert gw(tmp_path).check("kubectl apply -f empty.yaml").code == "usage"
    assert gw(tmp_path).check("kubectl apply -f missing.yaml").code == "usage"


def test_irreversible_actions_need_the_policy_and_are_flagged(tmp_path: Path) -> None:
    line = "kubectl exec web-1 -- nginx -s reload"
    assert gw(tmp_path).check(line).code == "irreversible"
    d = gw(tmp_path, allow_irreversible=True).check(line)
    assert d.allowed
    assert d.effect == "irreversible"
    assert d.outside_tnr
    assert "outside TNR" in d.reason
    assert gw(tmp_path, allow_irreversible=True).check(line, "diagnosis").code == "role"


def test_write_limit_and_namespace_scope(tmp_path: Path) -> None:
    g = gw(tmp_path, max_writes=2, namespaces=["shop"])
    assert g.check("kubectl scale deploy web --replicas=1", writes_done=1).allowed
    assert g.check("kubectl scale deploy web --replicas=1", writes_done=2).code == "write-limit"
    assert g.check("kubectl scale deploy web --replicas=1 -n other").code == "namespace"
    assert g.check("kubectl get pods -n other").allowed  # reads look anywhere by default
    strict = gw(tmp_path, namespaces=["shop"], read_anywhere=False)
    assert strict.check("kubectl get pods -n other").code == "namespace"
    assert strict.check("kubectl get pods -A").code == "namespace"
    assert strict.check("kubectl get pods").allowed
    assert gw(tmp_path).check("kubectl cordon worker-1").allowed  # nodes are cluster-scoped


def test_custom_forbidden_kinds_and_new_workloads(tmp_path: Path) -> None:
    rule = KindRule(kinds=("Pod",), operations=("delete",), reason="pods are pets here")
    g = Gateway(Policy(forbidden_kinds=(rule,)), view=VIEW, namespace="shop", workdir=tmp_path)
    d = g.check("kubectl delete pod web-1")
    assert d.code == "forbidden-kind"
    assert "pods are pets here" in d.reason
    assert g.check("kubectl delete ns prod").allowed is False  # cluster-scoped, not writable
    lax = gw(tmp_path, allow_new_workloads=True)
    assert lax.check("kubectl create deployment web2 --image=shop/web:1.4").allowed
    assert lax.check("kubectl create deployment web2 --image=evil:1").code == "image"


def test_images_without_a_view_come_from_the_allow_list(tmp_path: Path) -> None:
    blind = Gateway(Policy(image_allowlist=("shop/*",)), namespace="shop", workdir=tmp_path)
    assert blind.check("kubectl set image deploy/web web=shop/web:2").allowed
    assert blind.check("kubectl set image deploy/web web=nginx:1").code == "image"
    assert blind.images_in_scope() == set()


def test_images_in_scope_ignore_protected_namespaces(tmp_path: Path) -> None:
    g = gw(tmp_path)
    assert g.images_in_scope() == {"shop/web:1.4"}
    assert g.check("kubectl set image deploy/web web=coredns:1.11").code == "image"


def test_unknown_role(tmp_path: Path) -> None:
    d = gw(tmp_path).check("kubectl get pods", "admin")  # type: ignore[arg-type]
    assert d.code == "role"


def test_redaction_follows_the_policy(tmp_path: Path) -> None:
    secret = '{"kind": "Secret", "data": {"password": "aHVudGVyMg=="}}'
    assert "aHVudGVyMg" not in gw(tmp_path).redact(secret)
    assert "aHVudGVyMg" in gw(tmp_path, redact_secrets=False).redact(secret)


def test_reads_and_writes_match_kubectl_itself() -> None:
    """kubectl's own flag table agrees with the grammar: no read verb can be dry-run (so it
    does not write), and every write verb can be, except the few the dry-run asks another
    way (rollout restart|pause|resume become the patch kubectl would send)."""
    commands = flag_table().commands
    substitutes = {
        ("rollout", "restart"),
        ("rollout", "pause"),
        ("rollout", "resume"),
        ("auth", "reconcile"),
        ("certificate", "approve"),
        ("certificate", "deny"),
    }
    for name in READS:
        assert "dry-run" not in commands[tuple(name.split())], name
    for name in WRITES:
        path = tuple(name.split())
        assert "dry-run" in commands[path] or path in substitutes, name
    groups = {("create", "secret"), ("create", "service"), ("create", "token")}  # token: forbidden
    creates = [p for p in commands if p[0] == "create" and len(p) > 1 and p not in groups]
    assert all("dry-run" in commands[p] for p in creates)


def test_deletions_do_not_block_on_kubectl_unless_asked(tmp_path: Path) -> None:
    g = gw(tmp_path)
    assert g.check("kubectl delete pod -l app=web").argv[-1] == "--wait=false"
    assert g.check("kubectl delete pod web-1 --wait").argv.count("--wait") == 1
    assert "--wait=false" not in g.check("kubectl delete pod web-1 --wait").argv
    assert "--wait=false" not in g.check("kubectl scale deploy web --replicas=2").argv
