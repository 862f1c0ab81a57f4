"""The shipped kubectl flag table matches the pinned kubectl; resource type names resolve."""

from __future__ import annotations

import pytest

from stratus.kube.flags import FlagTable, client_version, derive, flag_table
from stratus.kube.resources import resolve
from tests.conftest import kubectl_binary


def test_table_round_trips_through_yaml() -> None:
    table = flag_table()
    assert FlagTable.from_yaml(table.to_yaml()) == table


@pytest.mark.kubectl
def test_table_is_for_the_pinned_kubectl() -> None:
    """The table was derived from this kubectl version; regenerate it on an upgrade with
    ``python -m stratus.kube.flags KUBECTL > src/stratus/kube/kubectl_flags.yaml``."""
    assert client_version(kubectl_binary()) == flag_table().version


@pytest.mark.kubectl
def test_derivation_reproduces_the_shipped_entries() -> None:
    paths = [("get",), ("logs",), ("delete",), ("drain",), ("rollout", "restart"), ("top", "pod")]
    derived = derive(kubectl_binary(), paths)
    shipped = flag_table()
    assert derived.globals == shipped.globals
    for path in paths:
        assert derived.commands[path] == shipped.commands[path], path
    assert derived.aliases[("top", "pod")] == ("pods", "po")
    # the probes found the flags whose value is optional, and only those
    assert shipped.commands[("delete",)]["cascade"].takes == "optional"
    assert shipped.commands[("delete",)]["dry-run"].takes == "optional"
    assert shipped.commands[("logs",)]["follow"].takes == "switch"
    assert shipped.commands[("logs",)]["tail"].takes == "value"


def test_table_covers_the_commands_the_gateway_knows() -> None:
    from stratus.tnr.grammar import READS, WRITES  # noqa: PLC0415

    commands = flag_table().commands
    for name in READS | WRITES:
        assert tuple(name.split()) in commands, name


@pytest.mark.parametrize(
    ("word", "kind", "group"),
    [
        ("po", "Pod", ""),
        ("PODS", "Pod", ""),
        ("Deployment", "Deployment", "apps"),
        ("deployments.apps", "Deployment", "apps"),
        ("deployment.v1.apps", "Deployment", "apps"),
        ("ns", "Namespace", ""),
        ("namespaces.v1.", "Namespace", ""),
        ("crds", "CustomResourceDefinition", "apiextensions.k8s.io"),
        (
            "clusterrolebindings.rbac.authorization.k8s.io",
            "ClusterRoleBinding",
            "rbac.authorization.k8s.io",
        ),
        ("ev", "Event", ""),
        ("hpa", "HorizontalPodAutoscaler", "autoscaling"),
    ],
)
def test_resolve(word: str, kind: str, group: str) -> None:
    rt = resolve(word)
    assert rt is not None
    assert (rt.kind, rt.group) == (kind, group)


@pytest.mark.parametrize("word", ["all", "widgets", "deployments.example.com", "pods.v1.apps"])
def test_resolve_unknown(word: str) -> None:
    assert resolve(word) is None
