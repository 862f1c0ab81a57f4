"""The call graph from traces: where failing requests end (the deepest failing span), which
service they were calling and how it failed, and which services got slow or started failing
first (those whose callees did not). Each becomes a hypothesis about the callee, with the
roll-back of its recent changes; a callee that changed nothing and still looks ready may be
wedged, and restarting it is the last resort."""

from __future__ import annotations

from stratus.agents.offline import actions
from stratus.agents.offline.changes import history
from stratus.agents.offline.common import component, hypothesis
from stratus.agents.offline.index import Obj, name
from stratus.agents.offline.situation import Situation
from stratus.agents.results import Component, Hypothesis, ProposedAction

__all__ = ["analyze"]


def analyze(sit: Situation) -> list[Hypothesis]:
    out: list[Hypothesis] = []
    covered: set[str] = set()
    for failure in sit.failures[:5]:
        callee = sit.workload_of_service(failure.callee) if failure.callee else None
        caller = sit.workload_of_service(failure.caller)
        covered |= {failure.caller, failure.callee}
        evidence = [f"{failure.count} failing traces end in {failure.caller}: {failure.message}"]
        comps = _components(sit, failure.callee, callee, caller)
        fixes: list[ProposedAction] = []
        if callee is not None:
            more, fixes = history(sit, callee)
            evidence += more
        target = failure.callee or "a dependency"
        out.append(
            hypothesis(
                f"requests fail where {failure.caller} calls {target} ({failure.kind})",
                "dependency",
                comps,
                0.5 + 0.1 * (failure.count >= 5) + 0.1 * bool(fixes),
                evidence,
                fixes,
            )
        )
        if callee is not None and not fixes and _ready(sit, callee):
            why = "it looks ready yet its callers fail; nothing about it changed"
            out.append(
                hypothesis(
                    f"{callee.get('kind')}/{name(callee)} may be wedged",
                    "dependency",
                    comps,
                    0.2,
                    evidence,
                    [actions.restart(sit.namespace, str(callee.get("kind")), name(callee), why)],
                )
            )
    for service in sit.deepest(sit.slow_services()):
        out += _degraded(sit, service, "slow", covered)
    for service in sit.deepest(sit.failing_services()):
        out += _degraded(sit, service, "failing", covered)
    return out


def _degraded(sit: Situation, service: str, how: str, covered: set[str]) -> list[Hypothesis]:
    if service in covered:
        return []
    now, normal = sit.stats.get(service), sit.normal.get(service)
    if now is None:
        return []
    if how == "slow":
        usual = (normal.p95_ms if normal else None) or 0.0
        detail = f"p95 {now.p95_ms or 0:.0f} ms, normally {usual:.0f} ms"
    else:
        detail = f"{(now.error_ratio or 0):.0%} of its requests fail"
    workload = sit.workload_of_service(service)
    evidence, fixes = history(sit, workload) if workload is not None else ([], [])
    return [
        hypothesis(
            f"{service} is {how} while the services it calls are not ({detail})",
            "dependency",
            _components(sit, service, workload, None),
            0.4 + 0.1 * bool(fixes),
            [detail, *evidence],
            fixes,
        )
    ]


def _components(
    sit: Situation, service: str, callee: Obj | None, caller: Obj | None
) -> list[Component]:
    out = []
    if service and sit.index.get("Service", service) is not None:
        out.append(component("Service", service, sit.namespace))
    for obj in (callee, caller):
        if obj is not None:
            out.append(component(str(obj.get("kind")), name(obj), sit.namespace))
    return out


def _ready(sit: Situation, workload: Obj) -> bool:
    pods = sit.index.pods_of(workload)
    return bool(pods) and all(
        any(
            c.get("type") == "Ready" and c.get("status") == "True"
            for c in (p.get("status") or {}).get("conditions") or []
        )
        for p in pods
    )
