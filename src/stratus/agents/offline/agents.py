"""The offline policy: a rule-based detector, diagnoser, mitigator and reflector with the
same interfaces as LLM-backed agents. It reads only what any cluster exposes, through the
same gateway, and tries generic remediations one transaction at a time, best first."""

from __future__ import annotations

import math
import shlex
from collections.abc import Callable

from stratus.agents.offline import callgraph, changes, network, scheduling, services, workloads
from stratus.agents.offline.common import troubled_workloads
from stratus.agents.offline.situation import Situation, gather
from stratus.agents.protocols import (
    AgentSet,
    DetectInput,
    DiagnoseInput,
    MitigateInput,
    ReflectInput,
)
from stratus.agents.results import (
    Component,
    DetectionReport,
    Diagnosis,
    Hypothesis,
    MitigationReport,
    Plan,
    Reflection,
    Symptom,
    Usage,
)

__all__ = [
    "ANALYZERS",
    "OfflineDetector",
    "OfflineDiagnoser",
    "OfflineMitigator",
    "OfflineReflector",
    "offline_agents",
]

Analyzer = Callable[[Situation], list[Hypothesis]]
ANALYZERS: tuple[tuple[str, Analyzer], ...] = (
    ("workloads", workloads.analyze),
    ("scheduling", scheduling.analyze),
    ("services", services.analyze),
    ("network", network.analyze),
    ("changes", changes.analyze),
    ("callgraph", callgraph.analyze),
)
_SUSPECT_BOOST = 0.15
_UNRELATED_PENALTY = 0.2
_SUBJECT_LABELS = ("deployment", "statefulset", "daemonset", "endpoint", "service_name")


def offline_agents() -> AgentSet:
    return AgentSet(
        model="offline",
        detector=OfflineDetector(),
        diagnoser=OfflineDiagnoser(),
        mitigator=OfflineMitigator(),
        reflector=OfflineReflector(),
    )


class OfflineDetector:
    """An incident when μ > 0 (a firing alert, an SLA violation, lost capacity), the system
    crashed, or a health check fails."""

    def detect(self, task: DetectInput) -> DetectionReport:
        sev = task.severity
        symptoms = [
            *(
                Symptom(kind="alert", subject=_subject(a.labels), detail=f"{a.name} ({a.severity})")
                for a in sev.alerts
            ),
            *(
                Symptom(kind="sla", subject=str(v.entrypoint), detail=str(v))
                for v in sev.sla_violations
            ),
            *(
                Symptom(kind="capacity", subject=c.subject, detail=c.reason)
                for c in sev.capacity_loss
            ),
            *(Symptom(kind="health", subject="oracle", detail=h) for h in task.health),
        ]
        incident = sev.crashed or sev.mu > 0 or bool(task.health)
        mu = "∞" if math.isinf(sev.mu) else f"{sev.mu:g}"
        if not incident:
            summary = f"healthy: μ = {mu}, every health check passes"
        else:
            alerts = sorted({a.name for a in sev.alerts})
            parts = [f"μ = {mu}"]
            if alerts:
                parts.append(f"{len(sev.alerts)} alerts firing ({', '.join(alerts[:5])})")
            if sev.sla_violations:
                parts.append("; ".join(map(str, sev.sla_violations[:2])))
            if sev.capacity_loss:
                parts.append(
                    f"capacity lost on {', '.join(c.subject for c in sev.capacity_loss[:3])}"
                )
            if sev.crashed:
                parts.append(f"crashed: {sev.crash_reason}")
            summary = "incident: " + "; ".join(parts)
        suspects = {
            Component(kind=key, name=a.labels[key], namespace=a.labels.get("namespace", ""))
            for a in sev.alerts
            for key in _SUBJECT_LABELS
            if a.labels.get(key)
        }
        return DetectionReport(
            incident=incident,
            summary=summary,
            severity=sev.mu,
            symptoms=tuple(symptoms),
            suspects=tuple(sorted(suspects, key=str)),
            usage=Usage(steps=1),
        )


class OfflineDiagnoser:
    """Runs every analyzer over the situation; hypotheses about what the symptoms point at
    (alerts, unready workloads, failing calls) rank higher."""

    def diagnose(self, task: DiagnoseInput) -> Diagnosis:
        sit = gather(task.tools, task.reference)
        found: list[Hypothesis] = []
        notes: list[str] = []
        for label, analyzer in ANALYZERS:
            try:
                found += analyzer(sit)
            except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
                notes.append(f"the {label} analyzer could not read the objects: {exc!r}")
        suspects = _suspects(sit, task)
        ranked = _rank(found, suspects)
        usage = Usage(steps=1, tool_calls=task.tools.calls)
        if not ranked:
            return Diagnosis(
                summary="no cause found in what the cluster exposes",
                category="unknown",
                evidence=tuple(notes),
                usage=usage,
            )
        top = ranked[0]
        components: list[Component] = []
        for h in ranked[:3]:
            components += [c for c in h.components if c not in components]
        return Diagnosis(
            summary=top.statement,
            category=top.category,
            components=tuple(components),
            evidence=(*top.evidence, *notes),
            hypotheses=tuple(ranked),
            usage=usage,
        )


class OfflineMitigator:
    """Takes the best untried action the gateway would allow and runs it in the open
    transaction; actions the policy refuses are reported, never forced."""

    def mitigate(self, task: MitigateInput) -> MitigationReport:
        tried = set()
        for attempt in task.attempts:
            if attempt.mitigation.plan is not None:
                tried.add(attempt.mitigation.plan.key)
            if attempt.reflection is not None:
                tried |= set(attempt.reflection.avoid)
        blocked: list[str] = []
        tools = task.tools
        for h in task.diagnosis.hypotheses:
            for action in h.actions:
                if action.key in tried:
                    continue
                tried.add(action.key)
                argvs = [shlex.split(line) for line in action.commands]
                refused = [d.reason for d in map(tools.check, argvs) if not d.allowed]
                if refused:
                    blocked.append(f"{action.title}: {refused[0][:200]}")
                    continue
                tools.announce(action.title, action.commands)
                for argv in argvs:
                    if not tools.write_outcome(argv).ok:
                        break
                plan = Plan(
                    key=action.key,
                    title=action.title,
                    commands=action.commands,
                    rationale=action.rationale,
                    hypothesis=h.statement,
                )
                return MitigationReport(
                    plan=plan,
                    writes=tuple(tools.outcomes),
                    blocked=tuple(blocked),
                    usage=Usage(steps=1, tool_calls=tools.calls),
                )
        return MitigationReport(
            plan=None,
            blocked=tuple(blocked),
            note="no untried action is left",
            usage=Usage(steps=1, tool_calls=tools.calls),
        )


class OfflineReflector:
    """What the attempt did to μ and the oracles, and not to repeat its action."""

    def reflect(self, task: ReflectInput) -> Reflection:
        a = task.attempt
        plan, tx = a.mitigation.plan, a.transaction
        title = plan.title if plan is not None else "nothing"
        worked: list[str] = []
        failed: list[str] = []
        if tx is not None:
            change = f"μ {_mu(tx.mu_pre)} → {_mu(tx.mu_post)}"
            if a.outcome == "undone":
                failed.append(f"{title}: {change}, so it was undone")
                lesson = f"'{title}' made things worse; try another cause"
            elif a.outcome == "kept-unsolved":
                worked.append(f"{title}: kept ({change})")
                failed += a.oracles.failing() if a.oracles is not None else []
                lesson = (
                    f"'{title}' helped or did no harm but did not solve it; look at what remains"
                )
            else:
                failed += [
                    f"{w.line}: {w.refused or w.output or 'failed'}"
                    for w in a.mitigation.writes
                    if not w.ok
                ]
                lesson = f"'{title}' did not run; try another action"
        else:
            lesson = "no action was left to try"
        return Reflection(
            attempt=a.number,
            worked=tuple(worked),
            failed=tuple(failed),
            lesson=lesson,
            avoid=(plan.key,) if plan is not None else (),
            usage=Usage(steps=1),
        )


def _suspects(sit: Situation, task: DiagnoseInput) -> set[str]:
    names = {c.name for c in task.detection.suspects}
    for alert in sit.alerts:
        pod = sit.index.get("Pod", alert.labels.get("pod", ""))
        owner = sit.index.owner(pod) if pod is not None else None
        if owner is not None:
            names.add(str((owner.get("metadata") or {}).get("name")))
    for f in sit.failures:
        names |= {f.caller, f.callee}
    names |= set(sit.deepest(sit.failing_services())) | set(sit.deepest(sit.slow_services()))
    for t in troubled_workloads(sit):
        names.add(t.name)
    names.discard("")
    return names


def _rank(found: list[Hypothesis], suspects: set[str]) -> list[Hypothesis]:
    unique: dict[str, Hypothesis] = {}
    for h in found:
        implicated = any(c.name in suspects for c in h.components)
        boost = _SUSPECT_BOOST if implicated else -_UNRELATED_PENALTY
        scored = h.model_copy(update={"confidence": max(0.0, min(1.0, h.confidence + boost))})
        if h.statement not in unique or unique[h.statement].confidence < scored.confidence:
            unique[h.statement] = scored
    return sorted(unique.values(), key=lambda h: (-h.confidence, -len(h.actions)))


def _subject(labels: dict[str, str]) -> str:
    for key in ("pod", *_SUBJECT_LABELS, "node"):
        if labels.get(key):
            return f"{key} {labels[key]}"
    return labels.get("namespace", "")


def _mu(value: float) -> str:
    return "∞" if math.isinf(value) else f"{value:g}"
