"""Stand-ins for the kernel in unit tests of the LLM agents: the real gateway decides what
may run (so refusals are the real ones), and canned kubectl output answers what is allowed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from stratus.agents.bounding import Limits
from stratus.agents.reference import Reference
from stratus.agents.results import Component, DetectionReport, Diagnosis, Symptom
from stratus.agents.tools import MitigationTools, ReadTools
from stratus.kube.runner import KubectlResult
from stratus.observe.baseline import Baseline, WorkloadBaseline
from stratus.observe.cluster import WorkloadKey
from stratus.tnr.gateway import Decision, Gateway, Role
from stratus.tnr.severity import AlertPart, Severity
from stratus.tnr.transaction import ReadResult, WriteRecord

NS = "shop"


def _result(line: str, stdout: str, code: int = 0) -> KubectlResult:
    return KubectlResult(
        argv=tuple(line.split()),
        args=tuple(line.split()[1:]),
        exit_code=code,
        stdout=stdout if code == 0 else "",
        stderr=stdout if code else "",
        seconds=0.01,
    )


class FakeKernel:
    """``outputs`` maps a command line to kubectl's answer; anything else is NotFound.
    Writes that the gateway allows "run" and print ``<kind> patched``."""

    def __init__(self, outputs: Mapping[str, str] | None = None) -> None:
        self.gateway = Gateway(namespace=NS)
        self.outputs = dict(outputs or {})
        self.lines: list[str] = []
        self.writes: list[WriteRecord] = []

    def read(self, proposal: str | Sequence[str], role: Role = "diagnosis") -> ReadResult:
        line = proposal if isinstance(proposal, str) else " ".join(proposal)
        self.lines.append(line)
        decision = self.gateway.check(line, role)
        if decision.allowed and decision.effect != "read":
            decision = _refused(decision, "this is a read; writes go in a transaction")
        if not decision.allowed:
            return ReadResult(decision, None, f"refused: {decision.reason}")
        if line in self.outputs:
            return ReadResult(decision, _result(line, self.outputs[line]), self.outputs[line])
        text = "Error from server (NotFound): the server could not find the requested resource"
        return ReadResult(decision, _result(line, text, 1), text)

    def write(self, proposal: str | Sequence[str]) -> WriteRecord:
        line = proposal if isinstance(proposal, str) else " ".join(proposal)
        decision = self.gateway.check(line, "mitigation", writes_done=len(self.writes))
        if not decision.allowed:
            record = WriteRecord(
                len(self.writes) + 1, decision, output=f"refused: {decision.reason}"
            )
        else:
            record = WriteRecord(
                len(self.writes) + 1, decision, (), _result(line, "patched"), "patched"
            )
        self.writes.append(record)
        return record

    def check(self, line: str | Sequence[str]) -> Decision:
        return self.gateway.check(line, "mitigation")

    def read_tools(self, role: Role = "diagnosis", limits: Limits | None = None) -> ReadTools:
        return ReadTools(self, role, NS, limits=limits)

    def mitigation_tools(self, limits: Limits | None = None) -> MitigationTools:
        return MitigationTools(self.read_tools("mitigation", limits), self, self.check)


def _refused(decision: Decision, reason: str) -> Decision:
    return Decision(False, decision.role, decision.line, reason, "read-only", decision.effect)


def reference() -> Reference:
    workload = WorkloadBaseline(key=WorkloadKey("Deployment", NS, "cart"), replicas=2)
    return Reference(
        baseline=Baseline(captured_at=0.0, namespaces=(NS,), workloads=(workload,)),
        objects=(
            {
                "kind": "Service",
                "metadata": {"name": "cart", "namespace": NS},
                "spec": {"selector": {"app": "cart"}},
            },
        ),
    )


def severity(mu: float = 3.0) -> Severity:
    if mu == 0:
        return Severity(mu=0.0)
    alert = AlertPart(
        name="ServiceEndpointDown", severity="critical", labels={"service": "cart"}, weight=2
    )
    return Severity(mu=mu, alerts=(alert,), alert_score=2.0, capacity_score=1.0)


def detection() -> DetectionReport:
    return DetectionReport(
        incident=True,
        summary="cart has no endpoints",
        severity=3.0,
        symptoms=(Symptom(kind="alert", subject="ServiceEndpointDown", detail="cart"),),
        suspects=(Component(kind="Service", name="cart", namespace=NS),),
    )


def diagnosis() -> Diagnosis:
    return Diagnosis(
        summary="the cart Service selects app=cart-v2",
        category="service-routing",
        components=(Component(kind="Service", name="cart", namespace=NS),),
    )
