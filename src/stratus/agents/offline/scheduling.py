"""Pods the scheduler cannot place, and pods the API refuses to create: why (taints,
cordons, node selectors, affinity, resources, claims, quotas, from the scheduler's own
message), and what would let them run."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from stratus.agents.offline import actions
from stratus.agents.offline.changes import history
from stratus.agents.offline.common import component, hypothesis, troubled_workloads
from stratus.agents.offline.index import Obj, labels, name, spec
from stratus.agents.offline.situation import Situation
from stratus.agents.results import Hypothesis, ProposedAction

__all__ = ["analyze"]

_TAINT = re.compile(r"untolerated taint\(?s?\)? ?\{([^:}]+):? ?([^}]*)\}")
_CLAIM = re.compile(r'persistentvolumeclaim "([^"]+)" not found')
_QUOTA = re.compile(r"exceeded quota: ([^,]+), requested: ([^,]+), used: ([^,]+), limited: (\S+)")
_CONTROL_PLANE = "node-role.kubernetes.io/control-plane"


def analyze(sit: Situation) -> list[Hypothesis]:
    out: list[Hypothesis] = []
    for trouble in troubled_workloads(sit):
        pending = [p for p in trouble.pods if _unscheduled(p)]
        if pending:
            message = _why(sit, pending[0])
            out += _placement(sit, trouble.workload, message)
        elif not trouble.pods and trouble.available < trouble.desired:
            out += _quota(sit, trouble.workload)
    return out


def _unscheduled(pod: Mapping[str, Any]) -> bool:
    status = pod.get("status") or {}
    return status.get("phase") == "Pending" and not (pod.get("spec") or {}).get("nodeName")


def _why(sit: Situation, pod: Obj) -> str:
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "PodScheduled" and cond.get("status") == "False":
            return str(cond.get("message", ""))
    events = sit.index.pod_events(pod, "FailedScheduling")
    return str(events[-1].get("message", "")) if events else ""


def _placement(sit: Situation, workload: Obj, message: str) -> list[Hypothesis]:
    ns, kind, wname = sit.namespace, str(workload.get("kind")), name(workload)
    evidence, undo = history(sit, workload)
    comp = component(kind, wname, ns)
    found: list[Hypothesis] = []
    statement = f"{kind}/{wname} cannot be scheduled: {message[:200]}"
    workers = [n for n in sit.index.nodes if _CONTROL_PLANE not in labels(n)]
    keys = [m.group(1).strip() for m in _TAINT.finditer(message)]
    if "unschedulable" in message or "node.kubernetes.io/unschedulable" in keys:
        cordoned = [name(n) for n in workers if spec(n).get("unschedulable")]
        if cordoned:
            fix = actions.uncordon(cordoned, "every node that could run it is cordoned")
            found.append(
                _h(
                    statement,
                    comp,
                    [f"cordoned: {', '.join(cordoned)}"],
                    [fix, *undo],
                    0.85,
                    "scheduling",
                )
            )
    for key in keys:
        tainted = [
            (name(n), t)
            for n in workers
            for t in spec(n).get("taints") or []
            if t.get("key") == key
        ]
        if tainted and not key.startswith("node.kubernetes.io/"):
            effect = str(tainted[0][1].get("effect", "NoSchedule"))
            fix = actions.untaint(
                [n for n, _ in tainted], key, effect, f"no node tolerates the taint {key}"
            )
            where = ", ".join(n for n, _ in tainted)
            found.append(
                _h(statement, comp, [f"tainted {key}: {where}"], [fix, *undo], 0.8, "scheduling")
            )
    if "node affinity/selector" in message or "node selector" in message:
        found.append(
            _h(
                statement,
                comp,
                evidence,
                [*undo, *_drop(sit, workload, "nodeSelector")],
                0.8,
                "scheduling",
            )
        )
    if "anti-affinity" in message:
        found.append(
            _h(
                statement,
                comp,
                evidence,
                [*undo, *_drop(sit, workload, "affinity/podAntiAffinity")],
                0.8,
                "scheduling",
            )
        )
    if "Insufficient" in message:
        found.append(_h(statement, comp, evidence, undo, 0.75, "resources"))
    claim = _CLAIM.search(message)
    if claim:
        found.append(_h(statement, comp, evidence, undo, 0.8, "storage"))
    if "unbound immediate PersistentVolumeClaims" in message:
        found.append(_volumes(sit, workload, statement, evidence, undo))
    if not found:
        found.append(_h(statement, comp, evidence, undo, 0.5, "scheduling"))
    return found


def _h(
    statement: str,
    comp: Any,
    evidence: list[str],
    fixes: list[ProposedAction],
    confidence: float,
    category: Any,
) -> Hypothesis:
    return hypothesis(statement, category, [comp], confidence, evidence, fixes)


def _drop(sit: Situation, workload: Obj, field: str) -> list[ProposedAction]:
    """Remove a placement constraint of the pod template (when it has one)."""
    pod = (spec(workload).get("template") or {}).get("spec") or {}
    head, _, tail = field.partition("/")
    if head not in pod or (tail and tail not in (pod.get(head) or {})):
        return []
    kind, wname = str(workload.get("kind")), name(workload)
    ops = [{"op": "remove", "path": f"/spec/template/spec/{field}"}]
    return [
        actions.patch_json(
            sit.namespace,
            kind,
            wname,
            ops,
            f"drop {field} {kind}/{wname}",
            f"Drop the {field} constraint of {kind}/{wname}",
            "no node satisfies it, so its pods cannot run anywhere",
            "medium",
        )
    ]


def _volumes(
    sit: Situation, workload: Obj, statement: str, evidence: list[str], undo: list[ProposedAction]
) -> Hypothesis:
    """Claims stuck Pending because the volumes they should bind still name old claims."""
    pod = (spec(workload).get("template") or {}).get("spec") or {}
    claims = {
        str(v["persistentVolumeClaim"].get("claimName"))
        for v in pod.get("volumes") or []
        if v.get("persistentVolumeClaim")
    }
    stale = []
    for claim_name in sorted(claims):
        claim = sit.index.get("PersistentVolumeClaim", claim_name)
        if claim is None or (claim.get("status") or {}).get("phase") == "Bound":
            continue
        uid = (claim.get("metadata") or {}).get("uid")
        for pv in sit.index.volumes:
            ref = spec(pv).get("claimRef") or {}
            same = ref.get("namespace") == sit.namespace and ref.get("name") == claim_name
            if same and ref.get("uid") != uid and (pv.get("status") or {}).get("phase") != "Bound":
                stale.append(name(pv))
    fixes = list(undo)
    need = ""
    if stale:
        volumes = ", ".join(stale)
        fixes.append(actions.release_volumes(stale, "they still name claims that were deleted"))
        evidence = [*evidence, f"volumes {volumes} are Released but hold deleted claims"]
        need = (
            f"release the stale claims on {volumes} (kubectl patch pv NAME --type=json "
            """-p '[{"op":"remove","path":"/spec/claimRef"}]'); the default policy does not """
            "let STRATUS write PersistentVolumes"
        )
    return hypothesis(
        statement,
        "storage",
        [component(str(workload.get("kind")), name(workload), sit.namespace)],
        0.8,
        evidence,
        fixes,
        need,
    )


def _quota(sit: Situation, workload: Obj) -> list[Hypothesis]:
    """A ReplicaSet (or other controller) the API refuses to give pods: quota exceeded."""
    ns, kind, wname = sit.namespace, str(workload.get("kind")), name(workload)
    owned = (
        [workload] + [rs for _, rs in sit.index.revisions(workload)]
        if kind == "Deployment"
        else [workload]
    )
    for owner in owned:
        for ev in reversed(sit.index.events(str(owner.get("kind")), name(owner))):
            found = _QUOTA.search(str(ev.get("message", "")))
            if ev.get("reason") != "FailedCreate" or not found:
                continue
            quota, requested, used, limited = (g.strip() for g in found.groups())
            resource, _, need = requested.partition("=")
            fixes = []
            have = _number(used.partition("=")[2])
            ask = _number(need)
            if have is not None and ask is not None:
                value = _format(have + ask * 2, limited.partition("=")[2])
                fixes.append(
                    actions.raise_quota(
                        ns,
                        quota,
                        resource,
                        value,
                        f"the quota ({limited}) stops {wname} from running its pods",
                    )
                )
            if (
                sit.reference.known("ResourceQuota", quota) is None
                and sit.reference.source != "reconstructed"
            ):
                fixes.append(
                    actions.delete_object(
                        ns, "ResourceQuota", quota, "it did not exist while the system was healthy"
                    )
                )
            evidence = [str(ev.get("message", ""))[:300]]
            return [
                hypothesis(
                    f"ResourceQuota/{quota} stops {kind}/{wname} from creating pods",
                    "quota",
                    [component("ResourceQuota", quota, ns), component(kind, wname, ns)],
                    0.85,
                    evidence,
                    fixes,
                )
            ]
    return []


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _format(value: float, like: str) -> str:
    return str(int(value)) if like.isdigit() or value == int(value) else f"{value:g}"
