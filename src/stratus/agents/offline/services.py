"""Services against the pods they should reach: a selector that matches no pod, a
targetPort no container declares, a Service that is gone while callers look its name up.
The healthy state (when known) says what the Service looked like; otherwise the workload
whose name or labels match it does."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from stratus.agents.offline import actions
from stratus.agents.offline.common import component, hypothesis, troubled_workloads
from stratus.agents.offline.index import Obj, labels, name, spec
from stratus.agents.offline.situation import Situation
from stratus.agents.results import Hypothesis, ProposedAction

__all__ = ["analyze", "missing_names"]

_LOOKUP = re.compile(r"lookup ([A-Za-z0-9][A-Za-z0-9.-]*)[^\n]*no such host")


def analyze(sit: Situation) -> list[Hypothesis]:
    out: list[Hypothesis] = []
    for svc in sit.index.of("Service"):
        selector = spec(svc).get("selector") or {}
        if not selector:
            continue
        pods = sit.index.selected(selector)
        if not pods:
            found = _selector(sit, svc, selector)
            if found is not None:
                out.append(found)
        else:
            out += _ports(sit, svc, pods)
    out += _missing(sit)
    return out


def _selector(sit: Situation, svc: Obj, selector: Mapping[str, str]) -> Hypothesis | None:
    ns, sname = sit.namespace, name(svc)
    known = sit.reference.known("Service", sname)
    good = dict((spec(known).get("selector") or {}) if known else {})
    fixes: list[ProposedAction] = []
    evidence = [f"selector {_text(selector)} matches no pod"]
    target: Obj | None = None
    if good and good != dict(selector) and sit.index.selected(good):
        evidence.append(f"when healthy it selected {_text(good)}")
        fixes.append(actions.set_selector(ns, sname, good, "that selector picked its pods"))
        backing = sit.index.workloads_labelled(good)
        target = backing[0] if backing else None
    else:
        target, proposed = _closest(sit, sname, selector)
        if target is not None and proposed:
            evidence.append(f"{target.get('kind')}/{name(target)}'s pods carry {_text(proposed)}")
            why = f"{target.get('kind')}/{name(target)}'s pods are what it should reach"
            fixes.append(actions.set_selector(ns, sname, proposed, why))
    if target is not None and spec(target).get("replicas") == 0:
        return None  # nothing runs behind it: a capacity problem, found elsewhere
    if not fixes and not good:
        return None  # a Service with no backing workload at all: not evidence of a fault
    comps = [component("Service", sname, ns)]
    if target is not None:
        comps.append(component(str(target.get("kind")), name(target), ns))
    alerted = any(a.labels.get("endpoint") == sname for a in sit.alerts)
    return hypothesis(
        f"Service/{sname} selects no pod, so it has no endpoints",
        "service-routing",
        comps,
        0.9 if alerted else 0.7,
        evidence,
        fixes,
    )


def _closest(
    sit: Situation, service: str, selector: Mapping[str, str]
) -> tuple[Obj | None, dict[str, str]]:
    """The workload a Service most likely means, and the selector that would pick it:
    same label keys, and the workload or a label value named like the Service."""
    best: tuple[int, Obj | None, dict[str, str]] = (0, None, {})
    for workload in sit.index.workloads:
        have = _template_labels(workload)
        shared = {k: have[k] for k in selector if k in have}
        if len(shared) != len(selector):
            continue
        score = 2 * (name(workload) == service) + sum(v == service for v in shared.values())
        if score > best[0]:
            best = (score, workload, shared)
    return best[1], best[2]


def _ports(sit: Situation, svc: Obj, pods: list[Obj]) -> list[Hypothesis]:
    ns, sname = sit.namespace, name(svc)
    declared: dict[int, str] = {}
    for pod in pods:
        for c in (pod.get("spec") or {}).get("containers") or []:
            for p in c.get("ports") or []:
                if isinstance(p.get("containerPort"), int):
                    declared[p["containerPort"]] = str(p.get("name", ""))
    if not declared:
        return []
    known = sit.reference.known("Service", sname)
    known_ports = (spec(known).get("ports") or []) if known else []
    implicated = sname in {f.callee for f in sit.failures} | sit.failing_services()
    out = []
    for i, port in enumerate(spec(svc).get("ports") or []):
        target = port.get("targetPort", port.get("port"))
        if (isinstance(target, int) and target in declared) or (
            isinstance(target, str) and target in declared.values()
        ):
            continue
        good = known_ports[i].get("targetPort") if i < len(known_ports) else None
        if good is not None and good != target:
            fix, why = good, "its targetPort when healthy"
        elif not implicated:
            continue  # it served like this while healthy, or nothing calls it failing
        elif port.get("port") in declared:
            fix, why = port["port"], "the container declares the Service's own port"
        elif len(declared) == 1:
            fix, why = next(iter(declared)), "the only port its containers declare"
        else:
            continue
        out.append(
            hypothesis(
                f"Service/{sname} forwards to port {target}, which no container declares",
                "service-routing",
                [component("Service", sname, ns)],
                0.85,
                [f"containers declare {sorted(declared)}; targetPort is {target}"],
                [actions.set_target_port(ns, sname, i, fix, why)],
            )
        )
    return out


def _missing(sit: Situation) -> list[Hypothesis]:
    ns = sit.namespace
    present = {name(s) for s in sit.index.of("Service")}
    wanted = missing_names(sit) - present
    for was in sit.reference.of_kind("Service"):
        if name(was) not in present:
            wanted.add(name(was))
    out = []
    dns = missing_names(sit)
    for sname in sorted(wanted):
        known = sit.reference.known("Service", sname)
        selector = (spec(known).get("selector") or {}) if known else {}
        owners = sit.index.workloads_labelled(selector) if selector else []
        workload = (
            owners[0]
            if owners
            else next(
                (
                    w
                    for w in sit.index.workloads
                    if name(w) == sname or sname in _template_labels(w).values()
                ),
                None,
            )
        )
        if workload is None:
            continue
        port, target = _port_of(known, workload)
        if port is None or target is None:
            continue
        kind, wname = str(workload.get("kind")), name(workload)
        evidence = [f"no Service {sname} exists; {kind}/{wname} serves port {target}"]
        if sname in dns:
            evidence.append(f"callers fail to resolve {sname}: no such host")
        out.append(
            hypothesis(
                f"Service/{sname} is missing, so its name does not resolve",
                "service-routing",
                [component("Service", sname, ns), component(kind, wname, ns)],
                0.85 if known is not None or sname in dns else 0.4,
                evidence,
                [actions.expose(ns, kind, wname, sname, port, target, "callers need it")],
            )
        )
    return out


def missing_names(sit: Situation) -> set[str]:
    """Names callers failed to resolve (traces and crash logs)."""
    names = {f.callee for f in sit.failures if f.kind == "dns" and f.callee}
    for trouble in troubled_workloads(sit):
        for pod in trouble.pods[:1]:
            text = sit.log(name(pod), "", True) or sit.log(name(pod), "", False)
            names |= {m.group(1).split(".")[0] for m in _LOOKUP.finditer(text)}
    for failure in sit.failures[:3]:
        caller = sit.workload_of_service(failure.caller)
        for pod in sit.index.pods_of(caller)[:1] if caller is not None else []:
            names |= {
                m.group(1).split(".")[0] for m in _LOOKUP.finditer(sit.log(name(pod), "", False))
            }
    return names


def _port_of(known: Obj | None, workload: Obj) -> tuple[int | None, int | None]:
    if known is not None:
        ports = spec(known).get("ports") or []
        if ports and isinstance(ports[0].get("port"), int):
            target = ports[0].get("targetPort", ports[0]["port"])
            return int(ports[0]["port"]), int(target) if isinstance(target, int) else int(
                ports[0]["port"]
            )
    for c in (spec(workload).get("template") or {}).get("spec", {}).get("containers") or []:
        for p in c.get("ports") or []:
            if isinstance(p.get("containerPort"), int):
                return int(p["containerPort"]), int(p["containerPort"])
    return None, None


def _template_labels(workload: Mapping[str, Any]) -> dict[str, str]:
    return labels(spec(workload).get("template") or {})


def _text(selector: Mapping[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
