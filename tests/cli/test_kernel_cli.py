"""``stratus kubectl`` and ``stratus journal`` end to end, as a user runs them against a
running ``stratus sim up`` (reached only through its kubeconfig and endpoints.json)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.cli.test_sim_up import _start, _wait_until_serving
from tests.conftest import kubectl_binary

pytestmark = [pytest.mark.kubectl, pytest.mark.timeout(240)]
NS = "test-hotel-reservation"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """HotelReservation under load at 50x speed; yields the folder with its kubeconfig."""
    folder = tmp_path_factory.mktemp("sim")
    proc = _start(folder, "--app", "hotel-reservation", "--seed", "3", "--speed", "50")
    try:
        _wait_until_serving(proc)
        _wait_until_healthy(json.loads((folder / "endpoints.json").read_text())["prometheus"])
        yield folder
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)


def _wait_until_healthy(prometheus: str, limit: float = 90.0) -> None:
    """The app warms up (services racing their databases crash-loop at first) in about 8 s
    of wall time at 50x; wait until no alert fires in its namespace."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        alerts = httpx.get(f"{prometheus}/api/v1/alerts").json()["data"]["alerts"]
        if (
            not any(a["state"] != "inactive" and a["labels"].get("namespace") == NS for a in alerts)
            and time.monotonic() > deadline - limit + 10
        ):
            return
        time.sleep(0.5)
    raise AssertionError(f"alerts still firing after {limit} s: {alerts}")


def _stratus(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "STRATUS_STATE_DIR": str(folder / "state"),
        "STRATUS_KUBECTL": kubectl_binary(),
        "COLUMNS": "200",
    }
    return subprocess.run(
        [sys.executable, "-m", "stratus", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=False,
    )


def _guarded(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return _stratus(
        folder,
        "kubectl",
        "--kubeconfig",
        str(folder / "kubeconfig"),
        "-n",
        NS,
        "--settle-min",
        "3",
        "--settle-max",
        "8",
        *args,
    )


def test_a_read_runs_and_a_refusal_says_why(cloud: Path) -> None:
    read = _guarded(cloud, "--", "get", "deployments", "-o", "name")
    assert read.returncode == 0, read.stderr
    assert "deployment.apps/frontend" in read.stdout
    refused = _guarded(cloud, "--line", f"kubectl delete namespace {NS}")
    assert refused.returncode == 4, refused.stderr
    assert "refused" in refused.stderr
    piped = _guarded(cloud, "--json", "--line", "kubectl get pods | sh")
    assert piped.returncode == 4
    assert json.loads(piped.stdout)["status"] == "refused"


def test_a_harmful_write_is_undone_and_journaled(cloud: Path) -> None:
    result = _guarded(cloud, "--json", "--", "scale", "deployment", "frontend", "--replicas=0")
    assert result.returncode == 3, result.stdout + result.stderr
    body = json.loads(result.stdout)
    assert body["status"] == "aborted-and-undone"
    assert body["undo"]["faithful"] is True
    replicas = subprocess.run(
        [
            kubectl_binary(),
            "--kubeconfig",
            str(cloud / "kubeconfig"),
            "-n",
            NS,
            "get",
            "deployment",
            "frontend",
            "-o",
            "jsonpath={.spec.replicas}",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    assert replicas == "1"
    listed = _stratus(cloud, "journal", "list", "--kubeconfig", str(cloud / "kubeconfig"))
    assert listed.returncode == 0, listed.stderr
    assert f"{body['tx_id']:>5}  undone" in listed.stdout
    shown = _stratus(
        cloud, "journal", "show", str(body["tx_id"]), "--kubeconfig", str(cloud / "kubeconfig")
    )
    kinds = [e["kind"] for e in json.loads(shown.stdout)["entries"]]
    assert kinds[:3] == ["snapshot", "planned", "outcome"]
    nothing = _stratus(cloud, "journal", "recover", "--kubeconfig", str(cloud / "kubeconfig"))
    assert nothing.returncode == 0, nothing.stderr
    assert "nothing to recover" in nothing.stdout
