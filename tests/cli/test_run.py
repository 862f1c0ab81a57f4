"""``stratus run`` end to end, as a user runs it against a real cluster: the emulated cloud
is served by ``stratus sim up`` in another process and reached only through the kubeconfig
it writes and the Prometheus and Jaeger URLs of its ``endpoints.json``. Faults are injected
over the Kubernetes API with ``stratus sim fault inject``; what changed is read back with
kubectl.

The cloud runs at ``SPEED`` virtual seconds per wall second and ``stratus run`` waits on the
wall clock, so its waits are shrunk with its own options (``TIMING``): a 2 s settle is two
minutes of the cloud's time. Nothing here sleeps: the tests wait, with generous bounds, for
what the cloud shows (the alerts a fault raises firing; after warm-up by the cloud's own
clock, no alert and no failed request), and watch a run's output for what it says it did.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from typer.testing import CliRunner, Result

from stratus.cli import app as cli
from stratus.tnr.journal import Journal
from tests.conftest import Kubectl, kubectl_binary

pytestmark = [pytest.mark.kubectl, pytest.mark.timeout(180)]

NS = "test-hotel-reservation"
SPEED = 60  # virtual seconds per wall second
WARM_UP = 420.0  # virtual seconds for the start-up crash loops to clear (as stratus.lab)
# Every wait of `stratus run` is wall time: at SPEED, 2 s of settling is 2 minutes of the
# cloud's time, a 3 s quiet window 3 minutes. A kept fix is given up to 30 s (half an hour of
# the cloud's time) to pass the oracles: a bound, not a wait, unless the cloud falls behind.
TIMING = ("--settle-min", "2", "--settle-max", "10", "--quiet-window", "3", "--validate-for", "30")
GOOD_SELECTOR = {"io.kompose.service": "geo"}

runner = CliRunner()


@dataclass
class Sim:
    """A running ``stratus sim up`` and what a user gets from it."""

    proc: subprocess.Popen[str]
    root: Path
    kubeconfig: Path
    prometheus: str
    jaeger: str
    kubectl: Kubectl
    http: httpx.Client
    started: float  # the cloud's clock when it began serving

    # -- observing the cloud ------------------------------------------------------------

    def now(self) -> float:
        """The cloud's clock (Prometheus ``time()``)."""
        body = self.http.get(f"{self.prometheus}/api/v1/query", params={"query": "time()"})
        return float(body.json()["data"]["result"][0])

    def alerts(self) -> dict[str, str]:
        """Alert name -> state (``pending`` or ``firing``; firing wins)."""
        found: dict[str, str] = {}
        for alert in self.http.get(f"{self.prometheus}/api/v1/alerts").json()["data"]["alerts"]:
            name = alert["labels"]["alertname"]
            if found.get(name) != "firing":
                found[name] = alert["state"]
        return found

    def until(self, ready: Callable[[], bool], what: str, wall: float = 60.0) -> None:
        """Check ``ready`` until it holds; between checks wait on the cloud's process (it
        must not exit). ``wall`` seconds bound the wait."""
        for _ in range(int(wall / 0.2)):
            if ready():
                return
            try:
                code = self.proc.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                continue
            raise AssertionError(f"stratus sim up exited ({code}) while waiting for {what}")
        raise AssertionError(f"timed out waiting for {what}; alerts: {self.alerts()}")

    def failing(self) -> float:
        """Failed requests per second in the namespace over the last minute."""
        query = (
            f'sum(rate(traces_span_metrics_calls_total{{namespace="{NS}",'
            'status_code="STATUS_CODE_ERROR"}[1m]))'
        )
        body = self.http.get(f"{self.prometheus}/api/v1/query", params={"query": query})
        return sum(float(r["value"][1]) for r in body.json()["data"]["result"])

    def wait_healthy(self) -> None:
        """Warmed up, no alert pending or firing, and no request failed in the last minute
        (the window the SLA part of μ reads)."""

        def healthy() -> bool:
            if self.now() - self.started < WARM_UP:
                return False
            return not self.alerts() and self.failing() == 0

        self.until(healthy, "a healthy app")
        pods = self.kubectl.run("get", "pods", "-n", NS, "--no-headers").stdout.splitlines()
        assert pods
        assert all(line.split()[2] == "Running" for line in pods), "\n".join(pods)

    def wait_firing(self, *names: str) -> None:
        self.until(
            lambda: all(self.alerts().get(n) == "firing" for n in names),
            f"{', '.join(names)} to fire",
        )

    def selector(self) -> dict[str, str]:
        out = self.kubectl.run("get", "service", "geo", "-n", NS, "-o", "jsonpath={.spec.selector}")
        selector: dict[str, str] = json.loads(out.stdout)
        return selector

    def specs(self) -> dict[str, Any]:
        """What a write would change: the spec (or data) of every object a person edits."""
        out = self.kubectl.run(
            "get", "deployments,statefulsets,services,configmaps", "-n", NS, "-o", "json"
        )
        return {
            f"{o['kind']}/{o['metadata']['name']}": o.get("spec", o.get("data"))
            for o in json.loads(out.stdout)["items"]
        }

    # -- acting on it as a user ---------------------------------------------------------

    def fault(self, verb: str, name: str) -> None:
        result = runner.invoke(
            cli, ["sim", "fault", verb, name, "--kubeconfig", str(self.kubeconfig)]
        )
        assert result.exit_code == 0, result.output

    def args(self, namespace: str = NS) -> list[str]:
        """How a user points `stratus run` at a cluster: a kubeconfig and two URLs."""
        return [
            "run",
            "--kubeconfig",
            str(self.kubeconfig),
            "--namespace",
            namespace,
            "--prometheus",
            self.prometheus,
            "--jaeger",
            self.jaeger,
            *TIMING,
        ]

    def run(self, state: Path, *extra: str) -> Result:
        return runner.invoke(
            cli,
            [*self.args(), "--journal", str(state / "journal.sqlite"), *extra],
            env={"STRATUS_STATE_DIR": str(state), "COLUMNS": "200"},
        )


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sim]:
    root = tmp_path_factory.mktemp("sim")
    kubeconfig = root / "kubeconfig"
    with (root / "sim.err").open("w") as err:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "stratus",
                "sim",
                "up",
                "--app",
                "hotel-reservation",
                "--seed",
                "1",
                "--speed",
                str(SPEED),
                "--port",
                "0",
                "--kubeconfig",
                str(kubeconfig),
            ],
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            env={
                "STRATUS_STATE_DIR": str(root / "state"),
                "PATH": "/usr/bin:/bin",
                "HOME": str(root),
            },
        )
    http = httpx.Client(timeout=10)
    try:
        assert proc.stdout is not None
        banner = []
        for line in proc.stdout:
            banner.append(line)
            if "Press Ctrl-C to stop." in line:
                break
        else:
            raise AssertionError("sim up exited early:\n" + "".join(banner))
        endpoints = json.loads((root / "endpoints.json").read_text())
        kubectl = Kubectl(kubectl_binary(), kubeconfig, root / "kube-cache")
        sim = Sim(
            proc, root, kubeconfig, endpoints["prometheus"], endpoints["jaeger"], kubectl, http, 0
        )
        sim.started = sim.now()
        sim.wait_healthy()
        yield sim
    finally:
        http.close()
        proc.terminate()
        proc.communicate(timeout=30)


@pytest.fixture
def state(tmp_path: Path) -> Path:
    """A state directory (reports) and journal of one's own."""
    return tmp_path / "state"


def _transactions(state: Path) -> list[tuple[str, list[str]]]:
    """Each transaction's final state and the kinds of its journal entries."""
    path = state / "journal.sqlite"
    if not path.exists():
        return []
    with Journal.open(path, writer=False) as journal:
        return [
            (tx.state, [e.kind for e in journal.entries(tx.id)]) for tx in journal.transactions()
        ]


def _reports(state: Path) -> list[Path]:
    return sorted((state / "reports").glob("incident-*"))


def _error_line(result: Result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


# -- a healthy app is left alone ------------------------------------------------------------


def test_a_one_shot_run_on_a_healthy_app_finds_nothing_and_writes_nothing(
    sim: Sim, state: Path
) -> None:
    sim.wait_healthy()
    before = sim.specs()
    result = sim.run(state, "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["outcome"] == "no-incident", body["reason"]
    assert body["reference"] == "reconstructed"
    assert body["attempts"] == []
    assert body["mu_initial"] == 0
    assert _transactions(state) == []
    assert sim.specs() == before


def test_watching_a_healthy_app_takes_no_action(sim: Sim, state: Path) -> None:
    sim.wait_healthy()
    before = sim.specs()
    result = sim.run(state, "--watch", "--poll", "1", "--duration", "5")
    assert result.exit_code == 0, result.output
    assert f"watching {NS} against the observed-healthy reference" in result.stdout
    watched = [line for line in result.stdout.splitlines() if line.startswith("watched ")]
    assert len(watched) == 1, result.stdout
    words = watched[0].split()  # watched N checks (N healthy), 0 incidents
    assert int(words[1]) >= 1
    assert words[3] == f"({words[1]}"  # every check found the app healthy
    assert watched[0].endswith("healthy), 0 incidents")
    assert "suspect" not in result.stdout
    assert "unhealthy" not in result.stdout
    assert _reports(state) == []
    assert _transactions(state) == []
    assert sim.specs() == before


# -- a fault is resolved --------------------------------------------------------------------


def test_a_dry_run_proposes_the_fix_then_a_one_shot_run_resolves_the_fault(
    sim: Sim, state: Path
) -> None:
    sim.wait_healthy()
    sim.fault("inject", "wrong-service-selector-geo")
    try:
        sim.wait_firing("ServiceEndpointDown", "HighRequestErrorRate")
        assert sim.selector() != GOOD_SELECTOR
        # --approve dry-run: the plan is proposed (and escalated to a person), nothing written
        before = sim.specs()
        dry = sim.run(state, "--json", "--approve", "dry-run")
        assert dry.exit_code == 3, dry.output
        body = json.loads(dry.stdout)
        assert body["outcome"] == "escalated"
        assert "dry-run" in body["reason"]
        attempt = body["attempts"][0]
        assert attempt["transaction"]["outcome"] == "dry-run"
        assert not any(w["ran"] for w in attempt["mitigation"]["writes"])
        plan = attempt["mitigation"]["plan"]["commands"]
        assert any("service/geo" in c for c in plan)
        assert any("apply it: " + plan[0] in r for r in body["recommendations"])
        assert sim.specs() == before
        assert sim.selector() != GOOD_SELECTOR
        assert [kinds for _, kinds in _transactions(state) if "planned" in kinds] == []
        # approved: the same run resolves it
        report = state / "report.json"
        result = sim.run(state, "--json", "--report", str(report))
        assert result.exit_code == 0, result.output
        body = json.loads(result.stdout)
        assert body == json.loads(report.read_text())
        assert body["outcome"] == "resolved", body["reason"]
        assert body["model"] == "offline"
        assert body["detection"]["incident"]
        assert body["mu_initial"] > 0
        assert body["final_oracles"]["passed"]
        assert all(ok for ok, _ in body["final_oracles"]["results"].values())
        last = body["attempts"][-1]
        assert last["outcome"] == "resolved"
        assert last["transaction"]["outcome"] == "committed"
        assert last["transaction"]["mu_post"] <= last["transaction"]["mu_pre"]
        assert max(body["visible_mu"]) <= body["mu_initial"]
        # the fix is in the cluster, and in the journal as a committed write
        assert sim.selector() == GOOD_SELECTOR
        endpoints = sim.kubectl.run(
            "get", "endpoints", "geo", "-n", NS, "-o", "jsonpath={.subsets[*].addresses[*].ip}"
        )
        assert endpoints.stdout.strip()
        kept = [kinds for tx_state, kinds in _transactions(state) if tx_state == "committed"]
        assert any("planned" in kinds for kinds in kept)
    finally:
        if sim.selector() != GOOD_SELECTOR:
            sim.fault("recover", "wrong-service-selector-geo")


def _lines_until(proc: subprocess.Popen[str], prefix: str, seen: list[str]) -> str:
    """Read ``proc``'s output into ``seen`` up to the first line starting with ``prefix``."""
    assert proc.stdout is not None
    for line in proc.stdout:
        seen.append(line)
        if line.startswith(prefix):
            return line
    raise AssertionError(f"no line starting {prefix!r}; the run exited:\n" + "".join(seen))


def test_watching_handles_an_incident_as_it_happens_and_stops_on_ctrl_c(
    sim: Sim, state: Path
) -> None:
    sim.wait_healthy()
    report = state / "watch.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "stratus",
            *sim.args(),
            "--watch",
            "--poll",
            "1",
            "--duration",
            "90",
            "--journal",
            str(state / "journal.sqlite"),
            "--report",
            str(report),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={
            "STRATUS_STATE_DIR": str(state),
            "PATH": "/usr/bin:/bin",
            "HOME": str(state),
            "COLUMNS": "200",
            "PYTHONUNBUFFERED": "1",
        },
    )
    injected = False
    seen: list[str] = []
    try:
        _lines_until(proc, "watching ", seen)  # the healthy reference has been taken
        sim.fault("inject", "wrong-service-selector-geo")
        injected = True
        assert _lines_until(proc, "incident 1: ", seen).strip() == "incident 1: resolved"
        proc.send_signal(signal.SIGINT)  # Ctrl-C: stop watching, keep what was handled
        out, _ = proc.communicate(timeout=60)
        out = "".join(seen) + out
        assert proc.returncode == 0, out
        assert "unhealthy check 2 of 2" in out
        assert "stopped; 1 incidents handled" in out
        body = json.loads(report.read_text())
        assert body["outcome"] == "resolved", body["reason"]
        assert body["reference"] == "observed-healthy"
        assert body["final_oracles"]["passed"]
        assert sim.selector() == GOOD_SELECTOR
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=30)
        if injected and sim.selector() != GOOD_SELECTOR:
            sim.fault("recover", "wrong-service-selector-geo")


# -- what it must not fix, or may not touch -------------------------------------------------


def test_a_fault_inside_the_database_is_escalated_with_exit_status_3(sim: Sim, state: Path) -> None:
    sim.wait_healthy()
    sim.fault("inject", "revoke-auth-mongodb-geo")
    try:
        sim.wait_firing("KubePodCrashLooping", "HighRequestErrorRate")
        before = sim.specs()
        # nothing to try: the oracles are rechecked every second until μ stops falling
        result = sim.run(state, "--json", "--validate-for", "12")
        assert result.exit_code == 3, result.output
        body = json.loads(result.stdout)
        assert body["outcome"] == "escalated"
        assert body["attempts"][0]["diagnosis"]["category"] == "credentials"
        assert all(not a["mitigation"]["writes"] for a in body["attempts"])
        assert any("not authorized" in r for r in body["recommendations"])
        assert not body["final_oracles"]["passed"]
        assert sim.specs() == before
        assert [kinds for _, kinds in _transactions(state) if "planned" in kinds] == []
        geo = sim.kubectl.run("get", "pods", "-n", NS, "-l", "io.kompose.service=geo")
        assert "CrashLoopBackOff" in geo.stdout or "Error" in geo.stdout
    finally:
        sim.fault("recover", "revoke-auth-mongodb-geo")


# -- a run that cannot start says why, on one line ------------------------------------------


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_an_unknown_namespace_is_an_error(sim: Sim, state: Path) -> None:
    result = runner.invoke(
        cli,
        [*sim.args("no-such-namespace"), "--journal", str(state / "j.sqlite"), "--json"],
        env={"STRATUS_STATE_DIR": str(state)},
    )
    assert result.exit_code == 1, result.output
    assert "namespace 'no-such-namespace' does not exist" in _error_line(result)
    assert result.stdout == ""
    assert _reports(state) == []


@pytest.mark.parametrize("case", ["missing", "not-yaml", "unreachable"])
def test_a_bad_kubeconfig_is_an_error(case: str, tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    if case == "not-yaml":
        kubeconfig.write_text("clusters: [\n")
    elif case == "unreachable":
        server = f"http://127.0.0.1:{_closed_port()}"
        kubeconfig.write_text(
            yaml.safe_dump(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [{"name": "c", "cluster": {"server": server}}],
                    "users": [{"name": "u", "user": {"token": "t"}}],
                    "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
                    "current-context": "x",
                }
            )
        )
    result = runner.invoke(
        cli,
        [
            "run",
            "--kubeconfig",
            str(kubeconfig),
            "-n",
            NS,
            "--prometheus",
            f"http://127.0.0.1:{_closed_port()}",
            "--journal",
            str(tmp_path / "j.sqlite"),
            "--json",
        ],
        env={"STRATUS_STATE_DIR": str(tmp_path / "state")},
    )
    assert result.exit_code == 1, result.output
    line = _error_line(result)
    expected = {
        "missing": "cannot load kubeconfig",
        "not-yaml": "invalid YAML",
        "unreachable": "cannot reach the API server",
    }[case]
    assert expected in line
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("extra", "base_url", "expected"),
    [
        ((), None, "openai-compatible:qwen needs the server's address"),
        (("--base-url", "http://127.0.0.1:9/v1"), None, "cannot load kubeconfig"),
        ((), "http://127.0.0.1:9/v1", "cannot load kubeconfig"),
    ],
    ids=["no-address", "flag", "setting"],
)
def test_an_openai_compatible_server_is_named_by_flag_or_setting(
    extra: tuple[str, ...], base_url: str | None, expected: str, tmp_path: Path
) -> None:
    """The model is built before the cluster is reached: with the server's address (flag or
    STRATUS_LLM__BASE_URL) the run gets as far as the (missing) kubeconfig."""
    result = runner.invoke(
        cli,
        [
            "run",
            "--model",
            "openai-compatible:qwen",
            *extra,
            "--kubeconfig",
            str(tmp_path / "missing"),
            "-n",
            NS,
            "--prometheus",
            f"http://127.0.0.1:{_closed_port()}",
        ],
        env={"STRATUS_STATE_DIR": str(tmp_path), "STRATUS_LLM__BASE_URL": base_url},
    )
    assert result.exit_code == 1, result.output
    assert expected in _error_line(result)
