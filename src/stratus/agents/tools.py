"""The agents' toolsets. Every read goes through the kernel's gateway with the agent's role
(so detection and diagnosis cannot write, whatever they ask), every write through the open
transaction, and every observation handed to a model is bounded and says what was cut.

Two faces over the same reads: text tools for models (``kubectl``, ``promql``, ``alerts``,
``traces``, ``logs``, ``events``, ``topology``; described for them in ``data/toolsets.yaml``)
and structured reads for the offline policy (``objects``, ``alert_list``, ``samples``...).
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from stratus.agents.bounding import Limits, Observation, bound
from stratus.agents.errors import ToolCallError
from stratus.agents.results import WriteOutcome
from stratus.observe.clock import WALL_CLOCK, Clock
from stratus.observe.errors import ObserveError
from stratus.observe.jaeger import Dependency, JaegerClient, Trace
from stratus.observe.prometheus import Alert, PrometheusClient, Sample
from stratus.tnr.gateway import Decision, Role
from stratus.tnr.transaction import ReadResult, WriteRecord

__all__ = ["MitigationTools", "ReadTools", "Reader", "Writer"]

_MAX_WAIT = 300.0


class Reader(Protocol):
    """What reads need of the kernel: ``stratus.tnr.transaction.Kernel`` is one."""

    def read(self, proposal: str | Sequence[str], role: Role = ...) -> ReadResult: ...


class Writer(Protocol):
    """What writes need of a transaction: ``stratus.tnr.transaction.Transaction`` is one."""

    def write(self, proposal: str | Sequence[str]) -> WriteRecord: ...


class ReadTools:
    """Read-only tools for one role in one namespace. ``calls`` counts tool calls."""

    def __init__(
        self,
        reader: Reader,
        role: Role,
        namespace: str,
        *,
        prometheus: PrometheusClient | None = None,
        jaeger: JaegerClient | None = None,
        limits: Limits | None = None,
        clock: Clock = WALL_CLOCK,
    ) -> None:
        self.reader = reader
        self.role: Role = role
        self.namespace = namespace
        self.prometheus = prometheus
        self.jaeger = jaeger
        self.limits = limits or Limits()
        self.clock = clock
        self.calls = 0

    # -- tools for models: bounded text -------------------------------------------------

    def kubectl(self, command: str) -> Observation:
        """Run a read-only kubectl command line through the gateway."""
        result = self._read(command)
        ok = result.result is not None and result.result.ok
        return bound("kubectl", result.output, self.limits, error=not ok, hint=_KUBECTL_HINT)

    def promql(self, query: str) -> Observation:
        """An instant PromQL query; one line per series."""
        try:
            samples = self.samples(query)
        except ObserveError as exc:
            return bound("promql", f"error: {exc}", self.limits, error=True)
        lines = [f"{_labels(s.labels)} {s.value:g}" for s in samples] or ["(no series)"]
        return bound("promql", "\n".join(lines), self.limits, hint="aggregate with sum by (...)")

    def alerts(self) -> Observation:
        """Pending and firing alerts, one per line."""
        try:
            alerts = self.alert_list()
        except ObserveError as exc:
            return bound("alerts", f"error: {exc}", self.limits, error=True)
        lines = [
            f"{a.state:<7} {a.severity or '-':<8} {a.name} {_labels(_subject(a))}" for a in alerts
        ]
        return bound("alerts", "\n".join(lines) or "(no alerts)", self.limits)

    def traces(
        self,
        service: str,
        lookback_seconds: float = 300.0,
        errors_only: bool = True,
        limit: int = 10,
    ) -> Observation:
        """Recent traces through ``service``: each with its root, duration and failing spans."""
        try:
            traces = self.trace_list(service, lookback_seconds, limit, errors_only)
        except ObserveError as exc:
            return bound("traces", f"error: {exc}", self.limits, error=True)
        return bound("traces", "\n".join(map(_trace_text, traces)) or "(no traces)", self.limits)

    def logs(
        self, pod: str, container: str = "", previous: bool = False, tail: int = 100
    ) -> Observation:
        """The last ``tail`` lines of a pod's container (``previous``: before its restart)."""
        text = self.log_text(pod, container, previous, tail)
        return bound("logs", text or "(no log lines)", self.limits, hint="lower tail")

    def events(self, involved: str = "", warnings_only: bool = True) -> Observation:
        """Events in the namespace, oldest first; ``involved`` narrows to one object's name."""
        selectors = [s for s in ("type=Warning" if warnings_only else "",) if s]
        if involved:
            selectors.append(f"involvedObject.name={involved}")
        words = ["kubectl", "get", "events", "-n", self.namespace, "--sort-by=.lastTimestamp"]
        if selectors:
            words.append(f"--field-selector={','.join(selectors)}")
        return self.kubectl(shlex.join(words))

    def topology(self) -> Observation:
        """The service call graph from traces: ``caller -> callee (calls)``."""
        try:
            edges = self.dependencies()
        except ObserveError as exc:
            return bound("topology", f"error: {exc}", self.limits, error=True)
        lines = [f"{d.parent} -> {d.child} ({d.call_count})" for d in edges]
        return bound("topology", "\n".join(lines) or "(no traces recorded)", self.limits)

    # -- structured reads, through the same gateway --------------------------------------

    def objects(
        self, kinds: str, *, namespace: str | None = None, cluster: bool = False
    ) -> list[dict[str, Any]]:
        """Objects of the comma-separated ``kinds`` (``kubectl get KINDS -o json``), in the
        namespace (or cluster-scoped ones with ``cluster``). Raises ``ToolCallError`` when
        the gateway refuses or kubectl fails."""
        words = ["kubectl", "get", kinds, "-o", "json"]
        if not cluster:
            words[3:3] = ["-n", namespace or self.namespace]
        result = self._read(shlex.join(words))
        if result.result is None or not result.result.ok:
            raise ToolCallError("kubectl", result.output.strip()[:300] or "kubectl failed")
        try:
            items = json.loads(result.output).get("items") or []
        except (json.JSONDecodeError, AttributeError) as exc:
            raise ToolCallError("kubectl", f"unreadable JSON from kubectl: {exc}") from exc
        return [i for i in items if isinstance(i, dict)]

    def log_text(
        self, pod: str, container: str = "", previous: bool = False, tail: int = 100
    ) -> str:
        words = ["kubectl", "logs", pod, "-n", self.namespace, f"--tail={max(1, min(tail, 1000))}"]
        if container:
            words += ["-c", container]
        if previous:
            words.append("--previous")
        result = self._read(shlex.join(words))
        return result.output if result.result is not None and result.result.ok else ""

    def alert_list(self) -> list[Alert]:
        self.calls += 1
        return self._prometheus().alerts()

    def samples(self, expr: str, time: float | None = None) -> list[Sample]:
        self.calls += 1
        return self._prometheus().query(expr, time)

    def now(self) -> float:
        """The monitoring server's clock (unix seconds), the time events and alerts carry."""
        value = self._prometheus().scalar("time()")
        if value is None:
            raise ObserveError("the monitoring server did not answer time()")
        return value

    def dependencies(self, lookback: float = 3600.0) -> list[Dependency]:
        self.calls += 1
        return [] if self.jaeger is None else self.jaeger.dependencies(lookback)

    def trace_list(
        self, service: str, lookback: float = 300.0, limit: int = 10, errors_only: bool = True
    ) -> list[Trace]:
        self.calls += 1
        if self.jaeger is None:
            return []
        tags = {"error": "true"} if errors_only else None
        return self.jaeger.traces(
            service, lookback=lookback, limit=max(1, min(limit, 50)), tags=tags
        )

    # -- plumbing -----------------------------------------------------------------------

    def _read(self, line: str) -> ReadResult:
        self.calls += 1
        return self.reader.read(line, self.role)

    def _prometheus(self) -> PrometheusClient:
        if self.prometheus is None:
            raise ObserveError("no Prometheus-compatible endpoint is configured")
        return self.prometheus


class MitigationTools(ReadTools):
    """The mitigation role's tools: every read tool, plus ``write`` (through the open
    transaction), ``check`` (would the gateway allow it?) and ``wait``."""

    def __init__(
        self,
        reads: ReadTools,
        writer: Writer,
        checker: Callable[[str | Sequence[str]], Decision],
    ) -> None:
        super().__init__(
            reads.reader,
            "mitigation",
            reads.namespace,
            prometheus=reads.prometheus,
            jaeger=reads.jaeger,
            limits=reads.limits,
            clock=reads.clock,
        )
        self.writer = writer
        self.checker = checker
        self.outcomes: list[WriteOutcome] = []
        self.on_plan: Callable[[str, Sequence[str]], None] | None = None
        self.announced = False

    def announce(self, title: str, commands: Sequence[str] = ()) -> None:
        """Say what the attempt is about to do, before its first write (for progress)."""
        self.announced = True
        if self.on_plan is not None:
            self.on_plan(title, commands)

    def write(self, command: str) -> Observation:
        """Run one write through the transaction (gateway, policy, dry run, checkpoint)."""
        outcome = self.write_outcome(command)
        text = outcome.output if outcome.ran else f"refused: {outcome.refused}"
        return bound("write", text or "(no output)", self.limits, error=not outcome.ok)

    def write_outcome(self, command: str | Sequence[str]) -> WriteOutcome:
        """``command`` as a line (what a model writes; the gateway reads it with a shell
        grammar) or as an argv (no shell involved: what the offline policy builds)."""
        self.calls += 1
        record = self.writer.write(command)
        outcome = WriteOutcome(
            line=command if isinstance(command, str) else shlex.join(command),
            ran=record.ran,
            exit_code=None if record.result is None else record.result.exit_code,
            output=str(bound("write", record.output, self.limits)),
            refused="" if record.decision.allowed else record.decision.reason,
        )
        self.outcomes.append(outcome)
        return outcome

    def check(self, command: str | Sequence[str]) -> Decision:
        """What the gateway would say to ``command`` (nothing runs)."""
        return self.checker(command)

    def wait(self, seconds: float) -> Observation:
        """Let the system settle for up to 300 seconds."""
        seconds = max(0.0, min(float(seconds), _MAX_WAIT))
        self.calls += 1
        self.clock.sleep(seconds)
        return Observation("wait", f"waited {seconds:g} s")


_KUBECTL_HINT = "narrow it: -l selector, a single resource, --tail, -o name"
_SUBJECT_LABELS = (
    "namespace",
    "pod",
    "deployment",
    "statefulset",
    "service_name",
    "endpoint",
    "node",
    "container",
)


def _subject(alert: Alert) -> dict[str, str]:
    return {k: alert.labels[k] for k in _SUBJECT_LABELS if alert.labels.get(k)}


def _labels(labels: dict[str, str]) -> str:
    inner = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    return f"{{{inner}}}"


def _trace_text(trace: Trace) -> str:
    root = trace.root
    head = f"trace {trace.trace_id[:16]}"
    if root is not None:
        head += f" {root.service} {root.operation} {root.duration_us / 1000:.1f} ms"
    failing = [s for s in trace.spans if s.error]
    parts = [head + (" ERROR" if failing else "")]
    for span in failing[:6]:
        message = str(span.tags.get("error.message", ""))[:160]
        parts.append(f"  ✗ {span.service} {span.operation}: {message}")
    return "\n".join(parts)
