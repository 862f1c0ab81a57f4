"""Network policies that cut a service off from its callers, and chaos experiments running
against the namespace (evidence only: ending someone's experiment is a person's call)."""

from __future__ import annotations

from stratus.agents.offline import actions
from stratus.agents.offline.common import component, hypothesis
from stratus.agents.offline.index import name, spec
from stratus.agents.offline.situation import Situation
from stratus.agents.results import Component, Hypothesis

__all__ = ["analyze"]


def analyze(sit: Situation) -> list[Hypothesis]:
    return [*_policies(sit), *_experiments(sit)]


def _policies(sit: Situation) -> list[Hypothesis]:
    ns, out = sit.namespace, []
    called = {e.child for e in sit.edges}
    timeouts = {f.callee for f in sit.failures if f.kind == "timeout"}
    for policy in sit.index.of("NetworkPolicy"):
        s = spec(policy)
        types = s.get("policyTypes") or ["Ingress"]
        if "Ingress" not in types:
            continue
        selector = (s.get("podSelector") or {}).get("matchLabels") or {}
        pods = sit.index.selected(selector) if selector else sit.index.of("Pod")
        owners = {name(o): o for p in pods if (o := sit.index.owner(p)) is not None}
        services = {name(svc) for o in owners.values() for svc in sit.index.services_for(o)}
        deny_all = not s.get("ingress")
        cut = services & called
        if not cut or not (deny_all or cut & timeouts):
            continue
        new = sit.reference.source == "observed-healthy" and not sit.reference.known(
            "NetworkPolicy", name(policy)
        )
        what = "denies all ingress" if deny_all else "restricts ingress"
        evidence = [f"it selects the pods of {', '.join(sorted(owners))}"]
        if cut & timeouts:
            evidence.append(f"calls to {', '.join(sorted(cut & timeouts))} time out")
        if new:
            evidence.append("it did not exist while the system was healthy")
        out.append(
            hypothesis(
                f"NetworkPolicy/{name(policy)} {what} to {', '.join(sorted(cut))}",
                "network-policy",
                [
                    component("NetworkPolicy", name(policy), ns),
                    *(component("Service", c, ns) for c in sorted(cut)),
                ],
                0.5 + 0.25 * bool(cut & timeouts) + 0.15 * new + 0.05 * deny_all,
                evidence,
                [
                    actions.delete_object(
                        ns,
                        "NetworkPolicy",
                        name(policy),
                        "its callers cannot reach the pods it isolates",
                    )
                ],
            )
        )
    return out


def _experiments(sit: Situation) -> list[Hypothesis]:
    out = []
    for exp in sit.experiments:
        kind, ename = str(exp.get("kind")), name(exp)
        s = spec(exp)
        target = (s.get("selector") or {}).get("labelSelectors") or {}
        what = f"{s.get('action', '?')} on pods labelled " + ",".join(
            f"{k}={v}" for k, v in target.items()
        )
        out.append(
            hypothesis(
                f"Chaos experiment {kind}/{ename} is running: {what}",
                "chaos-experiment",
                # the faulty components are the workloads under the experiment; the
                # experiment itself is the cause, named after them
                [*_targets(sit, target), component(kind, ename, sit.namespace)],
                0.6,
                [f"{kind}/{ename}: {what}"],
                (),
                f"a chaos experiment ({kind}/{ename}) is degrading the service on purpose: end it "
                f"if it is not intended (kubectl delete {kind.lower()} {ename} -n {sit.namespace})",
            )
        )
    return out


def _targets(sit: Situation, selector: dict[str, str]) -> list[Component]:
    owners = {name(o): o for p in sit.index.selected(selector) if (o := sit.index.owner(p))}
    return [component(str(o.get("kind")), n, sit.namespace) for n, o in sorted(owners.items())]
