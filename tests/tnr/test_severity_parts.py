"""The parts of μ on canned clusters and alerts: capacity loss against the baseline, alerts
in scope and their weights, alerts silenced by removing their workload, the crash state."""

from __future__ import annotations

import math
from typing import Any

from stratus.observe.baseline import Baseline, BaselineAlert, WorkloadBaseline
from stratus.observe.cluster import ClusterObserver, WorkloadKey
from stratus.observe.sla import Entrypoint, EntrypointBaseline
from stratus.tnr.severity import SeverityMeter, capacity_loss
from tests.observe.fakes import READY, FakeKube, FakePrometheus, alert, deployment, pod

NS = "shop"
WEB = WorkloadKey("Deployment", NS, "web")
DB = WorkloadKey("Deployment", NS, "db")


def node(name: str, ready: bool) -> dict[str, Any]:
    status = "True" if ready else "False"
    return {
        "metadata": {"name": name},
        "status": {"conditions": [{"type": "Ready", "status": status}]},
    }


def baseline(**extra: Any) -> Baseline:
    return Baseline(
        captured_at=0.0,
        namespaces=(NS,),
        workloads=(
            WorkloadBaseline(key=WEB, replicas=3),
            WorkloadBaseline(key=DB, replicas=1),
            WorkloadBaseline(key=WorkloadKey("Deployment", NS, "batch"), replicas=0),
        ),
        nodes=("n1", "n2"),
        **extra,
    )


def observer(objects: dict[tuple[str, str], list[dict[str, Any]]]) -> ClusterObserver:
    return ClusterObserver(FakeKube(objects), [NS])


def test_capacity_loss_against_the_baseline() -> None:
    snap = observer(
        {
            ("Deployment", NS): [
                deployment("web", 3, 2),  # one replica short, two pods unready: 2 lost
                deployment("batch", 0, 0),  # zero at baseline too: nothing lost
                deployment("new", 1, 0),
            ],
            ("Pod", NS): [
                pod("web-abc12-a", owner=("ReplicaSet", "web-abc12"), **READY),
                pod("web-abc12-b", owner=("ReplicaSet", "web-abc12"), phase="Pending"),
                pod("web-abc12-c", owner=("ReplicaSet", "web-abc12"), phase="Running"),
                pod("new-abc12-a", owner=("ReplicaSet", "new-abc12"), phase="Pending"),
                pod("debug", phase="Pending"),
            ],
            ("Node", ""): [node("n1", True), node("n2", False)],
        }
    ).snapshot()
    losses = {loss.subject: loss for loss in capacity_loss(baseline(), snap)}
    assert losses[str(WEB)].lost == 2
    assert "2/3 available, 2 pods not ready" in losses[str(WEB)].reason
    assert losses[str(DB)].lost == 2  # deleted: its replica and the workload itself
    assert losses[str(DB)].reason.startswith("deleted")
    assert losses[f"pod/new-abc12-a -n {NS}"].lost == 1  # a workload the baseline did not have
    assert losses[f"pod/debug -n {NS}"].lost == 1
    assert losses["node/n2"].reason == "not ready"
    assert len(losses) == 5


def test_alerts_in_scope_weighted_and_silenced_by_removal() -> None:
    prom = FakePrometheus()
    prom.alerts = [
        alert("KubePodCrashLooping", "warning", namespace=NS, pod="web-abc12-a"),
        alert("ServiceEndpointDown", "critical", namespace=NS, endpoint="web"),
        alert("Watchdog", "none"),
        alert("KubeNodeNotReady", "critical", node="n2"),
        alert("Elsewhere", "critical", namespace="other"),
        alert("Custom", "page", namespace=NS),
    ]
    base = baseline(
        alerts=(
            BaselineAlert(
                name="KubeDeploymentReplicasMismatch",
                severity="warning",
                labels={
                    "alertname": "KubeDeploymentReplicasMismatch",
                    "namespace": NS,
                    "deployment": "db",
                },
                workload=DB,
            ),
            BaselineAlert(
                name="KubePodCrashLooping",
                severity="warning",
                labels={"namespace": NS},
                workload=WEB,
            ),
        )
    )
    objects = {("Deployment", NS): [deployment("web", 3, 3), deployment("db", 0, 0)]}
    meter = SeverityMeter(prom.client(), observer(objects))
    severity = meter.measure(base)
    weights = {a.name: (a.weight, a.silenced) for a in severity.alerts}
    assert weights == {
        "KubePodCrashLooping": (1.0, False),
        "ServiceEndpointDown": (2.0, False),
        "Watchdog": (0.0, False),
        "KubeNodeNotReady": (2.0, False),
        "Custom": (1.0, False),  # an unknown severity weighs like a warning
        "KubeDeploymentReplicasMismatch": (1.0, True),  # db was scaled to zero: still counts
    }
    assert severity.alert_score == 7.0
    quiet = SeverityMeter(prom.client(), observer(objects), cluster_alerts=False).measure(base)
    assert "KubeNodeNotReady" not in {a.name for a in quiet.alerts}


def test_every_entrypoint_failing_is_the_crash_state() -> None:
    prom = FakePrometheus()
    web = Entrypoint(namespace=NS, service="web")
    labels = {"namespace": NS, "service_name": "web"}
    prom.vectors = {
        "STATUS_CODE_ERROR": [{"metric": labels, "value": [1000, "10"]}],
        "sum by": [{"metric": labels, "value": [1000, "10"]}],
    }
    base = Baseline(
        captured_at=0.0,
        namespaces=(NS,),
        workloads=(),
        entrypoints=(EntrypointBaseline(entrypoint=web, rate=10.0, p95_ms=5.0),),
    )
    meter = SeverityMeter(prom.client(), observer({}))
    severity = meter.measure(base)
    assert severity.crashed
    assert math.isinf(severity.mu)
    assert [v.kind for v in severity.sla_violations] == ["error_rate"]
    prom.vectors["STATUS_CODE_ERROR"] = [{"metric": labels, "value": [1000, "5"]}]
    half = meter.measure(base)
    assert not half.crashed
    assert half.mu == 3.0  # one SLA violation
