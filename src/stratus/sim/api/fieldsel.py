"""Which field selectors each resource supports, and the object path each reads."""

from __future__ import annotations

__all__ = ["supported_fields"]

_COMMON = {"metadata.name": "metadata.name", "metadata.namespace": "metadata.namespace"}

_EXTRA: dict[str, dict[str, str]] = {
    "pods": {
        f: f
        for f in (
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        )
    },
    "events": {
        **{
            f: f
            for f in (
                "involvedObject.kind",
                "involvedObject.namespace",
                "involvedObject.name",
                "involvedObject.uid",
                "involvedObject.apiVersion",
                "involvedObject.resourceVersion",
                "involvedObject.fieldPath",
                "reason",
                "reportingComponent",
                "type",
            )
        },
        "source": "source.component",
    },
    "nodes": {"spec.unschedulable": "spec.unschedulable"},
    "namespaces": {"status.phase": "status.phase"},
    "secrets": {"type": "type"},
    "replicasets.apps": {"status.replicas": "status.replicas"},
    "jobs.batch": {"status.successful": "status.succeeded"},
    "persistentvolumes": {"status.phase": "status.phase"},
    "persistentvolumeclaims": {"status.phase": "status.phase"},
}


def supported_fields(resource: str) -> dict[str, str]:
    return {**_COMMON, **_EXTRA.get(resource, {})}
