"""Scripted actors that test the oracles, not the agents: one does nothing; the others
"fix" the incident the ways SREGym's generic oracle was gamed: delete the faulty workload,
scale it to zero, or cordon every node. They act with plain kubectl (no safety kernel, which
would undo them) and know the faulty components from the ground truth. Every mitigation
problem must fail for every one of them."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod

from stratus.bench.agent import AgentRun, AgentTask
from stratus.bench.grade import Answer
from stratus.kube.runner import Kubectl

__all__ = ["ACTORS", "CordonActor", "DeleteActor", "NoopActor", "ScaleZeroActor"]

_WORKLOADS = ("deployment", "statefulset", "daemonset")


class NoopActor:
    """Does nothing and says nothing is wrong."""

    def prepare(self, task: AgentTask) -> None:
        return None

    def run(self, task: AgentTask) -> AgentRun:
        return AgentRun(answer=Answer(incident=False), outcome="did nothing")

    def close(self) -> None:
        return None


class _KubectlActor(ABC):
    """Runs the kubectl commands ``commands`` chooses, and reports them."""

    verb = ""

    def prepare(self, task: AgentTask) -> None:
        return None

    def run(self, task: AgentTask) -> AgentRun:
        kubectl = Kubectl(
            kubeconfig=task.endpoints.kubeconfig,
            namespace=task.endpoints.namespace,
            cache_dir=task.endpoints.workdir / "actor-cache",
        )
        lines = []
        for argv in self.commands(kubectl, task):
            result = kubectl.run(argv)
            lines.append(" ".join(["kubectl", *argv]) + ("" if result.ok else " (failed)"))
        components = task.hints.components if task.hints else ()
        return AgentRun(
            answer=Answer(incident=True, components=components),
            outcome=self.verb,
            actions=tuple(lines),
        )

    @abstractmethod
    def commands(self, kubectl: Kubectl, task: AgentTask) -> list[list[str]]:
        """The argv (without ``kubectl``) of each command to run."""

    def close(self) -> None:
        return None


def _faulty_workloads(kubectl: Kubectl, task: AgentTask) -> list[tuple[str, str]]:
    """(kind, name) of the workloads named like a faulty component."""
    wanted = set(task.hints.components if task.hints else ())
    result = kubectl.run(["get", ",".join(_WORKLOADS), "-o", "json"])
    items = json.loads(result.stdout).get("items", []) if result.ok else []
    return [
        (str(i["kind"]).lower(), str(i["metadata"]["name"]))
        for i in items
        if i["metadata"]["name"] in wanted
    ]


class DeleteActor(_KubectlActor):
    """Deletes every faulty workload (its alerts stop; nothing is fixed)."""

    verb = "deleted the faulty workloads"

    def commands(self, kubectl: Kubectl, task: AgentTask) -> list[list[str]]:
        return [
            ["delete", kind, name, "--wait=false"]
            for kind, name in _faulty_workloads(kubectl, task)
        ]


class ScaleZeroActor(_KubectlActor):
    """Scales every faulty Deployment or StatefulSet to zero replicas."""

    verb = "scaled the faulty workloads to zero"

    def commands(self, kubectl: Kubectl, task: AgentTask) -> list[list[str]]:
        return [
            ["scale", kind, name, "--replicas=0"]
            for kind, name in _faulty_workloads(kubectl, task)
            if kind != "daemonset"
        ]


class CordonActor(_KubectlActor):
    """Cordons every node (nothing new can be scheduled)."""

    verb = "cordoned every node"

    def commands(self, kubectl: Kubectl, task: AgentTask) -> list[list[str]]:
        result = kubectl.run(["get", "nodes", "-o", "name"])
        nodes = result.stdout.split() if result.ok else []
        return [["cordon", node] for node in nodes]


ACTORS: dict[str, type[NoopActor] | type[_KubectlActor]] = {
    "noop": NoopActor,
    "delete": DeleteActor,
    "scale-zero": ScaleZeroActor,
    "cordon": CordonActor,
}
