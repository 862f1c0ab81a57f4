"""The scheduler: binds pending pods to nodes that fit them, or says why none does."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from stratus.sim.api import WriteOptions
from stratus.sim.controllers.base import Controller, update_status
from stratus.sim.controllers.conditions import set_condition
from stratus.sim.kinds.quantity import parse_quantity
from stratus.sim.store import Change, Obj, ObjectKey, selector_from_object

__all__ = ["Scheduler", "pod_requests", "tolerates"]

_RETRY_SECONDS = 30.0
# pods that request nothing still count this much when nodes are scored (not when filtered)
_DEFAULT_CPU = Decimal("0.1")
_DEFAULT_MEMORY = Decimal(200 * 2**20)
_HOSTNAME = "kubernetes.io/hostname"


def pod_requests(pod: Obj) -> tuple[Decimal, Decimal]:
    """CPU cores and memory bytes a pod requests (the largest init container counts too)."""
    spec = pod.get("spec") or {}

    def total(containers: list[dict[str, Any]], name: str) -> Decimal:
        return sum(
            (_q(((c.get("resources") or {}).get("requests") or {}).get(name)) for c in containers),
            Decimal(0),
        )

    containers = spec.get("containers") or []
    inits = spec.get("initContainers") or []
    cpu = max(total(containers, "cpu"), max((total([c], "cpu") for c in inits), default=Decimal(0)))
    mem = max(
        total(containers, "memory"), max((total([c], "memory") for c in inits), default=Decimal(0))
    )
    return cpu, mem


def _q(value: Any) -> Decimal:
    if value is None:
        return Decimal(0)
    try:
        return parse_quantity(value)
    except ValueError:
        return Decimal(0)


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
class _NodeUse:
    cpu: Decimal = Decimal(0)
    memory: Decimal = Decimal(0)
    pods: int = 0
    scored_cpu: Decimal = Decimal(0)  # requests with the scheduler's non-zero defaults
    scored_memory: Decimal = Decimal(0)
    labels_of_pods: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    owners: Counter[str] = field(default_factory=Counter)


class Scheduler(Controller):
    name = "default-scheduler"
    resources = ("pods",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._retry_armed = False

    def observe(self, change: Change) -> None:
        if change.resource == "pods":
            pod = change.new
            if (
                change.type != "DELETED"
                and not (pod.get("spec") or {}).get("nodeName")
                and not pod["metadata"].get("deletionTimestamp")
            ):
                self.enqueue(("pods", pod["metadata"]["namespace"], pod["metadata"]["name"]))
            elif change.type == "DELETED" or (
                change.old is not None and (change.old.get("spec") or {}).get("nodeName")
            ):
                self._requeue_unschedulable()
        elif change.resource in ("nodes", "persistentvolumeclaims"):
            self._requeue_unschedulable()

    def _requeue_unschedulable(self) -> None:
        for pod in self.env.store.iter("pods"):
            if not (pod.get("spec") or {}).get("nodeName") and not pod["metadata"].get(
                "deletionTimestamp"
            ):
                self.enqueue(("pods", pod["metadata"]["namespace"], pod["metadata"]["name"]))

    def run(self) -> int:
        if not self.pending:
            return 0
        self._use = self._node_use()
        self._nodes = sorted(self.env.store.iter("nodes"), key=lambda n: n["metadata"]["name"])
        return super().run()

    def sync(self, key: ObjectKey) -> None:
        pod = self.get(key)
        if (
            pod is None
            or (pod.get("spec") or {}).get("nodeName")
            or pod["metadata"].get("deletionTimestamp")
        ):
            return
        if (pod.get("spec") or {}).get("schedulerName", "default-scheduler") != self.name:
            return
        node, why = self._choose(pod)
        if node is None:
            self._unschedulable(pod, why)
            return
        ns, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
        self.env.api.subresources.bind(
            ns, name, {"target": {"kind": "Node", "name": node}}, WriteOptions()
        )
        self._account(node, pod)
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
            f"Successfully assigned {ns}/{name} to {node}",
            component=self.name,
        )

    # -- placement -----------------------------------------------------------------------

    def _node_use(self) -> dict[str, _NodeUse]:
        use: dict[str, _NodeUse] = {}
        for pod in self.env.store.iter("pods"):
            node = (pod.get("spec") or {}).get("nodeName")
            if not node or (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                continue
            self._account(node, pod, use)
        return use

    def _account(self, node: str, pod: Obj, use: dict[str, _NodeUse] | None = None) -> None:
        table = self._use if use is None else use
        entry = table.setdefault(node, _NodeUse())
        cpu, mem = pod_requests(pod)
        entry.cpu += cpu
        entry.memory += mem
        entry.scored_cpu += cpu or _DEFAULT_CPU
        entry.scored_memory += mem or _DEFAULT_MEMORY
        entry.pods += 1
        entry.labels_of_pods.append(
            (pod["metadata"].get("namespace", ""), pod["metadata"].get("labels") or {})
        )
        for ref in pod["metadata"].get("ownerReferences") or []:
            entry.owners[ref.get("uid", "")] += 1

    def _choose(self, pod: Obj) -> tuple[str | None, str]:
        claims_problem = self._claims_problem(pod)
        if claims_problem:
            return None, (
                f"0/{len(self._nodes)} nodes are available: {claims_problem}. "
                f"preemption: 0/{len(self._nodes)} nodes are available: "
                f"{len(self._nodes)} Preemption is not helpful for scheduling."
            )
        reasons: Counter[str] = Counter()
        fits: list[tuple[tuple[Any, ...], str]] = []
        cpu, mem = pod_requests(pod)
        owner_uids = [ref.get("uid", "") for ref in pod["metadata"].get("ownerReferences") or []]
        for node in self._nodes:
            why = self._misfit(pod, node, cpu, mem)
            if why:
                for reason in why:
                    reasons[reason] += 1
                continue
            name = node["metadata"]["name"]
            use = self._use.get(name, _NodeUse())
            allocatable = (node.get("status") or {}).get("allocatable") or {}
            cpu_share = (use.scored_cpu + (cpu or _DEFAULT_CPU)) / max(
                _q(allocatable.get("cpu")), Decimal("0.001")
            )
            mem_share = (use.scored_memory + (mem or _DEFAULT_MEMORY)) / max(
                _q(allocatable.get("memory")), Decimal(1)
            )
            spread = sum(use.owners[uid] for uid in owner_uids)
            fits.append(((spread, max(cpu_share, mem_share), use.pods, name), name))
        if fits:
            return min(fits)[1], ""
        total = len(self._nodes)
        detail = ", ".join(sorted(f"{count} {reason}" for reason, count in reasons.items()))
        return None, (
            f"0/{total} nodes are available: {detail}. preemption: 0/{total} nodes are "
            f"available: {total} Preemption is not helpful for scheduling."
        )

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

    def _misfit(self, pod: Obj, node: Obj, cpu: Decimal, mem: Decimal) -> list[str]:
        spec = pod.get("spec") or {}
        node_spec, status = node.get("spec") or {}, node.get("status") or {}
        labels = node["metadata"].get("labels") or {}
        if node_spec.get("unschedulable") and not tolerates(
            spec.get("tolerations") or [],
            {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"},
        ):
            return ["node(s) were unschedulable"]
        for taint in node_spec.get("taints") or []:
            if taint.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(
                spec.get("tolerations") or [], taint
            ):
                return [
                    f"node(s) had untolerated taint {{{taint.get('key')}: "
                    f"{taint.get('value', '')}}}"
                ]
        if not _matches_node_selector(spec, labels, node["metadata"]["name"]):
            return ["node(s) didn't match Pod's node affinity/selector"]
        use = self._use.get(node["metadata"]["name"], _NodeUse())
        allocatable = status.get("allocatable") or {}
        problems = []
        if cpu and use.cpu + cpu > _q(allocatable.get("cpu")):
            problems.append("Insufficient cpu")
        if mem and use.memory + mem > _q(allocatable.get("memory")):
            problems.append("Insufficient memory")
        if use.pods + 1 > int(_q(allocatable.get("pods", "110"))):
            problems.append("Too many pods")
        if problems:
            return problems
        affinity = spec.get("affinity") or {}
        anti = (affinity.get("podAntiAffinity") or {}).get(
            "requiredDuringSchedulingIgnoredDuringExecution"
        ) or []
        if any(self._term_matches(pod, term, node) for term in anti):
            return ["node(s) didn't match pod anti-affinity rules"]
        required = (affinity.get("podAffinity") or {}).get(
            "requiredDuringSchedulingIgnoredDuringExecution"
        ) or []
        if not all(self._term_matches(pod, term, node) for term in required):
            return ["node(s) didn't match pod affinity rules"]
        return []

    def _term_matches(self, pod: Obj, term: dict[str, Any], node: Obj) -> bool:
        """Whether some pod in ``node``'s topology domain matches the affinity term."""
        key = term.get("topologyKey", _HOSTNAME)
        domain = (node["metadata"].get("labels") or {}).get(key)
        if domain is None:
            return False
        selector = selector_from_object(term.get("labelSelector"))
        namespaces = set(term.get("namespaces") or [pod["metadata"]["namespace"]])
        for other in self._nodes:
            if (other["metadata"].get("labels") or {}).get(key) != domain:
                continue
            use = self._use.get(other["metadata"]["name"])
            if use is None:
                continue
            for namespace, labels in use.labels_of_pods:
                if namespace in namespaces and selector.matches(labels):
                    return True
        return False

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
                self._requeue_unschedulable()

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
