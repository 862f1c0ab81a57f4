"""Stand-ins for the cluster and Prometheus in unit tests: canned objects and answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from stratus.observe.prometheus import PrometheusClient

READY = {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}


class FakeKube:
    """A ``KubeReader`` over objects by (kind, namespace); ``error`` is raised by every list."""

    def __init__(self, objects: Mapping[tuple[str, str], list[dict[str, Any]]]) -> None:
        self.objects = objects
        self.error: Exception | None = None

    def list(
        self, api_version: str, kind: str, namespace: str = "", selector: str = ""
    ) -> Sequence[Mapping[str, Any]]:
        if self.error is not None:
            raise self.error
        return self.objects.get((kind, namespace), [])


def pod(name: str, *, owner: tuple[str, str] | None = None, **status: Any) -> dict[str, Any]:
    """A pod; a ReplicaSet owner named ``<deployment>-abc12`` makes it the Deployment's."""
    meta: dict[str, Any] = {"name": name, "labels": {"pod-template-hash": "abc12"}}
    if owner:
        meta["ownerReferences"] = [{"kind": owner[0], "name": owner[1], "controller": True}]
    return {"metadata": meta, "status": status}


def deployment(
    name: str,
    desired: int,
    available: int,
    *,
    updated: int | None = None,
    current: int | None = None,
) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "generation": 1},
        "spec": {"replicas": desired},
        "status": {
            "observedGeneration": 1,
            "replicas": desired if current is None else current,
            "updatedReplicas": desired if updated is None else updated,
            "readyReplicas": available,
            "availableReplicas": available,
        },
    }


def alert(name: str, severity: str, **labels: str) -> dict[str, Any]:
    return {
        "labels": {"alertname": name, "severity": severity, **labels},
        "annotations": {},
        "state": "firing",
        "activeAt": "2026-01-01T00:00:00Z",
        "value": "1e+00",
    }


class FakePrometheus:
    """Answers ``/api/v1/alerts`` with ``alerts`` and every query with ``vectors[query
    fragment]`` (the first fragment the query contains), else an empty vector."""

    def __init__(self) -> None:
        self.alerts: list[dict[str, Any]] = []
        self.vectors: dict[str, list[dict[str, Any]]] = {}

    def client(self) -> PrometheusClient:
        return PrometheusClient(
            "http://prometheus.test", transport=httpx.MockTransport(self.answer)
        )

    def answer(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/alerts":
            return httpx.Response(200, json={"status": "success", "data": {"alerts": self.alerts}})
        query = request.url.params.get("query", "")
        if query == "time()":
            data = {"resultType": "scalar", "result": [1000, "1000"]}
        else:
            result = next((v for k, v in self.vectors.items() if k in query), [])
            data = {"resultType": "vector", "result": result}
        return httpx.Response(200, json={"status": "success", "data": data})
