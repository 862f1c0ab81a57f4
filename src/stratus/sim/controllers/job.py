"""The Job controller: run pods to ``completions`` successes, within ``backoffLimit``."""

from __future__ import annotations

from typing import Any

from stratus.sim.api import WriteOptions
from stratus.sim.clock import parse_timestamp
from stratus.sim.controllers.base import Controller, update_status
from stratus.sim.controllers.podstate import is_ready
from stratus.sim.controllers.templates import pod_from_template
from stratus.sim.errors import ApiError
from stratus.sim.store import ObjectKey

__all__ = ["JobController"]

_COMPONENT = "job-controller"


class JobController(Controller):
    name = _COMPONENT
    resource = "jobs.batch"
    owns = "pods"
    kind = "Job"

    def sync(self, key: ObjectKey) -> None:
        job = self.get(key)
        if job is None or job["metadata"].get("deletionTimestamp"):
            return
        spec = job.get("spec") or {}
        status = dict(job.get("status") or {})
        if any(
            c.get("type") in ("Complete", "Failed") and c.get("status") == "True"
            for c in status.get("conditions") or []
        ):
            return
        now = self.env.clock.timestamp()
        pods = self.owned(job, "pods")
        phases = [(p.get("status") or {}).get("phase") for p in pods]
        succeeded, failed = phases.count("Succeeded"), phases.count("Failed")
        active = [
            p
            for p, ph in zip(pods, phases, strict=True)
            if ph not in ("Succeeded", "Failed") and not p["metadata"].get("deletionTimestamp")
        ]
        completions = spec.get("completions")
        parallelism = spec.get("parallelism", 1)
        status.setdefault("startTime", now)
        conditions: list[dict[str, Any]] = list(status.get("conditions") or [])
        deadline = spec.get("activeDeadlineSeconds")
        done_reason = ""
        if failed > spec.get("backoffLimit", 6):
            done_reason = "BackoffLimitExceeded"
        elif (
            deadline is not None
            and self.env.clock.now() - parse_timestamp(status["startTime"]) >= deadline
        ):
            done_reason = "DeadlineExceeded"
        if spec.get("suspend"):
            wanted = 0
        elif completions is not None:
            wanted = min(parallelism, completions - succeeded)
        else:
            wanted = 0 if succeeded else parallelism
        if done_reason:
            for pod in active:
                self.env.api.delete(
                    self.env.api.kind("pods"), pod["metadata"]["namespace"], pod["metadata"]["name"]
                )
            message = (
                "Job has reached the specified backoff limit"
                if done_reason == "BackoffLimitExceeded"
                else "Job was active longer than specified deadline"
            )
            for kind in ("FailureTarget", "Failed"):
                conditions.append(
                    {
                        "type": kind,
                        "status": "True",
                        "lastProbeTime": now,
                        "lastTransitionTime": now,
                        "reason": done_reason,
                        "message": message,
                    }
                )
            self.env.events.record(job, "Warning", done_reason, message, component=_COMPONENT)
            active = []
        elif (completions is not None and succeeded >= completions) or (
            completions is None and succeeded > 0 and not active
        ):
            for kind in ("SuccessCriteriaMet", "Complete"):
                conditions.append(
                    {
                        "type": kind,
                        "status": "True",
                        "lastProbeTime": now,
                        "lastTransitionTime": now,
                        "reason": "CompletionsReached",
                        "message": "Reached expected number of succeeded pods",
                    }
                )
            status["completionTime"] = now
            self.env.events.record(
                job, "Normal", "Completed", "Job completed", component=_COMPONENT
            )
        else:
            for _ in range(max(0, wanted - len(active))):
                pod = pod_from_template(
                    job, spec.get("template") or {}, generate_name=job["metadata"]["name"] + "-"
                )
                try:
                    created = self.env.api.create(
                        self.env.api.kind("pods"), job["metadata"]["namespace"], pod, WriteOptions()
                    )
                except ApiError as exc:
                    self.env.events.record(
                        job,
                        "Warning",
                        "FailedCreate",
                        f"Error creating: {exc.message}",
                        component=_COMPONENT,
                    )
                    break
                active.append(created)
                self.env.events.record(
                    job,
                    "Normal",
                    "SuccessfulCreate",
                    f"Created pod: {created['metadata']['name']}",
                    component=_COMPONENT,
                )
            if deadline is not None:
                due = parse_timestamp(status["startTime"]) + deadline
                self.env.clock.call_at(due, lambda: self.enqueue(key))
        status.update(
            {
                "active": len(active),
                "succeeded": succeeded,
                "failed": failed,
                "ready": sum(1 for p in active if is_ready(p)),
                "terminating": sum(1 for p in pods if p["metadata"].get("deletionTimestamp")),
                "conditions": conditions,
                "uncountedTerminatedPods": {},
            }
        )
        for field in ("active", "succeeded", "failed", "terminating"):
            if not status[field]:
                del status[field]
        if not conditions:
            del status["conditions"]
        update_status(self.env.store, job, status)
