"""``stratus sim up`` end to end: it serves, writes its files, and stops cleanly."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import kubectl_binary

pytestmark = pytest.mark.kubectl


def _start(tmp_path: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "stratus",
            "sim",
            "up",
            "--port",
            "0",
            "--kubeconfig",
            str(tmp_path / "kubeconfig"),
            "--speed",
            "20",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={
            "STRATUS_STATE_DIR": str(tmp_path / "state"),
            "PATH": "/usr/bin:/bin",
            "COLUMNS": "200",
        },
    )


def _wait_until_serving(proc: subprocess.Popen[str]) -> list[str]:
    lines = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line.rstrip())
        if "Press Ctrl-C to stop." in line:
            return lines
    raise AssertionError(
        "sim up exited early:\n" + "\n".join(lines) + (proc.stderr.read() if proc.stderr else "")
    )


def test_sim_up_serves_the_demo_app_and_stops_on_sigterm(tmp_path: Path) -> None:
    proc = _start(tmp_path, "--app", "demo", "--nodes", "4", "--seed", "5")
    try:
        banner = _wait_until_serving(proc)
        endpoints = json.loads((tmp_path / "endpoints.json").read_text())
        assert any(endpoints["kubernetes"] in line for line in banner)
        assert any("app             demo (namespace demo)" in line for line in banner)
        kubectl = [
            kubectl_binary(),
            "--kubeconfig",
            str(tmp_path / "kubeconfig"),
            "--cache-dir",
            str(tmp_path / "cache"),
        ]
        nodes = subprocess.run(
            [*kubectl, "get", "nodes", "--no-headers"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout.splitlines()
        assert len(nodes) == 4
        context = subprocess.run(
            [*kubectl, "config", "current-context"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout.strip()
        assert context == "stratus-sim"
        waited = subprocess.run(
            [
                *kubectl,
                "wait",
                "-n",
                "demo",
                "--for=condition=Available",
                "deploy/api",
                "--timeout=60s",
            ],
            check=False,
            capture_output=True,
            text=True,
            timeout=90,
        )
        assert waited.returncode == 0, waited.stderr
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "stopped." in out


def test_unknown_app_is_a_clear_error(tmp_path: Path) -> None:
    proc = _start(tmp_path, "--app", "no-such-app")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "no such app" in out + err
