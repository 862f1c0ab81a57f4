"""The problem file format: what to run (an app under load, a fault), what the agent is asked
(a task), the truth it is graded against, and the oracle that says a mitigation worked.

A problem file holds one problem, or a list of them under ``problems:``. Every field is
checked (unknown keys are errors). ``task`` may list several tasks: the entry then expands to
one problem per task, its id suffixed with the task (``geo-down`` → ``geo-down-mitigation``).

.. code-block:: yaml

    id: revoke-auth-mongodb-geo          # unique in its suite
    description: geo cannot read its database
    app: hotel-reservation               # a built-in app, or a folder (relative to this file)
    namespace: test-hotel-reservation    # default: the app's
    task: mitigation                     # detection | localization | analysis | mitigation
    fault: revoke-auth-mongodb-geo       # a catalogue fault, or inline: {inject: [steps], settle}
    ground_truth:
      components: [mongodb-geo, geo]     # the faulty components, root cause first
      category: credentials              # stratus.agents.results.Category
      accept: [misconfiguration]         # other categories graded as right
      description: the admin user lost readWrite on geo-db
    load: {rate: 20, warmup: 420}        # requests/s (default: the app's), virtual warm-up s
    entrypoints: [frontend]              # user-facing services (default: the load's target)
    oracle:
      kernel: [alerts, requests, health] # the safety kernel's oracles (default: all three)
      window: 120                        # virtual seconds the alerts must stay quiet
      checks:                            # declarative checks, all must hold
        - field: {kind: Service, name: geo, path: "spec.ports[0].targetPort", equals: 8083}
        - ready: {workloads: [Deployment/geo, Deployment/mongodb-geo]}
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from stratus.agents.results import Category
from stratus.sim.faults.model import FaultSpec, Step

__all__ = [
    "KERNEL_ORACLES",
    "TASKS",
    "Check",
    "FieldCheck",
    "GroundTruth",
    "InlineFault",
    "Load",
    "OracleSpec",
    "Problem",
    "ProblemDoc",
    "ReadyCheck",
    "Task",
]

_STRICT = ConfigDict(extra="forbid", frozen=True)
Task = Literal["detection", "localization", "analysis", "mitigation"]
TASKS: tuple[Task, ...] = ("detection", "localization", "analysis", "mitigation")
KernelOracle = Literal["alerts", "requests", "health"]
KERNEL_ORACLES: tuple[KernelOracle, ...] = ("alerts", "requests", "health")
_COMPARATORS = ("equals", "not_equals", "contains")
_WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")


class FieldCheck(BaseModel):
    """``path`` (``spec.ports[0].targetPort``, ``data['demo.flagd.json']``) of one object
    compares with exactly one of ``equals``, ``not_equals``, ``contains``. ``json`` then reads
    that string as JSON and follows a second path into it. A missing path reads as null."""

    model_config = _STRICT
    kind: str
    name: str
    api_version: str | None = Field(None, description="default: from the kind (apps/v1, v1, ...)")
    namespace: str | None = Field(None, description="default: the problem's namespace")
    path: str = Field(min_length=1)
    json_path: str | None = Field(None, alias="json")
    equals: Any = None
    not_equals: Any = None
    contains: Any = None

    @model_validator(mode="after")
    def _one_comparator(self) -> FieldCheck:
        given = [c for c in _COMPARATORS if c in self.model_fields_set]
        if len(given) != 1:
            raise ValueError(
                f"a field check needs exactly one of {', '.join(_COMPARATORS)}; "
                f"found {given or 'none'}"
            )
        return self

    @property
    def comparator(self) -> str:
        return next(c for c in _COMPARATORS if c in self.model_fields_set)


class ReadyCheck(BaseModel):
    """Each workload (``Deployment/geo``) exists, wants at least one replica, and has its
    rollout complete with every replica ready."""

    model_config = _STRICT
    workloads: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _kinds(self) -> ReadyCheck:
        for item in self.workloads:
            kind, sep, name = item.partition("/")
            if not sep or not name or kind not in _WORKLOAD_KINDS:
                raise ValueError(f"{item!r}: expected Kind/name, Kind one of {_WORKLOAD_KINDS}")
        return self


class Check(BaseModel):
    """One declarative check: exactly one of ``field`` or ``ready``."""

    model_config = _STRICT
    field: FieldCheck | None = None
    ready: ReadyCheck | None = None

    @model_validator(mode="after")
    def _one(self) -> Check:
        if (self.field is None) == (self.ready is None):
            raise ValueError("a check needs exactly one of field, ready")
        return self


class OracleSpec(BaseModel):
    """The oracle of a mitigation problem. ``settle``: virtual seconds the grader waits after
    the agent stops before judging; ``window``: how long alerts must stay quiet."""

    model_config = _STRICT
    kernel: list[KernelOracle] = Field(default_factory=lambda: list(KERNEL_ORACLES))
    window: float = Field(120.0, ge=0.0)
    settle: float = Field(60.0, ge=0.0)
    checks: list[Check] = Field(default_factory=list)


class InlineFault(BaseModel):
    """A fault written in the problem: steps as in fault files (``stratus.sim.faults``)."""

    model_config = _STRICT
    inject: list[Step] = Field(min_length=1)
    recover: list[Step] = Field(default_factory=list)
    settle: float = Field(300.0, gt=0.0, description="virtual seconds for symptoms to show")


def _fault_kind(value: Any) -> str:
    return "inline" if isinstance(value, dict | InlineFault) else "name"


FaultField = Annotated[
    Annotated[str, Tag("name")] | Annotated[InlineFault, Tag("inline")],
    Discriminator(_fault_kind),
]


class GroundTruth(BaseModel):
    """What the grader compares answers with. For a catalogue fault, ``components`` default
    to the fault's. ``category`` uses the agents' root-cause vocabulary (not the catalogue's
    fault classes), so it is never taken from the fault: without it a problem is graded
    ``unknown``. ``level`` and ``description`` are for people reading the results."""

    model_config = _STRICT
    components: list[str] = Field(default_factory=list)
    category: Category | None = None
    accept: list[Category] = Field(default_factory=list)
    level: str | None = None
    description: str = ""


class Load(BaseModel):
    """``rate`` requests per second (None: the app's declared rate; 0: no load) and the
    virtual seconds the app runs before the baseline is taken and the fault injected."""

    model_config = _STRICT
    rate: float | None = Field(None, ge=0.0)
    warmup: float = Field(420.0, ge=0.0)


class ProblemDoc(BaseModel):
    """One problem as written (one task)."""

    model_config = _STRICT
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    description: str = ""
    app: str
    namespace: str | None = None
    task: Task
    fault: FaultField | None = None
    ground_truth: GroundTruth = Field(default_factory=GroundTruth)
    load: Load = Field(default_factory=Load)
    entrypoints: list[str] = Field(default_factory=list)
    oracle: OracleSpec = Field(default_factory=OracleSpec)
    tags: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _task_needs(self) -> ProblemDoc:
        if self.task != "detection" and self.fault is None:
            raise ValueError(f"a {self.task} problem needs a fault (only detection may have none)")
        if self.task == "analysis" and self.ground_truth.category is None:
            raise ValueError("an analysis problem needs ground_truth.category")
        return self


class Problem(BaseModel):
    """A loaded problem: the document, its fault resolved to a ``FaultSpec`` (None for a
    no-fault problem), the app as ``load_app`` takes it, the namespace, the entrypoints and
    the file it came from. Self-contained, so it can be sent to a worker process."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    doc: ProblemDoc
    fault: FaultSpec | None
    app: str
    app_name: str
    namespace: str
    entrypoints: tuple[str, ...]
    components: tuple[str, ...] = ()
    origin: str = ""

    @property
    def id(self) -> str:
        return self.doc.id

    @property
    def task(self) -> Task:
        return self.doc.task

    @property
    def has_fault(self) -> bool:
        return self.fault is not None

    @property
    def category(self) -> str:
        """The root-cause category graded (``none`` for a no-fault problem)."""
        gt = self.doc.ground_truth
        return gt.category or ("none" if self.fault is None else "unknown")
