"""The four LLM-backed agents: each renders its context into the role's prompt, runs the
role's loop (``Runner``) and turns the model's answer into the typed result, adding what code
knows. When no proper answer comes, each falls back to what code alone can say, with a note.

What code decides, not the model:
- whether there is an incident (μ > 0 or a failing health check: a quiet system is never an
  incident, and then no model is asked);
- what a mitigation did (the writes the transaction recorded, not what the model claims);
- which action keys not to repeat (the plan of every attempt that did not resolve it).
"""

from __future__ import annotations

from stratus.agents.bounding import Limits
from stratus.agents.llm.answers import (
    ComponentAnswer,
    DetectionAnswer,
    DiagnosisAnswer,
    HypothesisAnswer,
    MitigationAnswer,
    ReflectionAnswer,
    action_key,
)
from stratus.agents.llm.prompts import LlmRole
from stratus.agents.llm.render import (
    render_attempt,
    render_attempts,
    render_baseline,
    render_detection,
    render_diagnosis,
    render_health,
    render_known_good,
    render_severity,
)
from stratus.agents.llm.runner import Runner
from stratus.agents.protocols import (
    Attempt,
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
)
from stratus.tnr.severity import Severity

__all__ = ["LLMDetector", "LLMDiagnoser", "LLMMitigator", "LLMReflector"]

# Context blocks (not tool results) may be longer than one observation.
CONTEXT_LIMITS = Limits(max_lines=200, max_chars=12000)


class _Agent:
    role: LlmRole

    def __init__(self, runner: Runner, limits: Limits = CONTEXT_LIMITS) -> None:
        self.runner = runner
        self.limits = limits

    def _prompt(self, retry: bool = False, **fields: str) -> str:
        prompt = self.runner.catalog.roles[self.role]
        text = prompt.render("user", **fields)
        if retry and prompt.retry:
            text += "\n" + prompt.render("retry", **fields)
        return text


class LLMDetector(_Agent):
    """Describes an incident the measurements show; starts a new incident's spend."""

    role: LlmRole = "detection"

    def detect(self, task: DetectInput) -> DetectionReport:
        self.runner.spend.start()
        severity = task.severity
        namespace = task.tools.namespace
        symptoms = _symptoms(severity, task.health)
        if severity.mu <= 0 and not task.health:
            return DetectionReport(
                incident=False,
                summary=f"nothing is wrong: {severity}, every health check passes",
                severity=severity.mu,
            )
        prompt = self._prompt(
            namespace=namespace,
            severity=render_severity(severity, self.limits),
            health=render_health(task.health, self.limits),
            baseline=render_baseline(task.reference, self.limits),
            max_steps=str(task.max_steps),
        )
        out = self.runner.run(
            "detection",
            DetectionAnswer,
            prompt,
            tools=task.tools,
            max_steps=task.max_steps,
            agent="detector",
            attempt=0,
        )
        answer = out.answer
        if answer is None:
            summary = (
                f"{severity}; {len(task.health)} health checks fail (no model answer: {out.note})"
            )
            return DetectionReport(
                incident=True,
                summary=summary,
                severity=severity.mu,
                symptoms=symptoms,
                usage=out.usage,
            )
        seen = {(s.kind, s.subject) for s in symptoms}
        extra = tuple(
            Symptom(kind=s.kind, subject=s.subject, detail=s.detail)
            for s in answer.symptoms
            if (s.kind, s.subject) not in seen
        )
        return DetectionReport(
            incident=True,
            summary=answer.summary,
            severity=severity.mu,
            symptoms=symptoms + extra,
            suspects=_components(answer.suspects, namespace),
            usage=out.usage,
        )


class LLMDiagnoser(_Agent):
    """Finds the root cause, starting from the call graph and the alerts."""

    role: LlmRole = "diagnosis"

    def diagnose(self, task: DiagnoseInput) -> Diagnosis:
        tools, namespace = task.tools, task.tools.namespace
        prompt = self._prompt(
            retry=bool(task.attempts),
            namespace=namespace,
            detection=render_detection(task.detection, self.limits),
            baseline=render_baseline(task.reference, self.limits),
            topology=str(tools.topology()),
            alerts=str(tools.alerts()),
            attempts=render_attempts(task.attempts, self.limits),
            max_steps=str(task.max_steps),
        )
        out = self.runner.run(
            "diagnosis",
            DiagnosisAnswer,
            prompt,
            tools=tools,
            max_steps=task.max_steps,
            agent="diagnoser",
            attempt=len(task.attempts) + 1,
        )
        answer = out.answer
        if answer is None:
            return Diagnosis(
                summary=f"no diagnosis: {out.note}",
                category="unknown",
                components=task.detection.suspects,
                evidence=tuple(f"{s.subject}: {s.detail}" for s in task.detection.symptoms),
                usage=out.usage,
            )
        return Diagnosis(
            summary=answer.summary,
            category=answer.category,
            components=_components(answer.components, namespace),
            evidence=tuple(answer.evidence),
            hypotheses=tuple(_hypothesis(h, namespace) for h in answer.hypotheses),
            usage=out.usage,
        )


class LLMMitigator(_Agent):
    """Acts on the diagnosis through the attempt's transaction; reports what actually ran."""

    role: LlmRole = "mitigation"

    def mitigate(self, task: MitigateInput) -> MitigationReport:
        tools, namespace = task.tools, task.tools.namespace
        involved = [
            *task.diagnosis.components,
            *(c for h in task.diagnosis.hypotheses for c in h.components),
            *task.detection.suspects,
        ]
        prompt = self._prompt(
            retry=bool(task.attempts),
            namespace=namespace,
            detection=render_detection(task.detection, self.limits),
            diagnosis=render_diagnosis(task.diagnosis, self.limits),
            known_good=render_known_good(task.reference, involved, self.limits),
            attempts=render_attempts(task.attempts, self.limits),
            max_steps=str(task.max_steps),
        )
        out = self.runner.run(
            "mitigation",
            MitigationAnswer,
            prompt,
            tools=tools,
            max_steps=task.max_steps,
            agent="mitigator",
            attempt=len(task.attempts) + 1,
            intent=f"acting on: {task.diagnosis.summary}",
        )
        answer: MitigationAnswer | None = out.answer
        writes = tuple(tools.outcomes)
        blocked = tuple(f"{w.line}: {w.refused}" for w in writes if w.refused)
        notes = [n for n in (out.note, "answered after the step budget" if out.forced else "") if n]
        if not writes:
            reason = answer.nothing_to_do if answer is not None else ""
            return MitigationReport(
                plan=None,
                note="; ".join([reason or "the model proposed no write", *notes]),
                usage=out.usage,
            )
        ran = [w.line for w in writes if w.ran]
        commands = tuple(ran or [w.line for w in writes])
        plan = Plan(
            key=action_key(commands),
            title=answer.title if answer is not None else f"{len(ran)} writes, no summary",
            commands=commands,
            rationale=answer.rationale if answer is not None else "",
            hypothesis=answer.hypothesis if answer is not None else task.diagnosis.summary,
        )
        return MitigationReport(
            plan=plan, writes=writes, blocked=blocked, note="; ".join(notes), usage=out.usage
        )


class LLMReflector(_Agent):
    """Explains a failed attempt for the next one; the undo itself was the kernel's."""

    role: LlmRole = "reflection"
    steps = 3

    def reflect(self, task: ReflectInput) -> Reflection:
        attempt = task.attempt
        avoid = tuple(
            a.mitigation.plan.key
            for a in (*task.earlier, attempt)
            if a.mitigation.plan is not None and a.outcome != "resolved"
        )
        prompt = self._prompt(
            namespace=_namespace(task),
            detection=render_detection(task.detection, self.limits),
            attempt=render_attempt(attempt, self.limits),
            earlier=render_attempts(task.earlier, self.limits),
        )
        out = self.runner.run(
            "reflection",
            ReflectionAnswer,
            prompt,
            tools=None,
            max_steps=self.steps,
            agent="reflector",
            attempt=attempt.number,
        )
        answer = out.answer
        if answer is None:
            return _plain_reflection(attempt, avoid, out.note).model_copy(
                update={"usage": out.usage}
            )
        return Reflection(
            attempt=attempt.number,
            worked=tuple(answer.worked),
            failed=tuple(answer.failed),
            lesson=answer.lesson,
            avoid=tuple(dict.fromkeys(avoid)),
            usage=out.usage,
        )


def _plain_reflection(attempt: Attempt, avoid: tuple[str, ...], note: str) -> Reflection:
    """What code alone can say about an attempt."""
    failed: list[str] = []
    tx = attempt.transaction
    if tx is not None:
        failed.append(f"transaction {tx.outcome}: {tx.reason}")
    if attempt.oracles is not None:
        failed += attempt.oracles.failing()
    failed += [f"refused: {b}" for b in attempt.mitigation.blocked]
    plan = attempt.mitigation.plan
    what = f"'{plan.title}'" if plan is not None else "no plan"
    return Reflection(
        attempt=attempt.number,
        failed=tuple(failed),
        lesson=f"attempt {attempt.number} ({what}) ended {attempt.outcome}; try another action"
        + (f" (no model reflection: {note})" if note else ""),
        avoid=tuple(dict.fromkeys(avoid)),
    )


def _namespace(task: ReflectInput) -> str:
    components = (*task.attempt.diagnosis.components, *task.detection.suspects)
    return next((c.namespace for c in components if c.namespace), "(unknown)")


def _symptoms(severity: Severity, health: tuple[str, ...]) -> tuple[Symptom, ...]:
    out = [
        Symptom(kind="alert", subject=a.name, detail=f"{a.severity} {a.labels}")
        for a in severity.alerts
    ]
    out += [
        Symptom(kind="sla", subject=str(v.entrypoint), detail=str(v))
        for v in severity.sla_violations
    ]
    out += [
        Symptom(kind="capacity", subject=c.subject, detail=f"lost {c.lost}: {c.reason}")
        for c in severity.capacity_loss
    ]
    out += [Symptom(kind="health", subject=h.split(":", 1)[0], detail=h) for h in health]
    return tuple(out)


def _components(answers: list[ComponentAnswer], namespace: str) -> tuple[Component, ...]:
    return tuple(dict.fromkeys(a.component(namespace) for a in answers))


def _hypothesis(h: HypothesisAnswer, namespace: str) -> Hypothesis:
    return Hypothesis(
        statement=h.statement,
        category=h.category,
        components=_components(h.components, namespace),
        confidence=h.confidence,
        evidence=tuple(h.evidence),
        actions=tuple(a.proposed() for a in h.actions),
        needs_human=h.needs_human,
    )
