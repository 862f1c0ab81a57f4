"""Generic remediations as kubectl command lines, each a ``ProposedAction`` whose ``key``
names what it does to which object (so an attempt that was undone is not repeated)."""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from stratus.agents.results import ProposedAction

__all__ = [
    "create_configmap",
    "delete_object",
    "expose",
    "patch_json",
    "raise_memory",
    "raise_quota",
    "release_volumes",
    "restart",
    "restore_configmap",
    "restore_template",
    "rollback",
    "scale",
    "set_image",
    "set_selector",
    "set_target_port",
    "uncordon",
    "untaint",
]

Risk = Literal["low", "medium", "high"]


def kubectl(*words: str) -> str:
    """A command line, quoted so the gateway's shell grammar reads back exactly ``words``."""
    return shlex.join(["kubectl", *words])


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _ref(kind: str, name: str) -> str:
    return f"{kind.lower()}/{name}"


def rollback(ns: str, name: str, revision: int, why: str) -> ProposedAction:
    return ProposedAction(
        key=f"rollback Deployment/{name}",
        title=f"Roll Deployment/{name} back to revision {revision}",
        commands=(
            kubectl("rollout", "undo", f"deployment/{name}", "-n", ns, f"--to-revision={revision}"),
        ),
        rationale=why,
        risk="low",
    )


def restore_template(
    ns: str, kind: str, name: str, template: Mapping[str, Any], why: str
) -> ProposedAction:
    ops = [{"op": "replace", "path": "/spec/template", "value": template}]
    return ProposedAction(
        key=f"restore {kind}/{name} template",
        title=f"Restore the last healthy pod template of {kind}/{name}",
        commands=(kubectl("patch", _ref(kind, name), "-n", ns, "--type=json", "-p", _json(ops)),),
        rationale=why,
        risk="low",
    )


def patch_json(
    ns: str,
    kind: str,
    name: str,
    ops: Sequence[Mapping[str, Any]],
    key: str,
    title: str,
    why: str,
    risk: Risk = "medium",
) -> ProposedAction:
    where = ["-n", ns] if ns else []
    return ProposedAction(
        key=key,
        title=title,
        commands=(
            kubectl("patch", _ref(kind, name), *where, "--type=json", "-p", _json(list(ops))),
        ),
        rationale=why,
        risk=risk,
    )


def set_image(
    ns: str, kind: str, name: str, container: str, image: str, why: str
) -> ProposedAction:
    return ProposedAction(
        key=f"set image {kind}/{name} {container}={image}",
        title=f"Run {image} again in {kind}/{name} ({container})",
        commands=(kubectl("set", "image", _ref(kind, name), "-n", ns, f"{container}={image}"),),
        rationale=why,
        risk="low",
    )


def scale(ns: str, kind: str, name: str, replicas: int, why: str) -> ProposedAction:
    return ProposedAction(
        key=f"scale {kind}/{name}",
        title=f"Scale {kind}/{name} back to {replicas} replicas",
        commands=(kubectl("scale", _ref(kind, name), "-n", ns, f"--replicas={replicas}"),),
        rationale=why,
        risk="low",
    )


def set_selector(ns: str, service: str, selector: Mapping[str, str], why: str) -> ProposedAction:
    ops = [{"op": "replace", "path": "/spec/selector", "value": dict(selector)}]
    text = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
    return patch_json(
        ns,
        "Service",
        service,
        ops,
        f"selector Service/{service}",
        f"Make Service/{service} select {text}",
        why,
        "low",
    )


def set_target_port(ns: str, service: str, index: int, port: int | str, why: str) -> ProposedAction:
    ops = [{"op": "replace", "path": f"/spec/ports/{index}/targetPort", "value": port}]
    return patch_json(
        ns,
        "Service",
        service,
        ops,
        f"targetPort Service/{service} {index}",
        f"Point Service/{service} port {index} at {port}",
        why,
        "low",
    )


def expose(
    ns: str, kind: str, workload: str, service: str, port: int, target: int, why: str
) -> ProposedAction:
    return ProposedAction(
        key=f"expose Service/{service}",
        title=f"Recreate Service/{service} for {kind}/{workload} (port {port})",
        commands=(
            kubectl(
                "expose",
                _ref(kind, workload),
                "-n",
                ns,
                f"--name={service}",
                f"--port={port}",
                f"--target-port={target}",
            ),
        ),
        rationale=why,
        risk="low",
    )


def uncordon(nodes: Sequence[str], why: str) -> ProposedAction:
    return ProposedAction(
        key="uncordon " + ",".join(sorted(nodes)),
        title=f"Uncordon {', '.join(sorted(nodes))}",
        commands=tuple(kubectl("uncordon", n) for n in sorted(nodes)),
        rationale=why,
        risk="medium",
    )


def untaint(nodes: Sequence[str], key: str, effect: str, why: str) -> ProposedAction:
    return ProposedAction(
        key=f"untaint {key}:{effect} " + ",".join(sorted(nodes)),
        title=f"Remove the taint {key}:{effect} from {', '.join(sorted(nodes))}",
        commands=tuple(kubectl("taint", "nodes", n, f"{key}:{effect}-") for n in sorted(nodes)),
        rationale=why,
        risk="medium",
    )


def delete_object(ns: str, kind: str, name: str, why: str, risk: Risk = "medium") -> ProposedAction:
    return ProposedAction(
        key=f"delete {kind}/{name}",
        title=f"Delete {kind}/{name}",
        commands=(kubectl("delete", _ref(kind, name), "-n", ns),),
        rationale=why,
        risk=risk,
    )


def create_configmap(ns: str, name: str, why: str) -> ProposedAction:
    return ProposedAction(
        key=f"create ConfigMap/{name}",
        title=f"Create the missing ConfigMap/{name} (empty)",
        commands=(kubectl("create", "configmap", name, "-n", ns),),
        rationale=why,
        risk="low",
    )


def restore_configmap(
    ns: str,
    name: str,
    data: Mapping[str, str],
    consumers: Sequence[tuple[str, str]],
    why: str,
    *,
    create: bool = False,
) -> ProposedAction:
    ops = [{"op": "add" if create else "replace", "path": "/data", "value": dict(data)}]
    first = (
        kubectl("create", "configmap", name, "-n", ns)
        if create
        else kubectl("patch", f"configmap/{name}", "-n", ns, "--type=json", "-p", _json(ops))
    )
    commands = [first]
    if create:
        commands.append(
            kubectl("patch", f"configmap/{name}", "-n", ns, "--type=json", "-p", _json(ops))
        )
    commands += [kubectl("rollout", "restart", _ref(k, n), "-n", ns) for k, n in consumers]
    return ProposedAction(
        key=f"restore ConfigMap/{name}",
        title=f"Restore ConfigMap/{name} as it was when healthy"
        + (f" and restart {', '.join(n for _, n in consumers)}" if consumers else ""),
        commands=tuple(commands),
        rationale=why,
        risk="low",
    )


def raise_quota(ns: str, name: str, resource: str, value: str, why: str) -> ProposedAction:
    patch = {"spec": {"hard": {resource: value}}}
    return ProposedAction(
        key=f"raise ResourceQuota/{name} {resource}",
        title=f"Raise ResourceQuota/{name} {resource} to {value}",
        commands=(
            kubectl("patch", f"resourcequota/{name}", "-n", ns, "--type=merge", "-p", _json(patch)),
        ),
        rationale=why,
        risk="medium",
    )


def raise_memory(
    ns: str, kind: str, name: str, container: str, value: str, why: str
) -> ProposedAction:
    return ProposedAction(
        key=f"memory {kind}/{name} {container}",
        title=f"Raise the memory limit of {kind}/{name} ({container}) to {value}",
        commands=(
            kubectl(
                "set",
                "resources",
                _ref(kind, name),
                "-n",
                ns,
                "-c",
                container,
                f"--limits=memory={value}",
            ),
        ),
        rationale=why,
        risk="medium",
    )


def restart(ns: str, kind: str, name: str, why: str) -> ProposedAction:
    return ProposedAction(
        key=f"restart {kind}/{name}",
        title=f"Restart {kind}/{name}",
        commands=(kubectl("rollout", "restart", _ref(kind, name), "-n", ns),),
        rationale=why,
        risk="low",
    )


def release_volumes(volumes: Sequence[str], why: str) -> ProposedAction:
    ops = _json([{"op": "remove", "path": "/spec/claimRef"}])
    return ProposedAction(
        key="release " + ",".join(sorted(volumes)),
        title=f"Release the stale claims on {', '.join(sorted(volumes))}",
        commands=tuple(
            kubectl("patch", f"pv/{v}", "--type=json", "-p", ops) for v in sorted(volumes)
        ),
        rationale=why,
        risk="high",
    )
