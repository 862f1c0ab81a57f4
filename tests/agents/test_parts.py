"""The small parts the agents stand on: bounded observations, log classes, template diffs,
quantities, the reference a one-shot run rebuilds, and the offline detector."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from stratus.agents.bounding import Limits, bound
from stratus.agents.offline import OfflineDetector
from stratus.agents.offline.changes import diff_paths
from stratus.agents.offline.common import classify_log
from stratus.agents.offline.units import cpu_millis, memory_mib
from stratus.agents.protocols import DetectInput
from stratus.agents.reference import Reference, reconstruct_baseline
from stratus.agents.tools import ReadTools
from stratus.observe.baseline import Baseline, WorkloadBaseline
from stratus.observe.cluster import WorkloadKey
from stratus.tnr.gateway import Decision, Role
from stratus.tnr.severity import AlertPart, Severity
from stratus.tnr.transaction import ReadResult
from tests.agents.fixtures import NS, deployment, service


def test_an_observation_is_bounded_and_says_what_was_cut() -> None:
    text = "\n".join(f"line {i} " + "x" * 50 for i in range(500))
    obs = bound("kubectl", text, Limits(max_lines=20, max_chars=5000), hint="use -l")
    assert obs.truncated
    assert obs.text.count("\n") == 20
    assert obs.text.endswith("not shown; use -l]")
    assert "480 more lines" in obs.text
    small = bound("kubectl", "ok", Limits())
    assert small.text == "ok"
    assert not small.truncated


def test_long_lines_are_shortened_too() -> None:
    obs = bound("logs", "a" * 1000, Limits(max_line_chars=100))
    assert obs.text.startswith("a" * 100 + " …")
    assert obs.cut_chars == 900


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("INF start\nPNC (Unauthorized) not authorized on geo-db", "credentials"),
        ("auth error: (AuthenticationFailed) Authentication failed.", "credentials"),
        ("dial tcp: lookup mongodb-geo on 10.0.0.1:53: no such host", "dns"),
        ('panic: environment variable "CART_ADDR" not set', "config"),
        ("<error>: Failed to connect to MongoDB db:27017: socket closed", "dependency"),
        ("panic: runtime error: invalid memory address or nil pointer dereference", "panic"),
        ("INF serving on 8080", ""),
    ],
)
def test_log_lines_are_classified(text: str, expected: str) -> None:
    assert classify_log(text)[0] == expected


def test_template_diffs_name_containers_by_name() -> None:
    before = {"spec": {"containers": [{"name": "app", "image": "a:1"}, {"name": "side"}]}}
    after = {"spec": {"containers": [{"name": "app", "image": "a:2"}, {"name": "side"}]}}
    assert diff_paths(before, after) == ["spec.containers[app].image"]
    assert diff_paths(before, before) == []


def test_quantities() -> None:
    assert memory_mib("10Mi") == 10
    assert memory_mib("1Gi") == 1024
    assert memory_mib("junk") is None
    assert cpu_millis("100m") == 100
    assert cpu_millis("2") == 2000


def test_a_one_shot_run_restores_replicas_from_what_the_cluster_records() -> None:
    applied = deployment("cart", replicas=3)
    live = deployment("cart", replicas=0)
    live["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = (
        '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"cart"},'
        f'"spec":{{"replicas":{applied["spec"]["replicas"]}}}}}'
    )
    user = deployment("user", replicas=0)
    idle = deployment("batch", replicas=0)
    baseline = Baseline(
        captured_at=0,
        namespaces=(NS,),
        workloads=tuple(
            WorkloadBaseline(key=WorkloadKey("Deployment", NS, n), replicas=0)
            for n in ("cart", "user", "batch")
        ),
    )
    fixed = reconstruct_baseline(baseline, [live, user, idle, service("user", {"app": "user"})])
    assert [w.replicas for w in fixed.workloads] == [3, 1, 0]


class _Reader:
    def __init__(self) -> None:
        self.roles: list[Role] = []

    def read(self, proposal: str | Sequence[str], role: Role = "diagnosis") -> ReadResult:
        self.roles.append(role)
        line = proposal if isinstance(proposal, str) else " ".join(proposal)
        return ReadResult(Decision(False, role, line, "refused for the test", "test"), None, "no")


def test_reads_carry_the_role_of_the_tool_set() -> None:
    reader = _Reader()
    tools = ReadTools(reader, "detection", NS)
    obs = tools.kubectl("kubectl get pods")
    tools.events("geo")
    assert reader.roles == ["detection", "detection"]
    assert obs.error
    assert tools.calls == 2


def test_the_offline_detector_reports_what_mu_is_made_of() -> None:
    alert = AlertPart(
        name="ServiceEndpointDown",
        severity="critical",
        labels={"namespace": NS, "endpoint": "geo"},
        weight=2,
    )
    severity = Severity(mu=2, alerts=(alert,), alert_score=2)
    baseline = Baseline(captured_at=0, namespaces=(NS,), workloads=())
    task = DetectInput(
        ReadTools(_Reader(), "detection", NS), Reference(baseline=baseline), severity, (), 20
    )
    report = OfflineDetector().detect(task)
    assert report.incident
    assert "ServiceEndpointDown" in report.summary
    assert [str(c) for c in report.suspects] == ["endpoint/geo"]
    healthy = OfflineDetector().detect(
        DetectInput(task.tools, task.reference, Severity(mu=0), (), 20)
    )
    assert not healthy.incident
