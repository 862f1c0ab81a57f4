"""Shared fixtures: kubectl location and a served emulated cloud."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from stratus.sim.cloud import Cloud


def kubectl_binary() -> str:
    """``STRATUS_TEST_KUBECTL`` if set, else the pinned kubectl next to this Python, else PATH."""
    explicit = os.environ.get("STRATUS_TEST_KUBECTL")
    if explicit:
        return explicit
    beside = Path(sys.executable).parent / "kubectl"
    if beside.exists():
        return str(beside)
    found = shutil.which("kubectl")
    if found is None:
        pytest.skip("no kubectl binary available")
    return found


@dataclass
class Kubectl:
    binary: str
    kubeconfig: Path
    cache_dir: Path

    def run(
        self, *args: str, check: bool = True, input: str | None = None, timeout: float = 30
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [
                self.binary,
                "--kubeconfig",
                str(self.kubeconfig),
                "--cache-dir",
                str(self.cache_dir),
                *args,
            ],
            capture_output=True,
            text=True,
            input=input,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"kubectl {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [
                self.binary,
                "--kubeconfig",
                str(self.kubeconfig),
                "--cache-dir",
                str(self.cache_dir),
                *args,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


@dataclass
class ServedCloud:
    cloud: Cloud
    url: str
    kubectl: Kubectl

    def settle(self, seconds: float = 30.0) -> None:
        self.cloud.settle(seconds)

    def kubectl_advancing(
        self, *args: str, step: float = 1.0, limit: float = 900.0, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run a kubectl command that waits on the cluster while the virtual clock moves.

        The clock advances ``step`` virtual seconds between short waits on the process, so
        the command sees the cluster change; ``limit`` virtual seconds bound the run."""
        proc = self.kubectl.popen(*args)
        advanced = 0.0
        while proc.poll() is None:
            if advanced >= limit:
                proc.kill()
                out, err = proc.communicate()
                raise AssertionError(
                    f"kubectl {' '.join(args)} still running after {limit} "
                    f"virtual seconds:\n{out}\n{err}"
                )
            self.cloud.advance(step)
            advanced += step
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=0.02)
        out, err = proc.communicate()
        result = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
        if check and result.returncode != 0:
            raise AssertionError(
                f"kubectl {' '.join(args)} failed ({result.returncode}):\n{out}\n{err}"
            )
        return result


@pytest.fixture
def cloud() -> Cloud:
    """An in-process cloud (no server) on the virtual clock."""
    return Cloud(seed=7)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[ServedCloud]:
    cloud = Cloud(seed=7)
    app = cloud.serve()
    kubeconfig = cloud.write_kubeconfig(tmp_path / "kubeconfig", app)
    kubectl = Kubectl(kubectl_binary(), kubeconfig, tmp_path / "kube-cache")
    try:
        yield ServedCloud(cloud, app.url, kubectl)
    finally:
        cloud.close()
