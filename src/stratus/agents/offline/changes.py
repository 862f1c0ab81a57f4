"""Recent changes: what changed in a workload's pod template (rollout history, the last
healthy template, the last-applied configuration, images its earlier pods ran, from events),
and ConfigMaps that changed or disappeared since the system was healthy.

``history`` gives the evidence and the roll-back actions for one workload; ``analyze`` finds
configuration drift on its own."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from stratus.agents.offline import actions
from stratus.agents.offline.common import component, hypothesis, troubled_workloads
from stratus.agents.offline.index import (
    Index,
    Obj,
    annotations_of,
    event_time,
    name,
    parse_time,
    spec,
)
from stratus.agents.offline.situation import Situation
from stratus.agents.results import Hypothesis, ProposedAction

__all__ = ["analyze", "config_refs", "diff_paths", "history"]

_IMAGE = re.compile(r'image "([^"]+)"')
_HASH = "pod-template-hash"


def history(sit: Situation, workload: Obj) -> tuple[list[str], list[ProposedAction]]:
    """Evidence of how ``workload``'s pod template changed, and the actions that put back
    what ran before, best first."""
    ns, kind, wname = sit.namespace, str(workload.get("kind")), name(workload)
    current = _template(workload)
    evidence: list[str] = []
    found: list[ProposedAction] = []
    revisions = sit.index.revisions(workload) if kind == "Deployment" else []
    now_rev = _revision(workload) or (revisions[-1][0] if revisions else 0)
    known = sit.reference.known(kind, wname)
    good = _template(known) if known is not None else None
    if known is not None and good is not None and good != current:
        paths = diff_paths(good, current)
        evidence.append(
            f"{kind}/{wname}'s pod template differs from the healthy one: {_few(paths)}"
        )
        same = [rev for rev, rs in revisions if rev != now_rev and _template(rs) == good]
        why = "put back the pod template that ran while the system was healthy"
        if same:
            found.append(actions.rollback(ns, wname, max(same), why))
        else:
            found.append(actions.restore_template(ns, kind, wname, _raw_template(known), why))
    # Only revisions that ran before the incident: later ones are earlier attempts' (undone).
    older = [
        (rev, rs)
        for rev, rs in revisions
        if rev < now_rev and _template(rs) != current and _created(rs) <= sit.incident_start
    ]
    if older:
        rev, rs = older[-1]
        created = _created_text(sit, revisions, now_rev)
        paths = diff_paths(_template(rs), current)
        evidence.append(f"revision {now_rev} of Deployment/{wname}{created} changed {_few(paths)}")
        found.append(
            actions.rollback(ns, wname, rev, f"revision {now_rev} changed {_few(paths)}; undo it")
        )
    current_rs = next((rs for rev, rs in revisions if rev == now_rev), None)
    before = min(sit.incident_start, _created(current_rs) if current_rs else sit.incident_start)
    for container in (spec(workload).get("template") or {}).get("spec", {}).get("containers") or []:
        image = str(container.get("image", ""))
        for earlier in _earlier_images(sit.index, workload, str(container.get("name", "")), before):
            if earlier != image:
                evidence.append(f"earlier pods of {kind}/{wname} ran {earlier}; now {image}")
                found.append(
                    actions.set_image(
                        ns,
                        kind,
                        wname,
                        str(container["name"]),
                        earlier,
                        f"{earlier} ran before {image} replaced it",
                    )
                )
                break
    unique: dict[str, ProposedAction] = {}
    for action in found:
        unique.setdefault(action.key, action)
    return evidence, list(unique.values())


def analyze(sit: Situation) -> list[Hypothesis]:
    """ConfigMaps that changed or vanished since the healthy state, and references to
    ConfigMaps that do not exist."""
    out: list[Hypothesis] = []
    ns = sit.namespace
    troubled = {t.name for t in troubled_workloads(sit)}
    for known in sit.reference.of_kind("ConfigMap"):
        cm = name(known)
        current = sit.index.get("ConfigMap", cm)
        consumers = _consumers(sit.index, cm)
        if current is not None and _data(current) == _data(known):
            continue
        keys = sorted(
            k
            for k in set(_data(known)) | set(_data(current or {}))
            if _data(known).get(k) != _data(current or {}).get(k)
        )
        restart = consumers + [
            ("Deployment", t)
            for t in sorted(troubled)
            if _mentions(sit, t, [n for _, n in consumers])
        ]
        what = "was deleted" if current is None else f"changed ({', '.join(keys[:5])})"
        out.append(
            hypothesis(
                f"ConfigMap/{cm} {what} since the system was healthy",
                "misconfiguration",
                [component("ConfigMap", cm, ns), *(component(k, n, ns) for k, n in consumers)],
                0.45 + (0.25 if troubled & {n for _, n in restart} else 0.0),
                [f"used by {', '.join(f'{k}/{n}' for k, n in consumers) or 'no workload'}"],
                [
                    actions.restore_configmap(
                        ns,
                        cm,
                        dict(_data(known)),
                        sorted(set(restart)),
                        "put back the configuration the system was healthy with",
                        create=current is None,
                    )
                ],
            )
        )
    present = {name(c) for c in sit.index.of("ConfigMap")}
    for workload in sit.index.workloads:
        for kind, ref, optional in config_refs(spec(workload).get("template") or {}):
            if kind != "ConfigMap" or optional or ref in present or sit.reference.known(kind, ref):
                continue
            sick = name(workload) in troubled
            who = f"{workload.get('kind')}/{name(workload)}"
            out.append(
                hypothesis(
                    f"{who} needs ConfigMap/{ref}, which does not exist",
                    "misconfiguration",
                    [
                        component("ConfigMap", ref, ns),
                        component(str(workload.get("kind")), name(workload), ns),
                    ],
                    0.7 if sick else 0.3,
                    [f"the pod template mounts or reads ConfigMap/{ref}"],
                    [actions.create_configmap(ns, ref, "its pods cannot start without it")],
                )
            )
    return out


def config_refs(template: Mapping[str, Any]) -> set[tuple[str, str, bool]]:
    """(kind, name, optional) of every ConfigMap and Secret a pod template refers to."""
    pod = template.get("spec") or {}
    refs: set[tuple[str, str, bool]] = set()
    for vol in pod.get("volumes") or []:
        if vol.get("configMap"):
            refs.add(
                (
                    "ConfigMap",
                    str(vol["configMap"].get("name")),
                    bool(vol["configMap"].get("optional")),
                )
            )
        if vol.get("secret"):
            refs.add(
                (
                    "Secret",
                    str(vol["secret"].get("secretName")),
                    bool(vol["secret"].get("optional")),
                )
            )
    for c in [*(pod.get("containers") or []), *(pod.get("initContainers") or [])]:
        for source in c.get("envFrom") or []:
            for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
                if source.get(key):
                    refs.add(
                        (kind, str(source[key].get("name")), bool(source[key].get("optional")))
                    )
        for env in c.get("env") or []:
            ref = env.get("valueFrom") or {}
            for kind, key in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
                if ref.get(key):
                    refs.add((kind, str(ref[key].get("name")), bool(ref[key].get("optional"))))
    return refs


def diff_paths(before: Any, after: Any, path: str = "") -> list[str]:
    """Where two JSON values differ; list items with a ``name`` are matched by it."""
    if isinstance(before, dict) and isinstance(after, dict):
        out = []
        for key in sorted(set(before) | set(after)):
            out += diff_paths(
                before.get(key), after.get(key), f"{path}.{key}" if path else str(key)
            )
        return out
    if isinstance(before, list) and isinstance(after, list):
        if all(isinstance(i, dict) and "name" in i for i in before + after):
            b = {str(i["name"]): i for i in before}
            a = {str(i["name"]): i for i in after}
            out = []
            for key in sorted(set(b) | set(a)):
                out += diff_paths(b.get(key), a.get(key), f"{path}[{key}]")
            return out
        if len(before) == len(after):
            out = []
            for i, (x, y) in enumerate(zip(before, after, strict=True)):
                out += diff_paths(x, y, f"{path}[{i}]")
            return out
    return [] if before == after else [path or "."]


def _template(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A pod template without the label a ReplicaSet adds, for comparing revisions."""
    raw = _raw_template(obj)
    meta = dict(raw.get("metadata") or {})
    meta["labels"] = {k: v for k, v in (meta.get("labels") or {}).items() if k != _HASH}
    meta.pop("creationTimestamp", None)
    return {**raw, "metadata": meta}


def _raw_template(obj: Mapping[str, Any]) -> dict[str, Any]:
    return dict(spec(obj).get("template") or {})


def _created(obj: Mapping[str, Any]) -> float:
    found = parse_time((obj.get("metadata") or {}).get("creationTimestamp"))
    return found if found is not None else 0.0


def _revision(obj: Mapping[str, Any]) -> int:
    raw = annotations_of(obj).get("deployment.kubernetes.io/revision", "")
    return int(raw) if raw.isdigit() else 0


def _created_text(sit: Situation, revisions: list[tuple[int, Obj]], rev: int) -> str:
    rs = next((r for n, r in revisions if n == rev), None)
    created = parse_time(((rs or {}).get("metadata") or {}).get("creationTimestamp"))
    if created is None:
        return ""
    delta = sit.incident_start - created
    when = f"{abs(delta) / 60:.0f} min {'before' if delta >= 0 else 'after'} the incident began"
    return f" (rolled out {when})"


def _earlier_images(index: Index, workload: Obj, container: str, before: float) -> list[str]:
    """Images events say earlier pods of ``workload`` pulled for ``container`` before
    ``before`` (when its current template was rolled out), newest first."""
    prefix = name(workload) + "-"
    longer = [name(w) for w in index.workloads if name(w).startswith(prefix)]
    seen: list[str] = []
    for ev in reversed(index.events("Pod")):
        pod = str((ev.get("involvedObject") or {}).get("name", ""))
        if not pod.startswith(prefix) or any(pod.startswith(n + "-") for n in longer):
            continue
        if (ev.get("involvedObject") or {}).get("fieldPath") != f"spec.containers{{{container}}}":
            continue
        if (event_time(ev) or before) >= before:
            continue
        found = _IMAGE.search(str(ev.get("message", "")))
        if found and ev.get("reason") in ("Pulling", "Pulled") and found.group(1) not in seen:
            seen.append(found.group(1))
    return seen


def _consumers(index: Index, configmap: str) -> list[tuple[str, str]]:
    return [
        (str(w.get("kind")), name(w))
        for w in index.workloads
        if any(
            k == "ConfigMap" and n == configmap
            for k, n, _ in config_refs(spec(w).get("template") or {})
        )
    ]


def _mentions(sit: Situation, workload: str, names: list[str]) -> bool:
    """Whether the crash logs of ``workload`` name one of ``names`` (it depends on them)."""
    if not names:
        return False
    obj = next((w for w in sit.index.workloads if name(w) == workload), None)
    if obj is None:
        return False
    for pod in sit.index.pods_of(obj)[:2]:
        text = sit.log(name(pod), "", True) + sit.log(name(pod), "", False)
        if any(n in text for n in names):
            return True
    return False


def _data(obj: Mapping[str, Any]) -> dict[str, Any]:
    return {**(obj.get("data") or {}), **(obj.get("binaryData") or {})}


def _few(paths: list[str]) -> str:
    return ", ".join(paths[:4]) + (f" (+{len(paths) - 4} more)" if len(paths) > 4 else "")
