"""The scheduler: binds pending pods to nodes that fit them, or says why none does.

Filters (in the order a real scheduler reports them): cordoned nodes, untolerated taints,
node selector and required node affinity, resource requests against allocatable, required pod
(anti-)affinity, and unbound claims. Among fitting nodes it prefers the one with fewest pods of
the same owner, then the least allocated.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from stratus.sim.api import WriteOptions
from stratus.sim.controllers.base import Controller, ControllerEnv, update_status
from stratus.sim.controllers.conditions import set_condition
from stratus.sim.kinds.quantity import parse_quantity
from stratus.sim.store import Change, Obj, ObjectKey, selector_from_object

__all__ = ["Scheduler", "pod_requests", "tolerates"]

_RETRY_SECONDS = 30.0
_HOSTNAME = "kubernetes.io/hostname"
# pods that request nothing still count this much when nodes are scored (not when filtered)
_DEFAULT_CPU = 0.1
_DEFAULT_MEMORY = float(200 * 2**20)


def _q(value: Any) -> float:
    if value is None:
        return 0.0
    try:
        return float(parse_quantity(value))
    except ValueError:
        return 0.0


def pod_requests(pod: Obj) -> tuple[float, float]:
    """CPU cores and memory bytes a pod requests (the largest init container counts too)."""
    spec = pod.get("spec") or {}

    def total(containers: list[dict[str, Any]], name: str) -> float:
        return sum(
            _q(((c.get("resources") or {}).get("requests") or {}).get(name)) for c in containers
        )

    containers = spec.get("containers") or []
    inits = spec.get("initContainers") or []
    cpu = max([total(containers, "cpu"), *(total([c], "cpu") for c in inits)])
    mem = max([total(containers, "memory"), *(total([c], "memory") for c in inits)])
    return cpu, mem


def tolerates(tolerations: list[dict[str, Any]], taint: dict[str, Any]) -> bool:
    for tol in tolerations:
        if tol.get("effect") and tol.get("effect") != taint.get("effect"):
            continue
        op = tol.get("operator", "Equal")
        if op == "Exists":
            if not tol.get("key") or tol.get("key") == taint.get("key"):
                return True
        elif tol.get("key") == taint.get("key") and tol.get("value", "") == taint.get("value", ""):
            return True
    return False


@dataclass
class _Node:
    """What the scheduler needs of a node, parsed once per run."""

    name: str
    labels: dict[str, str]
    taints: list[dict[str, Any]]
    unschedulable: bool
    cpu: float
    memory: float
    max_pods: int
    # what is placed on it
    used_cpu: float = 0.0
    used_memory: float = 0.0
    scored_cpu: float = 0.0
    scored_memory: float = 0.0
    pods: int = 0
    pod_labels: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    owners: Counter[str] = field(default_factory=Counter)

    @classmethod
    def of(cls, node: Obj) -> _Node:
        spec, status = node.get("spec") or {}, node.get("status") or {}
        allocatable = status.get("allocatable") or {}
        return cls(
            name=node["metadata"]["name"],
            labels=node["metadata"].get("labels") or {},
            taints=[
                t
                for t in spec.get("taints") or []
                if t.get("effect") in ("NoSchedule", "NoExecute")
            ],
            unschedulable=bool(spec.get("unschedulable")),
            cpu=_q(allocatable.get("cpu")),
            memory=_q(allocatable.get("memory")),
            max_pods=int(_q(allocatable.get("pods", "110"))),
        )

    def place(self, pod: Obj) -> None:
        cpu, mem = pod_requests(pod)
        self.used_cpu += cpu
        self.used_memory += mem
        self.scored_cpu += cpu or _DEFAULT_CPU
        self.scored_memory += mem or _DEFAULT_MEMORY
        self.pods += 1
        self.pod_labels.append(
            (pod["metadata"].get("namespace", ""), pod["metadata"].get("labels") or {})
        )
        for ref in pod["metadata"].get("ownerReferences") or []:
            self.owners[ref.get("uid", "")] += 1


class Scheduler(Controller):
    name = "default-scheduler"
    resource = "pods"

    def __init__(self, env: ControllerEnv) -> None:
        super().__init__(env)
        self._waiting: set[ObjectKey] = set()  # pods no node fitted last time
        self._capacity_changed = False
        self._retry_armed = False
        self._nodes: list[_Node] = []
        self._static: dict[str, list[tuple[_Node, str]]] = {}

    # -- queueing ------------------------------------------------------------------------

    def observe(self, change: Change) -> None:
        if change.resource == "pods":
            pod = change.new
            key = ("pods", pod["metadata"]["namespace"], pod["metadata"]["name"])
            bound_before = change.old is not None and (change.old.get("spec") or {}).get("nodeName")
            if change.type == "DELETED":
                self._waiting.discard(key)
                self._capacity_changed = self._capacity_changed or bool(bound_before)
            elif not (pod.get("spec") or {}).get("nodeName") and not pod["metadata"].get(
                "deletionTimestamp"
            ):
                self.enqueue(key)
            elif bound_before and pod["metadata"].get("deletionTimestamp"):
                self._capacity_changed = True
        elif change.resource in ("nodes", "persistentvolumeclaims"):
            self._capacity_changed = True

    @property
    def pending(self) -> bool:
        return super().pending or (self._capacity_changed and bool(self._waiting))

    def enqueue_all(self) -> None:
        for pod in self.env.store.iter("pods"):
            if not (pod.get("spec") or {}).get("nodeName") and not pod["metadata"].get(
                "deletionTimestamp"
            ):
                self.enqueue(("pods", pod["metadata"]["namespace"], pod["metadata"]["name"]))

    def run(self) -> int:
        if self._capacity_changed:
            self._capacity_changed = False
            for key in sorted(self._waiting):
                self.enqueue(key)
        if not super().pending:
            return 0
        self._nodes = sorted(
            (_Node.of(n) for n in self.env.store.iter("nodes")), key=lambda n: n.name
        )
        by_name = {n.name: n for n in self._nodes}
        for pod in self.env.store.iter("pods"):
            node = by_name.get((pod.get("spec") or {}).get("nodeName") or "")
            if node is not None and (pod.get("status") or {}).get("phase") not in (
                "Succeeded",
                "Failed",
            ):
                node.place(pod)
        self._static = {}
        return super().run()

    # -- binding -------------------------------------------------------------------------

    def sync(self, key: ObjectKey) -> None:
        pod = self.get(key)
        if (
            pod is None
            or (pod.get("spec") or {}).get("nodeName")
            or pod["metadata"].get("deletionTimestamp")
        ):
            self._waiting.discard(key)
            return
        if (pod.get("spec") or {}).get("schedulerName", "default-scheduler") != self.name:
            return
        node, why = self._choose(pod)
        if node is None:
            self._waiting.add(key)
            self._unschedulable(pod, why)
            return
        self._waiting.discard(key)
        ns, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
        self.env.api.subresources.bind(
            ns, name, {"target": {"kind": "Node", "name": node.name}}, WriteOptions()
        )
        node.place(pod)
        bound = self.env.store.get("pods", ns, name)
        if bound is not None:
            status = dict(bound.get("status") or {})
            status["conditions"] = set_condition(
                status.get("conditions") or [],
                {
                    "type": "PodScheduled",
                    "status": "True",
                    "lastProbeTime": None,
                    "lastTransitionTime": self.env.clock.timestamp(),
                },
            )
            update_status(self.env.store, bound, status)
        self.env.events.record(
            pod,
            "Normal",
            "Scheduled",
            f"Successfully assigned {ns}/{name} to {node.name}",
            component=self.name,
        )

    # -- placement -----------------------------------------------------------------------

    def _choose(self, pod: Obj) -> tuple[_Node | None, str]:
        total = len(self._nodes)
        tail = (
            f"preemption: 0/{total} nodes are available: {total} Preemption is not helpful "
            "for scheduling."
        )
        claims_problem = self._claims_problem(pod)
        if claims_problem:
            return None, f"0/{total} nodes are available: {claims_problem}. {tail}"
        reasons: Counter[str] = Counter()
        best: tuple[tuple[float, ...], _Node] | None = None
        cpu, mem = pod_requests(pod)
        owners = [ref.get("uid", "") for ref in pod["metadata"].get("ownerReferences") or []]
        affinity = (pod.get("spec") or {}).get("affinity") or {}
        anti = (affinity.get("podAntiAffinity") or {}).get(
            "requiredDuringSchedulingIgnoredDuringExecution"
        ) or []
        required = (affinity.get("podAffinity") or {}).get(
            "requiredDuringSchedulingIgnoredDuringExecution"
        ) or []
        for node, static_reason in self._static_fit(pod):
            if static_reason:
                reasons[static_reason] += 1
                continue
            problems = []
            if cpu and node.used_cpu + cpu > node.cpu:
                problems.append("Insufficient cpu")
            if mem and node.used_memory + mem > node.memory:
                problems.append("Insufficient memory")
            if node.pods + 1 > node.max_pods:
                problems.append("Too many pods")
            if not problems and any(self._term_matches(pod, t, node) for t in anti):
                problems.append("node(s) didn't match pod anti-affinity rules")
            if not problems and not all(self._term_matches(pod, t, node) for t in required):
                problems.append("node(s) didn't match pod affinity rules")
            if problems:
                for problem in problems:
                    reasons[problem] += 1
                continue
            share = max(
                (node.scored_cpu + (cpu or _DEFAULT_CPU)) / max(node.cpu, 0.001),
                (node.scored_memory + (mem or _DEFAULT_MEMORY)) / max(node.memory, 1.0),
            )
            score = (float(sum(node.owners[uid] for uid in owners)), share, float(node.pods))
            if best is None or score < best[0]:
                best = (score, node)
        if best is not None:
            return best[1], ""
        detail = ", ".join(sorted(f"{count} {reason}" for reason, count in reasons.items()))
        return None, f"0/{total} nodes are available: {detail}. {tail}"

    def _static_fit(self, pod: Obj) -> list[tuple[_Node, str]]:
        """Per node, the reason the pod's spec alone rules it out ("" if none); computed once
        per run for each distinct set of placement constraints."""
        spec = pod.get("spec") or {}
        cache_key = repr((spec.get("nodeSelector"), spec.get("affinity"), spec.get("tolerations")))
        cached = self._static.get(cache_key)
        if cached is not None:
            return cached
        tolerations = spec.get("tolerations") or []
        out = []
        for node in self._nodes:
            reason = ""
            if node.unschedulable and not tolerates(
                tolerations, {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}
            ):
                reason = "node(s) were unschedulable"
            else:
                for taint in node.taints:
                    if not tolerates(tolerations, taint):
                        reason = (
                            f"node(s) had untolerated taint {{{taint.get('key')}: "
                            f"{taint.get('value', '')}}}"
                        )
                        break
            if not reason and not _matches_node_selector(spec, node.labels, node.name):
                reason = "node(s) didn't match Pod's node affinity/selector"
            out.append((node, reason))
        self._static[cache_key] = out
        return out

    def _claims_problem(self, pod: Obj) -> str:
        namespace = pod["metadata"]["namespace"]
        for volume in (pod.get("spec") or {}).get("volumes") or []:
            claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
            if not claim:
                continue
            pvc = self.env.store.get("persistentvolumeclaims", namespace, claim)
            if pvc is None:
                return f'persistentvolumeclaim "{claim}" not found'
            if pvc["metadata"].get("deletionTimestamp"):
                return f'persistentvolumeclaim "{claim}" is being deleted'
            if (pvc.get("status") or {}).get("phase") != "Bound":
                return "pod has unbound immediate PersistentVolumeClaims"
        return ""

    def _term_matches(self, pod: Obj, term: dict[str, Any], node: _Node) -> bool:
        """Whether some pod in ``node``'s topology domain matches the affinity term."""
        key = term.get("topologyKey", _HOSTNAME)
        domain = node.labels.get(key)
        if domain is None:
            return False
        selector = selector_from_object(term.get("labelSelector"))
        namespaces = set(term.get("namespaces") or [pod["metadata"]["namespace"]])
        return any(
            namespace in namespaces and selector.matches(labels)
            for other in self._nodes
            if other.labels.get(key) == domain
            for namespace, labels in other.pod_labels
        )

    def _unschedulable(self, pod: Obj, why: str) -> None:
        status = dict(pod.get("status") or {})
        before = status.get("conditions")
        status["conditions"] = set_condition(
            status.get("conditions") or [],
            {
                "type": "PodScheduled",
                "status": "False",
                "lastProbeTime": None,
                "lastTransitionTime": self.env.clock.timestamp(),
                "reason": "Unschedulable",
                "message": why,
            },
        )
        if before != status["conditions"]:
            update_status(self.env.store, pod, status)
        self.env.events.record(pod, "Warning", "FailedScheduling", why, component=self.name)
        if not self._retry_armed:
            self._retry_armed = True

            def retry() -> None:
                self._retry_armed = False
                self._capacity_changed = True

            self.env.clock.call_later(_RETRY_SECONDS, retry)


def _matches_node_selector(spec: dict[str, Any], labels: dict[str, str], name: str) -> bool:
    for key, value in (spec.get("nodeSelector") or {}).items():
        if labels.get(key) != value:
            return False
    required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    )
    if not required:
        return True
    return any(
        _term_matches_node(term, labels, name) for term in required.get("nodeSelectorTerms") or []
    )


def _term_matches_node(term: dict[str, Any], labels: dict[str, str], name: str) -> bool:
    expressions = term.get("matchExpressions") or []
    fields = term.get("matchFields") or []
    if not expressions and not fields:
        return False
    for expr in expressions:
        if not _requirement(expr, labels.get(expr.get("key", ""))):
            return False
    for expr in fields:
        value = name if expr.get("key") == "metadata.name" else None
        if not _requirement(expr, value):
            return False
    return True


def _requirement(expr: dict[str, Any], value: str | None) -> bool:
    op, values = expr.get("operator"), expr.get("values") or []
    if op == "In":
        return value is not None and value in values
    if op == "NotIn":
        return value is None or value not in values
    if op == "Exists":
        return value is not None
    if op == "DoesNotExist":
        return value is None
    if op in ("Gt", "Lt") and value is not None and values:
        try:
            have, want = int(value), int(values[0])
        except ValueError:
            return False
        return have > want if op == "Gt" else have < want
    return False
