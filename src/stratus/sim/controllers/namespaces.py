"""Namespaces: each gets its default ServiceAccount and root CA bundle; a terminating
namespace is emptied, then finalized."""

from __future__ import annotations

import contextlib
from typing import Any

from stratus.sim.api import WriteOptions
from stratus.sim.controllers.base import Controller
from stratus.sim.errors import AlreadyExists, NotFound
from stratus.sim.store import Change, ObjectKey, clone

__all__ = ["NamespaceController"]

_CA = "-----BEGIN CERTIFICATE-----\nMIIBSTRATUSEMULATEDCLOUDROOTCA\n-----END CERTIFICATE-----\n"


class NamespaceController(Controller):
    name = "namespace-controller"
    resource = "namespaces"

    def observe(self, change: Change) -> None:
        if change.resource == "namespaces":
            super().observe(change)
        elif change.type == "DELETED":
            namespace = change.new["metadata"].get("namespace")
            if namespace:
                ns = self.env.store.get("namespaces", "", namespace)
                if ns is not None and ns["metadata"].get("deletionTimestamp"):
                    self.enqueue(("namespaces", "", namespace))
            if change.resource == "serviceaccounts" and namespace:
                self.enqueue(("namespaces", "", namespace))

    def sync(self, key: ObjectKey) -> None:
        ns = self.get(key)
        if ns is None:
            return
        name = ns["metadata"]["name"]
        if ns["metadata"].get("deletionTimestamp"):
            self._drain(name)
            return
        api = self.env.api
        defaults: tuple[tuple[str, dict[str, Any]], ...] = (
            (
                "serviceaccounts",
                {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}},
            ),
            (
                "configmaps",
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {
                        "name": "kube-root-ca.crt",
                        "annotations": {
                            "kubernetes.io/description": "Contains a CA bundle that "
                            "can be used to verify the kube-apiserver when using "
                            "internal endpoints such as the internal service IP or "
                            "kubernetes.default.svc. No other usage is guaranteed "
                            "across distributions of Kubernetes clusters."
                        },
                    },
                    "data": {"ca.crt": _CA},
                },
            ),
        )
        for resource, body in defaults:
            if self.env.store.get(resource, name, body["metadata"]["name"]) is None:
                with contextlib.suppress(AlreadyExists, NotFound):
                    api.create(api.kind(resource), name, body, WriteOptions())

    def _drain(self, namespace: str) -> None:
        api = self.env.api
        remaining = 0
        for rk in api.kinds.all():
            if not rk.namespaced:
                continue
            for obj in list(self.env.store.iter(rk.resource, namespace)):
                remaining += 1
                if not obj["metadata"].get("deletionTimestamp"):
                    api.delete(
                        rk, namespace, obj["metadata"]["name"], {"propagationPolicy": "Background"}
                    )
        if remaining:
            return
        ns = self.env.store.get("namespaces", "", namespace)
        if ns is None:
            return
        finalized = clone(ns)
        finalized.setdefault("spec", {}).pop("finalizers", None)
        self.env.store.update("namespaces", finalized)
