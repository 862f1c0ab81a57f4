"""``kubectl logs``: current and previous runs, tails, containers, workloads."""

from __future__ import annotations

import pytest

from tests.conftest import ServedCloud

pytestmark = pytest.mark.kubectl

CRASHER = """\
apiVersion: v1
kind: Pod
metadata: {name: crasher, namespace: default}
spec:
  containers:
  - name: main
    image: busybox:1.36
    command: [sh, -c, "echo starting up; echo cannot reach the database; sleep 2; exit 3"]
  - name: helper
    image: busybox:1.36
    command: [sh, -c, "echo helper ready; sleep infinity"]
"""


@pytest.fixture
def crasher(served: ServedCloud) -> ServedCloud:
    served.kubectl.run("apply", "-f", "-", input=CRASHER)
    served.settle(60)
    return served


def test_a_crashing_container_loops_with_back_off(crasher: ServedCloud) -> None:
    row = crasher.kubectl.run("get", "pod", "crasher", "--no-headers").stdout.split()
    assert row[1] == "1/2"
    assert row[2] in ("CrashLoopBackOff", "Error", "Running")
    assert int(row[3]) >= 2
    described = crasher.kubectl.run("describe", "pod", "crasher").stdout
    assert "Back-off restarting failed container main" in described
    assert "Exit Code:    3" in described


def test_logs_current_previous_and_tail(crasher: ServedCloud) -> None:
    current = crasher.kubectl.run("logs", "crasher", "-c", "main").stdout
    assert current.splitlines() == ["starting up", "cannot reach the database"]
    previous = crasher.kubectl.run("logs", "crasher", "-c", "main", "--previous").stdout
    assert previous.splitlines() == ["starting up", "cannot reach the database"]
    tail = crasher.kubectl.run("logs", "crasher", "-c", "main", "--tail=1").stdout
    assert tail.splitlines() == ["cannot reach the database"]
    helper = crasher.kubectl.run("logs", "crasher", "-c", "helper").stdout
    assert helper.splitlines() == ["helper ready"]
    missing = crasher.kubectl.run("logs", "crasher", "-c", "helper", "--previous", check=False)
    assert missing.returncode != 0
    assert 'previous terminated container "helper" in pod "crasher" not found' in missing.stderr


def test_logs_without_container_defaults_to_the_first(crasher: ServedCloud) -> None:
    result = crasher.kubectl.run("logs", "crasher")
    assert result.stdout.splitlines() == ["starting up", "cannot reach the database"]
    assert 'Defaulted container "main" out of: main, helper' in result.stderr


def test_logs_of_a_deployment_picks_a_pod(served: ServedCloud) -> None:
    served.kubectl.run(
        "create",
        "-f",
        "-",
        input="""\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27"}]
""",
    )
    served.settle(20)
    result = served.kubectl.run("logs", "deploy/web")
    assert "Configuration complete; ready for start up" in result.stdout
    assert "Found 2 pods, using pod/web-" in result.stderr


def test_logs_of_a_container_still_creating_is_refused(served: ServedCloud) -> None:
    served.kubectl.run("run", "later", "--image=nginx:1.27")
    result = served.kubectl.run("logs", "later", check=False)
    assert result.returncode != 0
    assert 'container "later" in pod "later" is waiting to start' in result.stderr
