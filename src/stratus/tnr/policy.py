"""What the gateway lets a mitigation do: a typed policy with safe defaults.

A policy file is YAML holding any of the fields of :class:`Policy`; what it leaves out keeps
its default. Every field is checked strictly (no coercion of ``"20"`` to 20, no unknown
fields) and a bad file raises :class:`PolicyError` naming the file, the field and the reason.

Defaults, and the choices behind them:
- **Scope.** ``namespaces: []`` means every namespace except ``protected_namespaces``
  (``kube-system``, ``kube-public``, ``kube-node-lease``); naming namespaces restricts writes
  to those (a protected namespace named there is in scope). Reads may look anywhere unless
  ``read_anywhere: false``. Cluster-scoped objects may be written only if their kind is in
  ``cluster_kinds`` (``Node``: cordon, uncordon, drain, taint, label).
- **Forbidden.** Deleting a Namespace, PersistentVolume, PersistentVolumeClaim or Node; any
  change to RBAC, CRDs, admission webhooks/policies and API services; the verbs
  ``create token`` and ``certificate approve|deny`` (they mint credentials) and ``auth
  reconcile`` (it rewrites RBAC).
- **Irreversible** writes (``exec``, whose effects inside a container no snapshot can undo)
  are refused unless ``allow_irreversible``; then they run flagged as outside TNR.
- **Bounds.** At most ``max_writes`` (K=20) writes per transaction and ``max_objects`` objects
  touched by one command (a selector or ``-f`` matching more is refused).
- **Workloads and images.** Creating a workload that does not exist yet (Pod, Deployment,
  Job…) is refused unless ``allow_new_workloads``. An image may be set only if it is already
  used in scope (by a pod or a workload's pod template, old ReplicaSets included, so rolling
  back to a previous image works) or matches ``image_allowlist`` (shell-style patterns).
- ``approval``: ``auto`` runs writes, ``ask`` asks a human first, ``dry-run`` only proposes.
- ``redact_secrets``: Secret values are blanked in everything a model sees, and reads that
  would print them raw (``-o jsonpath`` on secrets…) are refused.
- ``manifest_dirs``: directories ``-f`` may read manifests from, besides the gateway's
  working directory.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError, field_validator

from stratus.kube.flags import flag_table
from stratus.tnr.errors import PolicyError

__all__ = ["Approval", "KindRule", "Operation", "Policy", "normal_image"]

Approval = Literal["auto", "ask", "dry-run"]
Operation = Literal["create", "update", "delete"]
_OPERATIONS: tuple[Operation, ...] = ("create", "update", "delete")
# Lists are accepted for tuples (YAML and Python callers write lists); all else is strict.
Names = Annotated[tuple[str, ...], Strict(False)]
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_KIND = re.compile(r"^(\*|[A-Z][A-Za-z0-9]*)$")


class KindRule(BaseModel):
    """Refuse ``operations`` on objects of ``kinds`` (``"*"``: every kind)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    kinds: Names = Field(min_length=1)
    operations: Annotated[tuple[Operation, ...], Strict(False)] = _OPERATIONS
    reason: str = ""

    @field_validator("kinds")
    @classmethod
    def _kinds(cls, kinds: tuple[str, ...]) -> tuple[str, ...]:
        for kind in kinds:
            if not _KIND.match(kind):
                raise ValueError(f"{kind!r} is not a kind (write it as in 'kind:', e.g. Pod)")
        return kinds

    def matches(self, operation: Operation, kind: str) -> bool:
        return operation in self.operations and ("*" in self.kinds or kind in self.kinds)


_DEFAULT_FORBIDDEN = (
    KindRule(
        kinds=("Namespace", "PersistentVolume", "PersistentVolumeClaim", "Node"),
        operations=("delete",),
        reason="deleting it loses data or capacity that undo cannot bring back",
    ),
    KindRule(
        kinds=("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"),
        reason="RBAC decides who may do what; a human must change it",
    ),
    KindRule(
        kinds=("CustomResourceDefinition",),
        reason="changing a CRD can drop every object of its type",
    ),
    KindRule(
        kinds=(
            "MutatingWebhookConfiguration",
            "ValidatingWebhookConfiguration",
            "ValidatingAdmissionPolicy",
            "ValidatingAdmissionPolicyBinding",
            "MutatingAdmissionPolicy",
            "MutatingAdmissionPolicyBinding",
            "APIService",
        ),
        reason="it extends the API server itself; a mistake can break every request",
    ),
)


class Policy(BaseModel):
    """The gateway's policy; see the module docstring for what each default means."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    namespaces: Names = ()
    protected_namespaces: Names = ("kube-system", "kube-public", "kube-node-lease")
    read_anywhere: bool = True
    cluster_kinds: Names = ("Node",)
    forbidden_verbs: Names = (
        "create token",
        "certificate approve",
        "certificate deny",
        "auth reconcile",
    )
    forbidden_kinds: Annotated[tuple[KindRule, ...], Strict(False)] = _DEFAULT_FORBIDDEN
    allow_irreversible: bool = False
    max_writes: int = Field(20, ge=1)
    max_objects: int = Field(20, ge=1)
    approval: Approval = "auto"
    redact_secrets: bool = True
    allow_new_workloads: bool = False
    image_allowlist: Names = ()
    manifest_dirs: Names = ()

    @field_validator("namespaces", "protected_namespaces")
    @classmethod
    def _namespaces(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        for name in names:
            if not _DNS_LABEL.match(name):
                raise ValueError(f"{name!r} is not a namespace name")
        return names

    @field_validator("cluster_kinds")
    @classmethod
    def _cluster_kinds(cls, kinds: tuple[str, ...]) -> tuple[str, ...]:
        return KindRule._kinds(kinds)

    @field_validator("forbidden_verbs")
    @classmethod
    def _verbs(cls, verbs: tuple[str, ...]) -> tuple[str, ...]:
        known = flag_table().commands
        for verb in verbs:
            if tuple(verb.split()) not in known:
                raise ValueError(f"{verb!r} is not a kubectl command (e.g. 'create token')")
        return verbs

    @field_validator("image_allowlist")
    @classmethod
    def _images(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        if any(not p.strip() for p in patterns):
            raise ValueError("an empty image pattern would allow every image; write '*'")
        return patterns

    # --- questions the gateway asks ----------------------------------------------------

    def in_scope(self, namespace: str) -> bool:
        """Whether writes may touch ``namespace``."""
        if self.namespaces:
            return namespace in self.namespaces
        return namespace not in self.protected_namespaces

    def scope_text(self) -> str:
        if self.namespaces:
            return "namespaces " + ", ".join(self.namespaces)
        return "any namespace but " + ", ".join(self.protected_namespaces)

    def forbidding(self, operation: Operation, kind: str) -> KindRule | None:
        return next((r for r in self.forbidden_kinds if r.matches(operation, kind)), None)

    def forbids_verb(self, path: Iterable[str]) -> bool:
        words = tuple(path)
        return any(words[: len(v.split())] == tuple(v.split()) for v in self.forbidden_verbs)

    def image_allowed(self, image: str, in_use: Iterable[str]) -> bool:
        image_n = normal_image(image)
        if image_n in {normal_image(i) for i in in_use}:
            return True
        return any(fnmatchcase(image, p) or fnmatchcase(image_n, p) for p in self.image_allowlist)

    # --- loading -----------------------------------------------------------------------

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], source: Path | str | None = None) -> Policy:
        try:
            return cls.model_validate_json(json.dumps(dict(data), default=str))
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            reasons = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[1:]
            )
            more = f" (also {reasons})" if reasons else ""
            raise PolicyError(source, field, f"{first['msg']}{more}") from None

    @classmethod
    def load(cls, path: Path | str) -> Policy:
        """Read a policy file; an empty file gives the defaults."""
        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except OSError as exc:
            raise PolicyError(path, "", f"cannot read the policy file: {exc.strerror}") from None
        except yaml.YAMLError as exc:
            raise PolicyError(path, "", f"not valid YAML: {exc}") from None
        if not isinstance(data, dict):
            raise PolicyError(path, "", "a policy file must be a mapping of fields")
        return cls.from_mapping(data, path)


def normal_image(image: str) -> str:
    """``nginx`` → ``docker.io/library/nginx:latest``: Docker's defaults made explicit."""
    name, at, digest = image.partition("@")
    first, slash, _ = name.partition("/")
    if not slash or ("." not in first and ":" not in first and first != "localhost"):
        name = f"docker.io/{name}" if slash else f"docker.io/library/{name}"
    if not at and ":" not in name.rpartition("/")[2]:
        name += ":latest"
    return f"{name}{at}{digest}"
