"""Grading: detection against whether a fault was injected (false positives on no-fault
problems), localization and analysis against the ground truth, mitigation by the oracle.

The ``Judge`` reads the cluster through the same public endpoints as the agent, with its own
clients, and its own baseline taken while the app was healthy (before the fault), so removing
or scaling away a workload never passes the health oracle."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from stratus.bench.checks import run_checks
from stratus.bench.problem import Problem
from stratus.bench.stage import Endpoints
from stratus.kube.client import KubeClient
from stratus.observe.baseline import Baseline, capture_baseline
from stratus.observe.cluster import ClusterObserver
from stratus.observe.prometheus import PrometheusClient
from stratus.oracles import AlertsOracle, HealthOracle, RequestsOracle
from stratus.oracles.report import OracleResult
from stratus.tnr.severity import SeverityMeter

__all__ = ["Answer", "Grade", "Judge", "component_matches", "grade"]

_FROZEN = ConfigDict(frozen=True, extra="forbid")
_POD_KINDS = ("Pod", "ReplicaSet", "pod", "pods", "replicaset")


class Answer(BaseModel):
    """What an agent answered: an incident or not (detection), the faulty components root
    cause first (``Kind/name`` or ``name``; localization), a root-cause category (analysis)."""

    model_config = _FROZEN
    incident: bool | None = None
    components: tuple[str, ...] = ()
    category: str | None = None
    summary: str = ""


class Grade(BaseModel):
    model_config = _FROZEN
    success: bool
    reason: str
    false_positive: bool | None = None
    component_match: bool | None = None
    category_match: bool | None = None
    oracles: dict[str, tuple[bool, tuple[str, ...]]] = {}


class Judge:
    """The grader's view of one problem's cluster. Call ``capture_baseline`` while healthy."""

    def __init__(self, endpoints: Endpoints) -> None:
        self.endpoints = endpoints
        self.client = KubeClient.from_kubeconfig(endpoints.kubeconfig)
        self.prometheus = PrometheusClient(endpoints.prometheus)
        self.cluster = ClusterObserver(self.client, [endpoints.namespace])
        self.meter = SeverityMeter(self.prometheus, self.cluster)
        self.baseline: Baseline | None = None

    def capture_baseline(self) -> Baseline:
        self.baseline = capture_baseline(self.prometheus, self.cluster, self.endpoints.entrypoints)
        return self.baseline

    def mu(self) -> float:
        """Severity now against the healthy baseline (the grader's, not the agent's)."""
        return self.meter.measure(self._baseline()).mu

    def mitigated(self, problem: Problem) -> list[OracleResult]:
        """Wait the oracle's ``settle``, then check the kernel's oracles the problem names and
        its declarative checks; if all pass, keep checking alerts for ``window`` seconds,
        then everything else once more."""
        spec, clock = problem.doc.oracle, self.endpoints.clock
        if spec.settle > 0:
            clock.sleep(spec.settle)
        results = self._once(problem)
        if not all(r.passed for r in results) or spec.window <= 0:
            return results
        alerts = AlertsOracle(self.prometheus, self.cluster.namespaces)
        sustained = alerts.sustained(clock, spec.window, 15.0) if "alerts" in spec.kernel else None
        again = [r for r in self._once(problem) if r.name != "alerts"]
        return ([sustained] if sustained is not None else []) + again

    def _once(self, problem: Problem) -> list[OracleResult]:
        spec, baseline = problem.doc.oracle, self._baseline()
        out: list[OracleResult] = []
        if "alerts" in spec.kernel:
            out.append(AlertsOracle(self.prometheus, self.cluster.namespaces).check())
        if "requests" in spec.kernel:
            out.append(RequestsOracle(self.prometheus).check(baseline))
        if "health" in spec.kernel:
            out.append(HealthOracle(self.cluster).check(baseline))
        out += run_checks(spec.checks, self.client, problem.namespace)
        return out

    def _baseline(self) -> Baseline:
        if self.baseline is None:
            raise RuntimeError("the judge has no baseline: call capture_baseline first")
        return self.baseline

    def close(self) -> None:
        self.client.close()
        self.prometheus.close()


def component_matches(answer: str, truth: Sequence[str]) -> bool:
    """``Deployment/geo``, ``geo`` or a pod of it (``Pod/geo-5d8c7-x2x9q``) match ``geo``."""
    kind, sep, name = answer.strip().rpartition("/")
    name = name.strip().lower()
    for wanted in (t.lower() for t in truth):
        if name == wanted or (sep and kind in _POD_KINDS and name.startswith(wanted + "-")):
            return True
    return False


def grade(problem: Problem, answer: Answer, oracles: Sequence[OracleResult] = ()) -> Grade:
    """Grade ``answer`` (and, for mitigation, the ``oracles`` the judge ran)."""
    truth = problem.components
    top = bool(answer.components) and component_matches(answer.components[0], truth)
    gt = problem.doc.ground_truth
    accepted: set[str] = {c for c in (gt.category, *gt.accept) if c is not None}
    category = None if answer.category is None or not accepted else answer.category in accepted
    task = problem.task
    if task == "detection":
        right = answer.incident is not None and answer.incident == problem.has_fault
        said = {None: "no answer", True: "incident", False: "no incident"}[answer.incident]
        expected = "a fault" if problem.has_fault else "no fault"
        return Grade(
            success=right,
            reason=f"answered {said}; there was {expected}",
            false_positive=None if problem.has_fault else bool(answer.incident),
        )
    if task == "localization":
        named = answer.components[0] if answer.components else "nothing"
        return Grade(
            success=top,
            reason=f"named {named} first; the faulty components are {', '.join(truth)}",
            component_match=top,
            category_match=category,
        )
    if task == "analysis":
        return Grade(
            success=bool(category),
            reason=f"category {answer.category or 'none'}; accepted {', '.join(sorted(accepted))}",
            component_match=top if truth else None,
            category_match=category,
        )
    passed = bool(oracles) and all(r.passed for r in oracles)
    failing = [str(r) for r in oracles if not r.passed]
    return Grade(
        success=passed,
        reason="every oracle passes" if passed else "; ".join(failing) or "not judged",
        component_match=top if answer.components else None,
        category_match=category,
        oracles={r.name: (r.passed, tuple(r.reasons)) for r in oracles},
    )
