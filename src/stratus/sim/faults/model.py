"""The schema of fault files: what to change to break an app, how to undo it, the fix an SRE
would type, and the symptoms a real cluster would show."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from stratus.sim.errors import DefinitionError

__all__ = ["Expectation", "FaultSpec", "Step", "load_fault_file"]

_STRICT = ConfigDict(extra="forbid", frozen=True)
_STEP_KINDS = (
    "kubectl",
    "patch",
    "delete",
    "create",
    "apply",
    "exec",
    "wait",
    "node",
    "redeploy",
    "chaos",
    "flag",
)


class Step(BaseModel):
    """One change. Exactly one of the keys is set:

    * ``kubectl``: a kubectl command line (``patch``, ``scale``, ``delete``, ``set image``,
      ``set env``, ``label``, ``annotate``, ``cordon``, ``uncordon``, ``taint``,
      ``rollout restart``, ``exec``, ``create namespace``);
    * ``patch``: ``{kind, name, type: json|merge|strategic, patch}``;
    * ``delete``: ``{kind, name}`` or ``{kind, selector}``;
    * ``create`` / ``apply``: a manifest (apply replaces an existing object);
    * ``exec``: ``{selector, container, command, stdin}``, run in the first matching pod;
    * ``wait``: seconds of virtual time;
    * ``node``: ``{name, condition: Ready, status: "False"|"Unknown"|"True"}``;
    * ``redeploy``: ``{}``: create the app's manifests again (what exists is kept);
    * ``chaos``: a Chaos Mesh experiment manifest (``NetworkChaos``, ``PodChaos``);
    * ``flag``: ``{configmap, key, name, variant}``: set a feature flag's default variant in
      the flagd definition a ConfigMap holds (as an operator editing it would).

    Strings may use ``{namespace}``, the namespace the app runs in."""

    model_config = _STRICT
    kubectl: str | None = None
    patch: dict[str, Any] | None = None
    delete: dict[str, Any] | None = None
    create: dict[str, Any] | None = None
    apply: dict[str, Any] | None = None
    exec: dict[str, Any] | None = None
    wait: float | None = None
    node: dict[str, Any] | None = None
    redeploy: dict[str, Any] | None = None
    chaos: dict[str, Any] | None = None
    flag: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _one(self) -> Step:
        set_keys = [k for k in _STEP_KINDS if getattr(self, k) is not None]
        if len(set_keys) != 1:
            raise ValueError(
                f"a step needs exactly one of {', '.join(_STEP_KINDS)}; found {set_keys or 'none'}"
            )
        return self

    @property
    def kind(self) -> str:
        return next(k for k in _STEP_KINDS if getattr(self, k) is not None)

    @property
    def body(self) -> Any:
        return getattr(self, self.kind)


class Expectation(BaseModel):
    """Symptoms that must appear (through public interfaces) while the fault is active."""

    model_config = _STRICT
    pod_status: dict[str, str] | None = Field(
        None, description="{selector, status}: a pod matching selector shows this STATUS"
    )
    alerts: list[str] = Field(default_factory=list, description="alert names that fire")
    error_rate: dict[str, Any] | None = Field(
        None, description="{service, above}: share of failed server spans of a service"
    )
    latency_ms: dict[str, Any] | None = Field(
        None, description="{service, above}: p95 latency of a service's server spans"
    )
    log: dict[str, str] | None = Field(None, description="{selector, container, contains}")
    event: dict[str, str] | None = Field(None, description="{reason, contains}")
    trace_error: str | None = Field(None, description="a service with failing spans in traces")


class FaultSpec(BaseModel):
    model_config = _STRICT
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    description: str
    app: str
    source: str = Field(pattern="^(aiopslab|sregym|itbench|symptomatic|stratus)$")
    category: str = Field(description="fault type, as the analysis task names it")
    level: str = Field(pattern="^(Hardware|Operating System|Virtualization|Application)$")
    components: list[str] = Field(min_length=1, description="the faulty components")
    mitigable: bool = Field(True, description="whether a cluster-level action can fix it")
    self_healing: bool = Field(
        False, description="the cluster recovers on its own once the fault has struck"
    )
    inject: list[Step] = Field(min_length=1)
    recover: list[Step] = Field(default_factory=list)
    fix: list[str] = Field(
        default_factory=list,
        description="the kubectl commands an SRE would type to fix it; {namespace} is the "
        "app's namespace and {app_dir} the folder of its manifests",
    )
    expect: Expectation = Field(default_factory=Expectation)
    settle: float = Field(300.0, gt=0, description="virtual seconds for symptoms to show")


def load_fault_file(path: Path) -> list[FaultSpec]:
    """A file holds one fault, or a list of them under ``faults:``."""
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise DefinitionError(str(path), "", f"cannot read fault file: {exc}") from exc
    docs = raw.get("faults") if isinstance(raw, dict) and "faults" in raw else [raw]
    if not isinstance(docs, list):
        raise DefinitionError(str(path), "faults", "expected a list of faults")
    out = []
    for index, doc in enumerate(docs):
        prefix = f"faults[{index}]." if len(docs) > 1 or "faults" in (raw or {}) else ""
        try:
            out.append(FaultSpec.model_validate(doc))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = prefix + ".".join(str(p) for p in first["loc"])
            raise DefinitionError(str(path), where, first["msg"]) from exc
    return out
