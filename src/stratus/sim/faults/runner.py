"""Injecting and recovering faults: their steps, applied through a cluster client."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from stratus.sim.apps import App
from stratus.sim.errors import NotFound
from stratus.sim.faults.client import ClusterClient, create_if_absent
from stratus.sim.faults.kubectl import run_kubectl
from stratus.sim.faults.model import FaultSpec, Step
from stratus.sim.store import Obj

__all__ = ["FaultRunner", "app_manifests"]


def app_manifests(app: App, namespace: str) -> list[Obj]:
    """An app's manifests as a ``redeploy`` step creates them in ``namespace``."""
    docs = [
        {
            **doc,
            "metadata": {k: v for k, v in (doc.get("metadata") or {}).items() if k != "namespace"},
        }
        for doc in app.manifests
        if doc.get("kind") != "Namespace"
    ]
    return [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}, *docs]


def _fill(value: Any, namespace: str) -> Any:
    if isinstance(value, str):
        return value.replace("{namespace}", namespace)
    if isinstance(value, list):
        return [_fill(v, namespace) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, namespace) for k, v in value.items()}
    return value


class FaultRunner:
    """Applies a fault's steps to the app running in ``namespace``. ``redeploy`` re-creates
    what ``manifests()`` lists (the app's own manifests, moved to ``namespace``)."""

    def __init__(
        self,
        client: ClusterClient,
        namespace: str,
        manifests: Callable[[], list[Obj]] | None = None,
    ) -> None:
        self.client = client
        self.namespace = namespace
        self.manifests = manifests

    def inject(self, fault: FaultSpec) -> list[str]:
        return [self.step(s) for s in fault.inject]

    def recover(self, fault: FaultSpec) -> list[str]:
        return [self.step(s) for s in fault.recover]

    def step(self, step: Step) -> str:
        body = _fill(step.body, self.namespace)
        client, ns = self.client, self.namespace
        kind = step.kind
        if kind == "kubectl":
            return run_kubectl(client, str(body), ns)
        if kind == "wait":
            client.wait(float(body))
            return f"waited {body}s"
        if kind == "patch":
            rk = client.kind(body["kind"])
            client.patch(
                rk,
                ns,
                body["name"],
                body.get("type", "strategic"),
                body["patch"],
                body.get("subresource", ""),
            )
            return f"patched {rk.resource}/{body['name']}"
        if kind == "delete":
            rk = client.kind(body["kind"])
            names = (
                [body["name"]]
                if "name" in body
                else [o["metadata"]["name"] for o in client.find(rk, ns, body.get("selector", ""))]
            )
            for name in names:
                try:
                    client.delete(rk, ns, name, body.get("options"))
                except NotFound:
                    continue
            return f"deleted {rk.resource} {', '.join(names)}"
        if kind in ("create", "apply", "chaos"):
            rk = client.kind(
                f"{body['kind']}.{body['apiVersion'].rpartition('/')[0]}"
                if "/" in body["apiVersion"]
                else body["kind"]
            )
            if kind == "apply":
                client.replace(rk, ns, body)
            else:
                client.create(rk, ns, body)
            return f"{kind}d {rk.resource}/{body['metadata']['name']}"
        if kind == "exec":
            pods = client.find(client.kind("pods"), ns, body["selector"])
            running = [p for p in pods if (p.get("status") or {}).get("phase") == "Running"]
            if not running:
                raise NotFound(f"no running pod matches {body['selector']} in {ns}")
            code, out, err = client.exec(
                ns,
                running[0]["metadata"]["name"],
                body.get("container", ""),
                body["command"],
                body.get("stdin", ""),
            )
            if code != 0:
                raise RuntimeError(f"exec {body['command']} failed ({code}): {err or out}")
            return out
        if kind == "node":
            nodes = client.kind("nodes")
            node = client.get(nodes, "", body["name"])
            if node is None:
                raise NotFound(f'nodes "{body["name"]}" not found')
            conditions = [dict(c) for c in (node.get("status") or {}).get("conditions") or []]
            for cond in conditions:
                if cond.get("type") == body.get("condition", "Ready"):
                    cond["status"] = body["status"]
                    cond["reason"] = body.get("reason", "NodeStatusUnknown")
                    cond["message"] = body.get("message", "Kubelet stopped posting node status.")
            client.patch(
                nodes, "", body["name"], "merge", {"status": {"conditions": conditions}}, "status"
            )
            return f"node {body['name']} {body.get('condition', 'Ready')}={body['status']}"
        if kind == "flag":
            return self._flag(body)
        if kind == "redeploy":
            created = 0
            for obj in self.manifests() if self.manifests is not None else []:
                rk = client.kind(
                    f"{obj['kind']}.{obj['apiVersion'].rpartition('/')[0]}"
                    if "/" in obj["apiVersion"]
                    else obj["kind"]
                )
                created += create_if_absent(client, rk, ns if rk.namespaced else "", obj)
            return f"redeployed {created} objects"
        raise ValueError(f"unknown step kind {kind}")  # pragma: no cover - the model forbids it

    def _flag(self, body: dict[str, Any]) -> str:
        client, ns = self.client, self.namespace
        configmaps = client.kind("configmaps")
        name, key = body["configmap"], body["key"]
        config = client.get(configmaps, ns, name)
        if config is None:
            raise NotFound(f'configmaps "{name}" not found')
        try:
            flags = json.loads((config.get("data") or {})[key])
            flag = flags["flags"][body["name"]]
        except (KeyError, TypeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{name}/{key} has no flag {body['name']!r}: {exc}") from exc
        if body["variant"] not in (flag.get("variants") or {}):
            raise ValueError(f"flag {body['name']!r} has no variant {body['variant']!r}")
        flag["defaultVariant"] = body["variant"]
        client.patch(configmaps, ns, name, "merge", {"data": {key: json.dumps(flags, indent=2)}})
        return f"flag {body['name']} set to {body['variant']}"
