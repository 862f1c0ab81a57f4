"""Every shipped fault, injected into its app under load: the symptoms a real cluster would
show appear through kubectl, Prometheus and Jaeger; doing nothing does not bring health back;
the fix an SRE would type, run with real kubectl, does."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from stratus.sim.apps import App, load_app
from stratus.sim.cloud import Cloud
from stratus.sim.faults import FaultCatalog, FaultSpec
from tests.conftest import Kubectl, ServedCloud, kubectl_binary
from tests.sim.faults.probe import Probe

CATALOG = FaultCatalog()
WARM_UP = 420.0  # start-up crash loops (services racing their databases) settle and clear
RECOVERY = 600.0  # long enough for every shipped alert to resolve after a fix
STEP = 5.0

pytestmark = [pytest.mark.kubectl, pytest.mark.timeout(300)]


class Lab:
    """An app under load in a served cloud, seen through a probe."""

    def __init__(self, app: App, tmp_path: Path) -> None:
        self.app = app
        self.cloud = Cloud(seed=11)
        self.cloud.deploy(app)
        self.cloud.start_load(app)
        self.cloud.settle(WARM_UP, step=STEP)
        served = self.cloud.serve()
        telemetry = self.cloud.serve_telemetry()
        kubeconfig = self.cloud.write_kubeconfig(tmp_path / "kubeconfig", served)
        self.kubectl = Kubectl(kubectl_binary(), kubeconfig, tmp_path / "kube-cache")
        self.served = ServedCloud(self.cloud, served.url, self.kubectl)
        self.probe = Probe(
            self.kubectl, telemetry["prometheus"].url, telemetry["jaeger"].url, app.namespace
        )
        assert app.workload is not None
        self.entry = app.workload.target.split(":")[0]

    def settle(self, seconds: float) -> None:
        self.cloud.settle(seconds, step=STEP)

    def type(self, line: str) -> None:
        line = line.replace("{namespace}", self.app.namespace)
        words = shlex.split(line.replace("{app_dir}", str(self.app.source)))
        assert words[0] == "kubectl", line
        self.served.kubectl_advancing(*words[1:], step=STEP)  # kubectl may wait on the cluster


@pytest.fixture
def lab_for(tmp_path: Path) -> Iterator[dict[str, Lab]]:
    labs: dict[str, Lab] = {}
    yield labs
    for lab in labs.values():
        lab.cloud.close()


def _lab(labs: dict[str, Lab], fault: FaultSpec, tmp_path: Path) -> Lab:
    labs[fault.name] = Lab(load_app(fault.app), tmp_path)
    return labs[fault.name]


@pytest.mark.parametrize("name", CATALOG.names())
def test_fault_shows_symptoms_and_the_fix_heals(
    name: str, lab_for: dict[str, Lab], tmp_path: Path
) -> None:
    fault = CATALOG.get(name)
    lab = _lab(lab_for, fault, tmp_path)
    assert lab.probe.problems(lab.entry) == [], "the app must be healthy before the fault"
    baseline = lab.probe.p95_by_service()

    lab.cloud.inject(fault)
    lab.settle(fault.settle)
    assert lab.probe.missing_symptoms(fault.expect) == []

    lab.settle(RECOVERY)
    if fault.self_healing:
        assert lab.probe.problems(lab.entry, baseline) == []
        return
    assert lab.probe.problems(lab.entry, baseline) != [], "doing nothing must not heal it"

    assert fault.fix, f"{name} has no fix"
    for line in fault.fix:
        lab.type(line)
    lab.settle(RECOVERY)
    assert lab.probe.problems(lab.entry, baseline) == []
