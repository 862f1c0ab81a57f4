"""What the agents hand a model as context, as bounded text: severity, the reference, the
detection, a diagnosis, earlier attempts with their outcomes and reflections, and the
known-good objects of the components involved. Each block is cut to the observation limits
and says what was cut."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence

from stratus.agents.bounding import Limits, bound
from stratus.agents.protocols import Attempt
from stratus.agents.reference import Reference
from stratus.agents.results import Component, DetectionReport, Diagnosis
from stratus.tnr.severity import Severity

__all__ = [
    "render_attempt",
    "render_attempts",
    "render_baseline",
    "render_detection",
    "render_diagnosis",
    "render_health",
    "render_known_good",
    "render_severity",
]


def render_severity(severity: Severity, limits: Limits) -> str:
    lines = [str(severity)]
    lines += [
        f"- alert {a.name} ({a.severity}, weight {a.weight:g}) {_labels(a.labels)}"
        for a in severity.alerts
    ]
    lines += [f"- SLA: {v}" for v in severity.sla_violations]
    lines += [f"- capacity: {c.subject} lost {c.lost} ({c.reason})" for c in severity.capacity_loss]
    return _cut("severity", lines, limits)


def render_health(health: Sequence[str], limits: Limits) -> str:
    return _cut("health", [f"- {h}" for h in health] or ["(all pass)"], limits)


def render_baseline(reference: Reference, limits: Limits) -> str:
    b = reference.baseline
    lines = [f"source: {reference.source}"]
    lines += [f"- {w.key}: {w.replicas} replicas" for w in b.workloads]
    for e in b.entrypoints:
        rate = "?" if e.rate is None else f"{e.rate:.2f} req/s"
        p95 = "?" if e.p95_ms is None else f"p95 {e.p95_ms:.0f} ms"
        lines.append(f"- entrypoint {e.entrypoint}: {rate}, {p95}")
    if b.nodes is not None:
        lines.append(f"- {len(b.nodes)} ready nodes")
    return _cut("baseline", lines, limits)


def render_detection(detection: DetectionReport, limits: Limits) -> str:
    lines = [detection.summary, f"μ at detection: {_mu(detection.severity)}"]
    lines += [f"- {s.kind}: {s.subject}: {s.detail}" for s in detection.symptoms]
    if detection.suspects:
        lines.append("suspects: " + ", ".join(map(str, detection.suspects)))
    return _cut("detection", lines, limits)


def render_diagnosis(diagnosis: Diagnosis, limits: Limits) -> str:
    lines = [f"{diagnosis.summary} (category: {diagnosis.category})"]
    if diagnosis.components:
        lines.append("faulty components: " + ", ".join(map(str, diagnosis.components)))
    lines += [f"- evidence: {e}" for e in diagnosis.evidence]
    for rank, h in enumerate(diagnosis.hypotheses, 1):
        lines.append(
            f"hypothesis {rank} ({h.category}, confidence {h.confidence:.2f}): {h.statement}"
        )
        lines += [f"  evidence: {e}" for e in h.evidence]
        for action in h.actions:
            lines.append(f"  action [{action.key}] {action.title} (risk {action.risk}):")
            lines += [f"    {c}" for c in action.commands]
        if h.needs_human:
            lines.append(f"  needs a person: {h.needs_human}")
    return _cut("diagnosis", lines, limits)


def render_attempt(attempt: Attempt, limits: Limits) -> str:
    return _cut("attempt", _attempt_lines(attempt), limits)


def render_attempts(attempts: Sequence[Attempt], limits: Limits) -> str:
    if not attempts:
        return "(none: this is the first attempt)"
    lines: list[str] = []
    for attempt in attempts:
        lines += _attempt_lines(attempt)
    return _cut("attempts", lines, limits)


def render_known_good(reference: Reference, components: Iterable[Component], limits: Limits) -> str:
    wanted = {(c.kind.lower(), c.name) for c in components}
    found = [
        o
        for o in reference.objects
        if (str(o.get("kind", "")).lower(), (o.get("metadata") or {}).get("name")) in wanted
    ]
    if not found:
        return "(no known-good copy of these components)"
    text = "\n".join(json.dumps({k: o.get(k) for k in ("kind", "metadata", "spec")}) for o in found)
    return str(bound("known_good", text, limits))


def _attempt_lines(attempt: Attempt) -> list[str]:
    d, m = attempt.diagnosis, attempt.mitigation
    lines = [
        f"attempt {attempt.number}: {attempt.outcome}",
        f"  diagnosis ({d.category}): {d.summary}",
    ]
    if m.plan is not None:
        lines.append(f"  plan [{m.plan.key}]: {m.plan.title}")
    for w in m.writes:
        verdict = (
            "ran" if w.ok else (f"refused: {w.refused}" if not w.ran else f"failed: {w.output}")
        )
        lines.append(f"  write `{w.line}`: {verdict}")
    if m.note:
        lines.append(f"  note: {m.note}")
    tx = attempt.transaction
    if tx is not None:
        lines.append(
            f"  transaction {tx.outcome}: μ {_mu(tx.mu_pre)} → {_mu(tx.mu_post)} ({tx.reason})"
        )
    if attempt.oracles is not None:
        lines.append(f"  oracles: {'pass' if attempt.oracles.passed else 'fail'}")
        lines += [f"    {f}" for f in attempt.oracles.failing()]
    r = attempt.reflection
    if r is not None:
        lines += [f"  worked: {w}" for w in r.worked]
        lines += [f"  did not work: {f}" for f in r.failed]
        if r.lesson:
            lines.append(f"  lesson: {r.lesson}")
        if r.avoid:
            lines.append(f"  do not repeat: {', '.join(r.avoid)}")
    return lines


def _cut(tool: str, lines: list[str], limits: Limits) -> str:
    return str(bound(tool, "\n".join(lines), limits))


def _labels(labels: dict[str, str]) -> str:
    return "{" + ", ".join(f"{k}={v}" for k, v in sorted(labels.items())) + "}"


def _mu(value: float) -> str:
    return "∞" if math.isinf(value) else f"{value:g}"
