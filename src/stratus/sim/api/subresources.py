"""The ``scale``, ``eviction``, ``binding`` and namespace ``finalize`` subresources."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, cast

from stratus.sim.api.options import WriteOptions
from stratus.sim.api.patching import apply_patch
from stratus.sim.errors import (
    BadRequest,
    Conflict,
    FieldError,
    Invalid,
    NotFound,
    TooManyRequests,
)
from stratus.sim.kinds import ResourceKind
from stratus.sim.store import LabelSelector, Obj, clone, selector_from_object

if TYPE_CHECKING:
    from stratus.sim.api.service import ApiService

__all__ = ["Subresources", "selector_string"]


def _created() -> Obj:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}


def selector_string(selector: dict[str, Any] | None) -> str:
    return str(selector_from_object(selector)) if selector else ""


class Subresources:
    def __init__(self, api: ApiService) -> None:
        self.api = api

    # -- scale ---------------------------------------------------------------------------

    def _check_scalable(self, rk: ResourceKind) -> None:
        if "scale" not in rk.subresources:
            raise NotFound(
                f"the server could not find the requested resource ({rk.resource}/scale)"
            )

    def get_scale(self, rk: ResourceKind, namespace: str, name: str) -> Obj:
        self._check_scalable(rk)
        return self._scale_of(self.api.get(rk, namespace, name))

    @staticmethod
    def _scale_of(obj: Obj) -> Obj:
        meta = obj["metadata"]
        spec, status = obj.get("spec") or {}, obj.get("status") or {}
        return {
            "kind": "Scale",
            "apiVersion": "autoscaling/v1",
            "metadata": {
                k: meta[k]
                for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                if k in meta
            },
            "spec": {"replicas": spec.get("replicas", 0)},
            "status": {
                "replicas": status.get("replicas", 0),
                "selector": selector_string(spec.get("selector")),
            },
        }

    def update_scale(
        self, rk: ResourceKind, namespace: str, name: str, scale: Any, options: WriteOptions
    ) -> Obj:
        self._check_scalable(rk)
        if not isinstance(scale, dict):
            raise BadRequest("the body of a scale request must be a Scale object")
        replicas = (scale.get("spec") or {}).get("replicas", 0)
        if not isinstance(replicas, int) or isinstance(replicas, bool):
            raise BadRequest(
                'Scale in version "v1" cannot be handled as a Scale: json: cannot '
                "unmarshal into Go struct field ScaleSpec.spec.replicas of type int32"
            )
        current = self.api.get(rk, namespace, name)
        wanted = (scale.get("metadata") or {}).get("resourceVersion")
        if wanted and wanted != current["metadata"]["resourceVersion"]:
            raise Conflict(
                f'Operation cannot be fulfilled on {rk.resource} "{name}": the object '
                "has been modified; please apply your changes to the latest version "
                "and try again"
            )
        updated = clone(current)
        updated["spec"]["replicas"] = replicas
        if replicas < 0:
            raise Invalid(
                "Scale.autoscaling",
                name,
                [
                    FieldError(
                        "spec.replicas",
                        "FieldValueInvalid",
                        f"Invalid value: {replicas}: must be greater than or equal to 0",
                    )
                ],
                group="autoscaling",
                kind="Scale",
            )
        result = self.api.replace(rk, namespace, name, updated, options)
        return self._scale_of(result)

    def patch_scale(
        self,
        rk: ResourceKind,
        namespace: str,
        name: str,
        patch_type: str,
        patch: Any,
        options: WriteOptions,
    ) -> Obj:
        scale = self.get_scale(rk, namespace, name)
        patched = apply_patch(self.api.kinds.schema, None, scale, patch_type, patch)
        return self.update_scale(rk, namespace, name, patched, options)

    # -- pods ----------------------------------------------------------------------------

    def evict(self, namespace: str, name: str, eviction: Any, options: WriteOptions) -> Obj:
        api = self.api
        pods = api.kind("pods")
        pod = api.get(pods, namespace, name)
        if not isinstance(eviction, dict):
            raise BadRequest("the body of an eviction must be an Eviction object")
        delete_options = eviction.get("deleteOptions") or {}
        if not pod["metadata"].get("deletionTimestamp") and (pod.get("status") or {}).get(
            "phase"
        ) not in ("Succeeded", "Failed"):
            for pdb in api.store.iter("poddisruptionbudgets.policy", namespace):
                selector: LabelSelector = selector_from_object(
                    (pdb.get("spec") or {}).get("selector")
                )
                if not selector.matches(pod["metadata"].get("labels")):
                    continue
                status = pdb.get("status") or {}
                if status.get("disruptionsAllowed", 0) <= 0:
                    raise TooManyRequests(
                        "Cannot evict pod as it would violate the pod's disruption budget.",
                        details={
                            "causes": [
                                {
                                    "reason": "DisruptionBudget",
                                    "message": f"The disruption budget {pdb['metadata']['name']} "
                                    f"needs "
                                    f"{status.get('desiredHealthy', 0)} healthy pods and has "
                                    f"{status.get('currentHealthy', 0)} currently",
                                }
                            ]
                        },
                    )
        if "All" in (delete_options.get("dryRun") or []):  # kubectl drain --dry-run=server
            options = dataclasses.replace(options, dry_run=True)
        api.delete(pods, namespace, name, delete_options, options)
        return _created()

    def bind(self, namespace: str, name: str, binding: Any, options: WriteOptions) -> Obj:
        api = self.api
        pods = api.kind("pods")
        pod = api.get(pods, namespace, name)
        target = (binding or {}).get("target") or {}
        node = target.get("name", "")
        if not node:
            raise BadRequest("a binding must name its target node")
        if (pod.get("spec") or {}).get("nodeName"):
            raise Conflict(
                f'Operation cannot be fulfilled on pods/binding "{name}": pod {name} '
                f'is already assigned to node "{pod["spec"]["nodeName"]}"'
            )
        if options.dry_run:
            return _created()
        bound = clone(pod)
        bound["spec"]["nodeName"] = node
        api.store.update(pods.resource, bound)
        return _created()

    def finalize_namespace(self, name: str, body: Any, options: WriteOptions) -> Obj:
        api = self.api
        namespaces = api.kind("namespaces")
        current = api.get(namespaces, "", name)
        updated = clone(current)
        updated.setdefault("spec", {})["finalizers"] = ((body or {}).get("spec") or {}).get(
            "finalizers"
        ) or []
        if not updated["spec"]["finalizers"]:
            del updated["spec"]["finalizers"]
        if options.dry_run:
            return cast(Obj, updated)
        return api.store.update(namespaces.resource, updated)
