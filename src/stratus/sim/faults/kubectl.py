"""A subset of kubectl's write commands, translated into API operations, so that fault files
can say what they change the way an SRE would type it."""

from __future__ import annotations

import json
import shlex
from typing import Any

from stratus.sim.errors import BadRequest
from stratus.sim.faults.client import ClusterClient
from stratus.sim.kinds import ResourceKind
from stratus.sim.store import Obj

__all__ = ["KubectlError", "run_kubectl"]


class KubectlError(ValueError):
    """The command is outside the supported subset or malformed."""


def _split(line: str) -> list[str]:
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise KubectlError(f"cannot parse {line!r}: {exc}") from exc
    if words[:1] == ["kubectl"]:
        words = words[1:]
    if not words:
        raise KubectlError("empty kubectl command")
    return words


class _Args:
    def __init__(self, words: list[str], namespace: str) -> None:
        self.positional: list[str] = []
        self.flags: dict[str, str] = {}
        self.after_dashes: list[str] = []
        self.namespace = namespace
        i = 0
        while i < len(words):
            word = words[i]
            if word == "--":
                self.after_dashes = words[i + 1 :]
                break
            if word.startswith("-"):
                key, eq, value = word.partition("=")
                key = key.lstrip("-")
                if not eq:
                    boolean = key in ("all", "overwrite", "force", "ignore-daemonsets")
                    if boolean or i + 1 >= len(words):
                        value = "true"
                    else:
                        value, i = words[i + 1], i + 1
                if key in ("n", "namespace"):
                    self.namespace = value
                else:
                    self.flags[key] = value
            else:
                self.positional.append(word)
            i += 1


def _target(client: ClusterClient, args: list[str]) -> tuple[ResourceKind, list[str]]:
    """``deploy/web`` or ``deploy web [more names]``."""
    if not args:
        raise KubectlError("you must specify the type of resource")
    if "/" in args[0]:
        kind, name = args[0].split("/", 1)
        return client.kind(kind), [name, *args[1:]]
    return client.kind(args[0]), args[1:]


def _objects(
    client: ClusterClient, rk: ResourceKind, names: list[str], ns: str, selector: str
) -> list[Obj]:
    if selector:
        return client.find(rk, ns, selector)
    found = []
    for name in names:
        obj = client.get(rk, ns, name)
        if obj is None:
            raise KubectlError(f'{rk.resource} "{name}" not found')
        found.append(obj)
    return found


def run_kubectl(client: ClusterClient, line: str, namespace: str) -> str:
    words = _split(line)
    verb, rest = words[0], words[1:]
    if verb in ("set", "rollout", "create") and rest:
        verb, rest = f"{verb} {rest[0]}", rest[1:]
    args = _Args(rest, namespace)
    ns = args.namespace
    if verb == "patch":
        rk, names = _target(client, args.positional)
        patch_type = args.flags.get("type", "strategic")
        try:
            body = json.loads(args.flags.get("p") or args.flags.get("patch") or "")
        except json.JSONDecodeError as exc:
            raise KubectlError(f"invalid patch {exc}") from exc
        for obj in _objects(client, rk, names, ns, args.flags.get("l", "")):
            client.patch(rk, ns, obj["metadata"]["name"], patch_type, body)
        return f"{rk.resource}/{','.join(names)} patched"
    if verb == "scale":
        rk, names = _target(client, args.positional)
        replicas = int(args.flags.get("replicas", "-1"))
        if replicas < 0:
            raise KubectlError("--replicas=COUNT is required")
        for name in names:
            client.patch(rk, ns, name, "merge", {"spec": {"replicas": replicas}}, "scale")
        return f"{rk.resource}/{','.join(names)} scaled"
    if verb == "delete":
        rk, names = _target(client, args.positional)
        options: dict[str, Any] = {}
        if "grace-period" in args.flags:
            options["gracePeriodSeconds"] = int(args.flags["grace-period"])
        for obj in _objects(client, rk, names, ns, args.flags.get("l", "")):
            client.delete(rk, ns, obj["metadata"]["name"], options)
        return f"{rk.resource} deleted"
    if verb in ("set image", "set env"):
        rk, names = _target(client, args.positional)
        settings = names[1:]
        for obj in _objects(client, rk, names[:1], ns, ""):
            client.patch(
                rk,
                ns,
                obj["metadata"]["name"],
                "strategic",
                _set_patch(obj, verb, settings, args.flags.get("c", "")),
            )
        return f"{rk.resource}/{names[0]} updated"
    if verb in ("label", "annotate"):
        rk, names = _target(client, args.positional)
        changes = [n for n in names if "=" in n or n.endswith("-")]
        targets = [n for n in names if n not in changes]
        field = "labels" if verb == "label" else "annotations"
        body = {
            "metadata": {
                field: {
                    c[:-1] if c.endswith("-") else c.split("=", 1)[0]: None
                    if c.endswith("-")
                    else c.split("=", 1)[1]
                    for c in changes
                }
            }
        }
        for obj in _objects(client, rk, targets, ns, args.flags.get("l", "")):
            client.patch(rk, ns, obj["metadata"]["name"], "merge", body)
        return f"{rk.resource} {verb}ed"
    if verb in ("cordon", "uncordon"):
        nodes = client.kind("nodes")
        for name in _node_names(client, args):
            client.patch(
                nodes,
                "",
                name,
                "strategic",
                {"spec": {"unschedulable": True if verb == "cordon" else None}},
            )
        return f"node {verb}ed"
    if verb == "taint":
        return _taint(client, args)
    if verb == "rollout restart":
        rk, names = _target(client, args.positional)
        for name in names:
            client.patch(
                rk,
                ns,
                name,
                "strategic",
                {
                    "spec": {
                        "template": {
                            "metadata": {
                                "annotations": {
                                    "kubectl.kubernetes.io/restartedAt": "fault-injection"
                                }
                            }
                        }
                    }
                },
            )
        return f"{rk.resource}/{','.join(names)} restarted"
    if verb == "create namespace":
        client.create(
            client.kind("namespaces"),
            "",
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": args.positional[0]}},
        )
        return f"namespace/{args.positional[0]} created"
    if verb == "exec":
        return _exec(client, args)
    raise KubectlError(f"kubectl {verb} is not in the subset fault files may use")


def _set_patch(obj: Obj, verb: str, settings: list[str], only: str) -> dict[str, Any]:
    containers = ((obj.get("spec") or {}).get("template") or {}).get("spec", {}).get(
        "containers"
    ) or []
    patched = []
    for container in containers:
        name = container["name"]
        if only and name != only:
            continue
        if verb == "set image":
            for setting in settings:
                target, _, image = setting.partition("=")
                if target in (name, "*"):
                    patched.append({"name": name, "image": image})
        else:
            env = []
            for setting in settings:
                if setting.endswith("-"):
                    env.append({"name": setting[:-1], "$patch": "delete"})
                else:
                    key, _, value = setting.partition("=")
                    env.append({"name": key, "value": value})
            patched.append({"name": name, "env": env})
    if not patched:
        raise KubectlError(f"no container matches {settings}")
    return {"spec": {"template": {"spec": {"containers": patched}}}}


def _node_names(client: ClusterClient, args: _Args) -> list[str]:
    """The nodes named, or those ``-l`` selects, or all of them with ``--all``."""
    named = [
        p
        for p in args.positional
        if p not in ("nodes", "node", "no")
        and ":" not in p
        and "=" not in p
        and not p.endswith("-")
    ]
    if "l" in args.flags or "selector" in args.flags or args.flags.get("all") == "true":
        selector = args.flags.get("l") or args.flags.get("selector") or ""
        return [n["metadata"]["name"] for n in client.find(client.kind("nodes"), "", selector)]
    if not named:
        raise KubectlError("a node name, -l SELECTOR or --all is required")
    return named


def _taint(client: ClusterClient, args: _Args) -> str:
    nodes = client.kind("nodes")
    names = _node_names(client, args)
    specs = [p for p in args.positional if p not in names and p not in ("nodes", "node", "no")]
    for node_name in names:
        _taint_node(client, nodes, node_name, specs)
    return f"node/{','.join(names)} tainted"


def _taint_node(
    client: ClusterClient, nodes: ResourceKind, node_name: str, specs: list[str]
) -> None:
    node = client.get(nodes, "", node_name)
    if node is None:
        raise KubectlError(f'nodes "{node_name}" not found')
    taints = list((node.get("spec") or {}).get("taints") or [])
    for raw in specs:
        remove = raw.endswith("-")
        key_value, _, effect = raw.rstrip("-").partition(":")
        key, _, value = key_value.partition("=")
        taints = [
            t
            for t in taints
            if not (t.get("key") == key and (not effect or t.get("effect") == effect))
        ]
        if not remove:
            taint = {"key": key, "effect": effect}
            if value:
                taint["value"] = value
            taints.append(taint)
    client.patch(nodes, "", node_name, "merge", {"spec": {"taints": taints or None}})


def _exec(client: ClusterClient, args: _Args) -> str:
    if not args.positional or not args.after_dashes:
        raise KubectlError("kubectl exec needs a pod and a command after --")
    target = args.positional[0]
    pod = target
    if "/" in target:
        kind, name = target.split("/", 1)
        rk = client.kind(kind)
        if rk.kind == "Pod":
            pod = name
        else:
            owner = client.get(rk, args.namespace, name)
            selector = ((owner or {}).get("spec") or {}).get("selector") or {}
            labels = ",".join(f"{k}={v}" for k, v in (selector.get("matchLabels") or {}).items())
            pods = client.find(client.kind("pods"), args.namespace, labels) if labels else []
            running = [p for p in pods if (p.get("status") or {}).get("phase") == "Running"]
            if not running:
                raise KubectlError(f"no running pod for {target}")
            pod = running[0]["metadata"]["name"]
    code, out, err = client.exec(args.namespace, pod, args.flags.get("c", ""), args.after_dashes)
    if code != 0:
        raise BadRequest(f"command terminated with exit code {code}: {err.strip() or out.strip()}")
    return out
