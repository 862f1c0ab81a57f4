"""Declarative checks of a problem's oracle, read through the Kubernetes API: "this field of
this object equals ..." and "these workloads exist and are ready". Each gives an
``OracleResult`` like the kernel's oracles, so a verdict lists them side by side."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from stratus.bench.problem import Check, FieldCheck, ReadyCheck
from stratus.kube.client import KubeClient
from stratus.kube.errors import KubeError
from stratus.kube.refs import ObjectRef
from stratus.observe.cluster import ClusterObserver, WorkloadKey
from stratus.observe.errors import ObserveError
from stratus.oracles.report import OracleResult

__all__ = ["API_VERSIONS", "api_version", "parse_path", "read_path", "run_checks"]

API_VERSIONS = {
    **dict.fromkeys(("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"), "apps/v1"),
    **dict.fromkeys(
        (
            "Pod",
            "Service",
            "ConfigMap",
            "Secret",
            "PersistentVolumeClaim",
            "PersistentVolume",
            "Node",
            "Namespace",
            "ServiceAccount",
            "ResourceQuota",
            "LimitRange",
            "Endpoints",
        ),
        "v1",
    ),
    **dict.fromkeys(("NetworkPolicy", "Ingress"), "networking.k8s.io/v1"),
    **dict.fromkeys(("Job", "CronJob"), "batch/v1"),
    "HorizontalPodAutoscaler": "autoscaling/v2",
    "PodDisruptionBudget": "policy/v1",
}
_TOKEN = re.compile(
    r"""\.?(?P<key>[^.\[\]'"]+)|\[(?P<index>-?\d+)\]|\[\s*'(?P<sq>[^']*)'\s*\]|\[\s*"(?P<dq>[^"]*)"\s*\]"""
)
Segment = str | int


def api_version(check: FieldCheck) -> str:
    """The check's ``apiVersion``: as written, else the usual one of its kind."""
    found = check.api_version or API_VERSIONS.get(check.kind)
    if found is None:
        raise ValueError(f"kind {check.kind!r} has no default apiVersion: set api_version")
    return found


def parse_path(path: str) -> list[Segment]:
    """``spec.ports[0].targetPort`` → ``["spec", "ports", 0, "targetPort"]``; quoted keys
    (``data['a.json']``) may hold dots."""
    out: list[Segment] = []
    pos = 0
    while pos < len(path):
        match = _TOKEN.match(path, pos)
        if match is None or match.end() == pos:
            raise ValueError(f"cannot read path {path!r} at character {pos + 1}")
        if match["index"] is not None:
            out.append(int(match["index"]))
        else:
            out.append(match["key"] or match["sq"] or match["dq"] or "")
        pos = match.end()
    if not out:
        raise ValueError("empty path")
    return out


def read_path(value: Any, path: Sequence[Segment]) -> Any:
    """Follow ``path``; None where it leads nowhere."""
    for segment in path:
        if isinstance(segment, int):
            if not isinstance(value, list) or not -len(value) <= segment < len(value):
                return None
            value = value[segment]
        elif isinstance(value, dict):
            value = value.get(segment)
        else:
            return None
    return value


def run_checks(checks: Sequence[Check], client: KubeClient, namespace: str) -> list[OracleResult]:
    """Every check once, now."""
    out: list[OracleResult] = []
    for check in checks:
        if check.field is not None:
            out.append(_field(check.field, client, namespace))
        elif check.ready is not None:
            out.append(_ready(check.ready, client, namespace))
    return out


def _field(check: FieldCheck, client: KubeClient, namespace: str) -> OracleResult:
    name = f"check {check.kind}/{check.name} {check.path}"
    if check.json_path:
        name += f" → {check.json_path}"
    ref = ObjectRef(api_version(check), check.kind, check.namespace or namespace, check.name)
    try:
        obj = client.get(ref)
    except KubeError as exc:
        return OracleResult(name, False, (f"cannot read {ref}: {exc}",))
    if obj is None:
        return OracleResult(name, False, (f"{check.kind}/{check.name} does not exist",))
    value = read_path(obj, parse_path(check.path))
    if check.json_path:
        try:
            value = read_path(json.loads(value), parse_path(check.json_path))
        except (TypeError, ValueError):
            return OracleResult(name, False, (f"{check.path} is not JSON",))
    expected = getattr(check, check.comparator)
    ok = _compare(check.comparator, value, expected)
    verb = {"equals": "==", "not_equals": "!=", "contains": "contains"}[check.comparator]
    reason = f"{_show(value)} {verb} {_show(expected)}" + ("" if ok else ": no")
    return OracleResult(name, ok, (reason,))


def _ready(check: ReadyCheck, client: KubeClient, namespace: str) -> OracleResult:
    name = "check ready " + ", ".join(check.workloads)
    try:
        snapshot = ClusterObserver(client, [namespace], nodes=False).snapshot()
    except ObserveError as exc:
        return OracleResult(name, False, (f"cannot observe the cluster: {exc}",))
    problems = []
    for item in check.workloads:
        kind, _, wname = item.partition("/")
        status = snapshot.workloads.get(WorkloadKey(kind, namespace, wname))
        if status is None:
            problems.append(f"{item} does not exist")
        elif status.desired == 0:
            problems.append(f"{item} is scaled to zero")
        elif not status.rollout_complete or status.ready < status.desired:
            problems.append(f"{item}: {status.ready}/{status.desired} ready")
    return OracleResult(name, not problems, tuple(problems))


def _compare(comparator: str, value: Any, expected: Any) -> bool:
    if comparator == "equals":
        return _same(value, expected)
    if comparator == "not_equals":
        return not _same(value, expected)
    if isinstance(value, list):
        return any(_same(item, expected) for item in value)
    if isinstance(value, dict):
        return str(expected) in value
    return isinstance(value, str) and str(expected) in value


def _same(a: Any, b: Any) -> bool:
    if a == b:
        return True
    scalars = (str, int, float, bool)
    return isinstance(a, scalars) and isinstance(b, scalars) and str(a) == str(b)


def _show(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."
