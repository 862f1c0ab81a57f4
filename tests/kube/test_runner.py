"""The kubectl runner: binary lookup, connection flags, input, timeouts, environment."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from stratus.kube.runner import (
    Kubectl,
    KubectlNotFound,
    KubectlTimeout,
    KubectlUsage,
    find_kubectl,
)
from tests.conftest import ServedCloud

# A stand-in kubectl: prints its argv, its stdin and one environment variable as JSON.
FAKE = """#!{python}
import json, os, sys, time
if "--hang" in sys.argv:
    time.sleep(30)
data = sys.stdin.read() if not sys.stdin.isatty() else ""
print(json.dumps({{"argv": sys.argv[1:], "stdin": data,
                  "kuberc": os.environ.get("KUBECTL_KUBERC"),
                  "kubeconfig": os.environ.get("KUBECONFIG"),
                  "diff": os.environ.get("KUBECTL_EXTERNAL_DIFF")}}))
sys.exit(3 if "--fail" in sys.argv else 0)
"""


@pytest.fixture
def fake(tmp_path: Path) -> str:
    path = tmp_path / "kubectl"
    path.write_text(FAKE.format(python=sys.executable))
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def test_finds_the_binary(fake: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRATUS_KUBECTL", fake)
    assert find_kubectl() == fake
    monkeypatch.setenv("STRATUS_KUBECTL", fake + ".missing")
    with pytest.raises(KubectlNotFound, match="STRATUS_KUBECTL"):
        find_kubectl()
    monkeypatch.delenv("STRATUS_KUBECTL")
    monkeypatch.setattr(sys, "executable", str(Path(fake).parent / "python"))
    assert find_kubectl() == fake  # the one beside the interpreter
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    monkeypatch.setenv("PATH", "")
    with pytest.raises(KubectlNotFound, match="install kubectl"):
        find_kubectl()


def test_adds_connection_flags_and_a_default_namespace(fake: str) -> None:
    kubectl = Kubectl(binary=fake, kubeconfig="/k/config", context="prod", namespace="shop")
    result = kubectl.run(["get", "pods"])
    out = json.loads(result.stdout)
    assert out["argv"] == [
        "--kubeconfig=/k/config",
        "--context=prod",
        "--namespace=shop",
        "get",
        "pods",
    ]
    assert result.args == ("get", "pods")
    assert result.ok
    assert result.seconds >= 0
    assert out["kuberc"] == "false"
    assert out["diff"] is None
    for given in (["-n", "x"], ["--namespace=x"], ["-A"], ["--all-namespaces"], ["-nx"]):
        argv = json.loads(kubectl.run(["get", "pods", *given]).stdout)["argv"]
        assert "--namespace=shop" not in argv


def test_keeps_the_users_kubeconfig_when_none_is_given(
    fake: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", "/home/me/.kube/config")
    monkeypatch.setenv("KUBECTL_EXTERNAL_DIFF", "rm -rf")
    assert json.loads(Kubectl(binary=fake).run(["version"]).stdout)["kubeconfig"] == (
        "/home/me/.kube/config"
    )
    with_config = Kubectl(binary=fake, kubeconfig="/k").run(["version"])
    assert json.loads(with_config.stdout)["kubeconfig"] is None


def test_passes_input_and_reports_failure(fake: str) -> None:
    kubectl = Kubectl(binary=fake)
    result = kubectl.run(["apply", "-f", "-"], input="kind: ConfigMap\n")
    assert json.loads(result.stdout)["stdin"] == "kind: ConfigMap\n"
    failed = kubectl.run(["get", "--fail"])
    assert failed.exit_code == 3
    assert not failed.ok
    assert failed.error_line() == "kubectl exited with status 3"


@pytest.mark.parametrize(
    "flag",
    [
        "--kubeconfig=/x",
        "--context",
        "--server=https://evil",
        "--token=t",
        "--as=admin",
        "--as-group=system:masters",
        "--user=u",
        "--cluster=c",
    ],
)
def test_refuses_connection_flags(fake: str, flag: str) -> None:
    with pytest.raises(KubectlUsage):
        Kubectl(binary=fake).run(["get", "pods", flag])
    # after '--' the words belong to exec's command, not to kubectl
    Kubectl(binary=fake).run(["exec", "web", "--", "env", flag])


def test_timeout_kills_kubectl(fake: str) -> None:
    with pytest.raises(KubectlTimeout, match="did not finish"):
        Kubectl(binary=fake, timeout=0.3).run(["get", "--hang"])


def test_missing_binary(tmp_path: Path) -> None:
    with pytest.raises(KubectlNotFound):
        Kubectl(binary=str(tmp_path / "nope")).run(["version"])


@pytest.mark.kubectl
def test_real_kubectl_against_the_emulator(served: ServedCloud) -> None:
    kubectl = Kubectl(
        binary=served.kubectl.binary,
        kubeconfig=served.kubectl.kubeconfig,
        cache_dir=served.kubectl.cache_dir,
        namespace="kube-system",
    )
    result = kubectl.run(["get", "pods", "--output=name"])
    assert result.ok, result.stderr
    assert "pod/coredns" in result.stdout
    missing = kubectl.run(["get", "deployment", "nope"])
    assert not missing.ok
    assert "not found" in missing.error_line()
    assert os.path.basename(result.argv[0]) == "kubectl"
