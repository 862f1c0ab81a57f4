"""Everything the offline analyzers look at, gathered once per diagnosis through the read
tools: the namespace's objects, nodes and volumes, firing alerts, per-service request rate,
errors and latency now and when healthy, the call graph from traces, and where failing
requests end (the deepest failing span and what its error says)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from stratus.agents.errors import ToolCallError
from stratus.agents.offline.index import Index, Obj, name, spec
from stratus.agents.reference import Reference
from stratus.agents.tools import ReadTools
from stratus.observe.errors import ObserveError
from stratus.observe.jaeger import Dependency, Trace
from stratus.observe.prometheus import Alert
from stratus.observe.sla import SpanMetrics

__all__ = ["NAMESPACE_KINDS", "CallFailure", "ServiceStats", "Situation", "gather"]

NAMESPACE_KINDS = (
    "pods,deployments,replicasets,statefulsets,daemonsets,services,endpoints,configmaps,"
    "secrets,events,networkpolicies,resourcequotas,persistentvolumeclaims"
)
_EXPERIMENTS = "podchaos,networkchaos"
_LOOKBACK = 180.0
_DIAL = re.compile(r"dial tcp (\d{1,3}(?:\.\d{1,3}){3}):(\d+)")
_LOOKUP = re.compile(r"lookup ([A-Za-z0-9][A-Za-z0-9.-]*)")


@dataclass(frozen=True)
class ServiceStats:
    rate: float
    error_ratio: float | None
    p95_ms: float | None


@dataclass(frozen=True)
class CallFailure:
    """Failing requests end in ``caller`` (its span is the deepest that failed) while it
    calls ``callee`` (a Service name, "" when the error does not say); ``kind`` is
    ``refused``, ``timeout``, ``dns`` or ``error``."""

    caller: str
    callee: str
    kind: str
    message: str
    count: int


@dataclass
class Situation:
    namespace: str
    now: float
    index: Index
    reference: Reference
    alerts: list[Alert] = field(default_factory=list)
    stats: dict[str, ServiceStats] = field(default_factory=dict)
    normal: dict[str, ServiceStats] = field(default_factory=dict)
    edges: list[Dependency] = field(default_factory=list)
    failures: list[CallFailure] = field(default_factory=list)
    experiments: list[Obj] = field(default_factory=list)
    log: Callable[[str, str, bool], str] = lambda pod, container, previous: ""
    incident_start: float = 0.0

    def failing_services(self) -> set[str]:
        """Services whose error ratio is at least 5% and 5 points above normal."""
        out = set()
        for svc, now in self.stats.items():
            base = (self.normal.get(svc) or ServiceStats(0, 0, None)).error_ratio or 0.0
            if now.error_ratio is not None and now.error_ratio >= max(0.05, base + 0.05):
                out.add(svc)
        return out

    def slow_services(self) -> set[str]:
        """Services whose p95 latency doubled (and grew by 100 ms) against normal."""
        out = set()
        for svc, now in self.stats.items():
            base = (self.normal.get(svc) or ServiceStats(0, None, None)).p95_ms
            if now.p95_ms is not None and base and now.p95_ms > max(2 * base, base + 100.0):
                out.add(svc)
        return out

    def callees(self, service: str) -> set[str]:
        return {e.child for e in self.edges if e.parent == service}

    def deepest(self, services: set[str]) -> list[str]:
        """Of ``services``, those none of whose callees is also in ``services``."""
        return sorted(s for s in services if not (self.callees(s) & services))

    def workload_of_service(self, service: str) -> Obj | None:
        """The workload behind a Service (by its selector), else one with the same name."""
        svc = self.index.get("Service", service)
        if svc is not None:
            found = self.index.workloads_labelled(spec(svc).get("selector") or {})
            if found:
                return found[0]
        return next((w for w in self.index.workloads if name(w) == service), None)


def gather(tools: ReadTools, reference: Reference) -> Situation:
    """Read the situation now. Missing telemetry (no Jaeger, no span metrics) leaves those
    parts empty rather than failing."""
    cluster = tools.objects("nodes,persistentvolumes", cluster=True)
    index = Index(
        tools.objects(NAMESPACE_KINDS),
        [o for o in cluster if o.get("kind") == "Node"],
        [o for o in cluster if o.get("kind") == "PersistentVolume"],
    )
    now = tools.now()
    scope = tools.namespace
    alerts = [
        a
        for a in tools.alert_list()
        if a.state == "firing"
        and a.namespace in (scope, None)
        and a.severity not in ("info", "none")
    ]
    started = [a.active_at.timestamp() for a in alerts if a.active_at is not None]
    start = min(started) if started else now
    normal_at = reference.baseline.captured_at
    if reference.source == "reconstructed" or normal_at >= start:
        normal_at = start - 300.0
    situation = Situation(
        namespace=scope,
        now=now,
        index=index,
        reference=reference,
        alerts=alerts,
        stats=_stats(tools, scope, None),
        normal=_stats(tools, scope, normal_at),
        incident_start=start,
        log=_logs(tools),
    )
    try:
        situation.edges = tools.dependencies()
    except ObserveError:
        situation.edges = []
    entry = [e.entrypoint.service for e in reference.baseline.entrypoints]
    situation.failures = _failures(tools, index, entry or sorted(situation.failing_services()))
    try:
        situation.experiments = tools.objects(_EXPERIMENTS)
    except ToolCallError:
        situation.experiments = []
    return situation


def _stats(tools: ReadTools, namespace: str, at: float | None) -> dict[str, ServiceStats]:
    m = SpanMetrics()
    match = f'{m.span_kind_label}="{m.server_span_kind}",{m.namespace_label}="{namespace}"'
    by = m.service_label
    failed = f'{match},{m.status_label}="{m.error_status}"'
    queries = {
        "rate": f"sum by ({by}) (rate({m.calls}{{{match}}}[2m]))",
        "errors": f"sum by ({by}) (rate({m.calls}{{{failed}}}[2m]))",
        "p95": f"histogram_quantile(0.95, sum by ({by}, le) "
        f"(rate({m.duration_bucket}{{{match}}}[2m])))",
    }
    values: dict[str, dict[str, float]] = {}
    try:
        for key, expr in queries.items():
            values[key] = {s.labels.get(by, ""): s.value for s in tools.samples(expr, at)}
    except ObserveError:
        return {}
    out = {}
    for svc, rate in values["rate"].items():
        errors = values["errors"].get(svc, 0.0)
        p95 = values["p95"].get(svc)
        out[svc] = ServiceStats(
            rate,
            errors / rate if rate > 0 else None,
            None if p95 is None or math.isnan(p95) else p95,
        )
    return out


def _failures(tools: ReadTools, index: Index, services: list[str]) -> list[CallFailure]:
    counts: Counter[tuple[str, str, str, str]] = Counter()
    for service in services[:3]:
        try:
            traces = tools.trace_list(service, _LOOKBACK, 20, errors_only=True)
        except ObserveError:
            continue
        for trace in traces:
            for caller, message in _deepest_errors(trace):
                callee, kind = _resolve(message, index)
                counts[(caller, callee, kind, _shorten(message))] += 1
    return [
        CallFailure(caller, callee, kind, message, count)
        for (caller, callee, kind, message), count in counts.most_common()
    ]


def _deepest_errors(trace: Trace) -> list[tuple[str, str]]:
    failed = [s for s in trace.spans if s.error]
    parents = {s.parent_id for s in failed}
    return [
        (s.service, str(s.tags.get("error.message") or s.tags.get("otel.status_description") or ""))
        for s in failed
        if s.span_id not in parents and s.tags.get("span.kind") != "client"
    ]


def _resolve(message: str, index: Index) -> tuple[str, str]:
    """(the Service a failed call went to, the kind of failure) from an error message."""
    lowered = message.lower()
    kind = "error"
    if "no such host" in lowered or "could not resolve" in lowered:
        kind = "dns"
    elif "refused" in lowered:
        kind = "refused"
    elif "deadline" in lowered or "timeout" in lowered or "timed out" in lowered:
        kind = "timeout"
    dial = _DIAL.search(message)
    if dial:
        svc = index.service_by_ip(dial.group(1))
        if svc is not None:
            return name(svc), kind
        pod = index.pod_by_ip(dial.group(1))
        owner = index.owner(pod) if pod is not None else None
        if owner is not None:
            return name(owner), kind
    lookup = _LOOKUP.search(message)
    if lookup:
        return lookup.group(1).split(".")[0], kind
    return "", kind


def _shorten(message: str) -> str:
    return message if len(message) <= 200 else message[:200] + "…"


def _logs(tools: ReadTools) -> Callable[[str, str, bool], str]:
    cache: dict[tuple[str, str, bool], str] = {}

    def read(pod: str, container: str, previous: bool) -> str:
        key = (pod, container, previous)
        if key not in cache:
            cache[key] = tools.log_text(pod, container, previous, tail=40)
        return cache[key]

    return read
