"""Printers for workload kinds (apps, batch, autoscaling)."""

from __future__ import annotations

from typing import Any

from stratus.sim.clock import parse_timestamp
from stratus.sim.server.tables.base import (
    AGE,
    NAME,
    Cell,
    Column,
    Printer,
    age,
    containers_and_images,
    format_labels,
    format_selector,
    human_duration,
    since,
)
from stratus.sim.store import Obj

__all__ = ["WORKLOAD_PRINTERS"]

_CONTAINERS = Column(
    "Containers", description="Names of each container in the template.", priority=1
)
_IMAGES = Column(
    "Images", description="Images referenced by each container in the template.", priority=1
)
_SELECTOR = Column("Selector", description="The label selector.", priority=1)


def _template(obj: Obj) -> dict[str, Any]:
    return ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}


def _deployment(d: Obj, now: float) -> list[Cell]:
    spec, status = d.get("spec") or {}, d.get("status") or {}
    names, images = containers_and_images(_template(d))
    return [
        d["metadata"]["name"],
        f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}",
        status.get("updatedReplicas", 0),
        status.get("availableReplicas", 0),
        age(d, now),
        names,
        images,
        format_selector(spec.get("selector"), empty=""),
    ]


def _replica_set(rs: Obj, now: float) -> list[Cell]:
    spec, status = rs.get("spec") or {}, rs.get("status") or {}
    names, images = containers_and_images(_template(rs))
    return [
        rs["metadata"]["name"],
        spec.get("replicas", 1),
        status.get("replicas", 0),
        status.get("readyReplicas", 0),
        age(rs, now),
        names,
        images,
        format_selector(spec.get("selector")),
    ]


def _stateful_set(sts: Obj, now: float) -> list[Cell]:
    spec, status = sts.get("spec") or {}, sts.get("status") or {}
    names, images = containers_and_images(_template(sts))
    return [
        sts["metadata"]["name"],
        f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}",
        age(sts, now),
        names,
        images,
    ]


def _daemon_set(ds: Obj, now: float) -> list[Cell]:
    spec, status = ds.get("spec") or {}, ds.get("status") or {}
    names, images = containers_and_images(_template(ds))
    return [
        ds["metadata"]["name"],
        status.get("desiredNumberScheduled", 0),
        status.get("currentNumberScheduled", 0),
        status.get("numberReady", 0),
        status.get("updatedNumberScheduled", 0),
        status.get("numberAvailable", 0),
        format_labels(_template(ds).get("nodeSelector")),
        age(ds, now),
        names,
        images,
        format_selector(spec.get("selector")),
    ]


def _job_status(job: Obj) -> str:
    conditions = (job.get("status") or {}).get("conditions") or []

    def has(kind: str) -> bool:
        for cond in conditions:
            if cond.get("type") == kind:
                return bool(cond.get("status") == "True")
        return False

    if has("Complete"):
        return "Complete"
    if has("Failed"):
        return "Failed"
    if job["metadata"].get("deletionTimestamp"):
        return "Terminating"
    for state in ("Suspended", "FailureTarget", "SuccessCriteriaMet"):
        if has(state):
            return state
    return "Running"


def _job(job: Obj, now: float) -> list[Cell]:
    spec, status = job.get("spec") or {}, job.get("status") or {}
    succeeded = status.get("succeeded", 0)
    if spec.get("completions") is not None:
        completions = f"{succeeded}/{spec['completions']}"
    elif spec.get("parallelism", 1) > 1:
        completions = f"{succeeded}/1 of {spec['parallelism']}"
    else:
        completions = f"{succeeded}/1"
    duration = ""
    if status.get("startTime"):
        if status.get("completionTime"):
            duration = human_duration(
                parse_timestamp(status["completionTime"]) - parse_timestamp(status["startTime"])
            )
        else:
            duration = since(status["startTime"], now)
    names, images = containers_and_images(_template(job))
    return [
        job["metadata"]["name"],
        _job_status(job),
        completions,
        duration,
        age(job, now),
        names,
        images,
        format_selector(spec.get("selector")),
    ]


def _cron_job(cj: Obj, now: float) -> list[Cell]:
    spec, status = cj.get("spec") or {}, cj.get("status") or {}
    job_spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    names, images = containers_and_images((job_spec.get("template") or {}).get("spec"))
    suspend = spec.get("suspend")
    return [
        cj["metadata"]["name"],
        spec.get("schedule", ""),
        spec.get("timeZone") or "<none>",
        "<unset>" if suspend is None else ("True" if suspend else "False"),
        len(status.get("active") or []),
        since(status["lastScheduleTime"], now) if status.get("lastScheduleTime") else "<none>",
        age(cj, now),
        names,
        images,
        format_selector(job_spec.get("selector")),
    ]


def _hpa_metrics(spec: dict[str, Any], status: dict[str, Any]) -> str:
    metrics = spec.get("metrics") or []
    if not metrics:
        return "<none>"
    current = status.get("currentMetrics") or []
    entries = []
    for i, metric in enumerate(metrics):
        kind = metric.get("type")
        now_metric = current[i] if i < len(current) else {}
        if kind in ("Resource", "ContainerResource"):
            key = "resource" if kind == "Resource" else "containerResource"
            source, observed = (
                metric.get(key) or {},
                (now_metric.get(key) or {}).get("current") or {},
            )
            target = source.get("target") or {}
            if target.get("averageValue") is not None:
                value = observed.get("averageValue", "<unknown>")
                entries.append(f"{source.get('name')}: {value}/{target['averageValue']}")
            else:
                value = (
                    f"{observed['averageUtilization']}%"
                    if observed.get("averageUtilization") is not None
                    else "<unknown>"
                )
                wanted = (
                    f"{target['averageUtilization']}%"
                    if target.get("averageUtilization") is not None
                    else "<auto>"
                )
                entries.append(f"{source.get('name')}: {value}/{wanted}")
        else:
            entries.append("<unknown>/<unknown>")
    text = ", ".join(entries[:2])
    if len(entries) > 2:
        text += f" + {len(entries) - 2} more..."
    return text


def _hpa(hpa: Obj, now: float) -> list[Cell]:
    spec, status = hpa.get("spec") or {}, hpa.get("status") or {}
    ref = spec.get("scaleTargetRef") or {}
    minimum = spec.get("minReplicas")
    return [
        hpa["metadata"]["name"],
        f"{ref.get('kind')}/{ref.get('name')}",
        _hpa_metrics(spec, status),
        str(minimum) if minimum is not None else "<unset>",
        spec.get("maxReplicas", 0),
        status.get("currentReplicas", 0),
        age(hpa, now),
    ]


def _controller_revision(cr: Obj, now: float) -> list[Cell]:
    owner = next(
        (ref for ref in cr["metadata"].get("ownerReferences") or [] if ref.get("controller")), None
    )
    controller = "<none>"
    if owner:
        group = owner.get("apiVersion", "").rpartition("/")[0]
        kind = owner.get("kind", "").lower() + (f".{group}" if group else "")
        controller = f"{kind}/{owner.get('name')}"
    return [cr["metadata"]["name"], controller, cr.get("revision", 0), age(cr, now)]


def _c(name: str, description: str, type_: str = "string") -> Column:
    return Column(name, type=type_, description=description)


WORKLOAD_PRINTERS: dict[str, Printer] = {
    "Deployment": Printer(
        (
            NAME,
            _c("Ready", "Number of the pod with ready state"),
            _c(
                "Up-to-date",
                "Total number of non-terminated pods targeted by this "
                "deployment that have the desired template spec.",
            ),
            _c("Available", "Total number of available pods targeted by this deployment."),
            AGE,
            _CONTAINERS,
            _IMAGES,
            _SELECTOR,
        ),
        _deployment,
    ),
    "ReplicaSet": Printer(
        (
            NAME,
            _c("Desired", "Desired replicas.", "integer"),
            _c("Current", "Observed replicas.", "integer"),
            _c("Ready", "Ready replicas.", "integer"),
            AGE,
            _CONTAINERS,
            _IMAGES,
            _SELECTOR,
        ),
        _replica_set,
    ),
    "StatefulSet": Printer(
        (NAME, _c("Ready", "Number of the pod with ready state"), AGE, _CONTAINERS, _IMAGES),
        _stateful_set,
    ),
    "DaemonSet": Printer(
        (
            NAME,
            _c("Desired", "Desired pods.", "integer"),
            _c("Current", "Scheduled pods.", "integer"),
            _c("Ready", "Ready pods.", "integer"),
            _c("Up-to-date", "Updated pods.", "integer"),
            _c("Available", "Available pods.", "integer"),
            _c("Node Selector", "The node selector of the pod template."),
            AGE,
            _CONTAINERS,
            _IMAGES,
            _SELECTOR,
        ),
        _daemon_set,
    ),
    "Job": Printer(
        (
            NAME,
            _c("Status", "Status of the job."),
            _c("Completions", "The completion status of the job"),
            _c("Duration", "Time required to complete the job."),
            AGE,
            _CONTAINERS,
            _IMAGES,
            _SELECTOR,
        ),
        _job,
    ),
    "CronJob": Printer(
        (
            NAME,
            _c("Schedule", "The schedule."),
            _c("Timezone", "The time zone."),
            _c("Suspend", "Whether the schedule is suspended.", "boolean"),
            _c("Active", "Active jobs.", "integer"),
            _c("Last Schedule", "When a job was last scheduled."),
            AGE,
            _CONTAINERS,
            _IMAGES,
            _SELECTOR,
        ),
        _cron_job,
    ),
    "HorizontalPodAutoscaler": Printer(
        (
            NAME,
            _c("Reference", "The scaled target."),
            _c("Targets", "Current and target metric values."),
            _c("MinPods", "Lower replica limit."),
            _c("MaxPods", "Upper replica limit."),
            _c("Replicas", "Current replicas."),
            AGE,
        ),
        _hpa,
    ),
    "ControllerRevision": Printer(
        (
            NAME,
            _c("Controller", "The owning controller."),
            _c("Revision", "The revision.", "integer"),
            AGE,
        ),
        _controller_revision,
    ),
}
