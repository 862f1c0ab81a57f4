"""Assemble a kernel for one cluster from what a user gives: a kubeconfig and context, the
namespaces in scope, the monitoring endpoints, a policy and where the journal lives."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from stratus.kube.client import KubeClient
from stratus.kube.runner import Kubectl
from stratus.observe.clock import WALL_CLOCK, Clock
from stratus.observe.cluster import ClusterObserver
from stratus.observe.prometheus import PrometheusClient
from stratus.observe.sla import SlaPolicy
from stratus.tnr.errors import TnrError
from stratus.tnr.gateway import Decision, Gateway
from stratus.tnr.journal import Journal, journal_path
from stratus.tnr.policy import Policy
from stratus.tnr.settle import SettleBounds
from stratus.tnr.severity import SeverityMeter, SeverityWeights
from stratus.tnr.transaction import Approval, Kernel, KernelEvent
from stratus.tnr.view import ClientView

__all__ = ["Connection", "open_kernel"]


@dataclass(frozen=True)
class Connection:
    """How to reach a cluster and its monitoring. ``namespace`` is where commands without
    ``-n`` act; ``prometheus`` is the base URL of a Prometheus-compatible query API."""

    kubeconfig: Path | None = None
    context: str | None = None
    namespace: str = "default"
    prometheus: str | None = None
    jaeger: str | None = None


def open_kernel(
    connection: Connection,
    *,
    policy: Policy | None = None,
    approval: Approval | None = None,
    namespaces: Sequence[str] = (),
    journal: Path | None = None,
    state_dir: Path | None = None,
    clock: Clock = WALL_CLOCK,
    settle: SettleBounds | None = None,
    weights: SeverityWeights | None = None,
    sla: SlaPolicy | None = None,
    ask: Callable[[Decision], bool] | None = None,
    on_event: Callable[[KernelEvent], None] | None = None,
    cache_dir: Path | None = None,
    recover_pending: bool = True,
) -> Kernel:
    """A kernel whose severity covers ``namespaces`` (default: the policy's, else the
    connection's namespace). The journal is the context's file under the state directory
    unless ``journal`` names one; opening it takes the writer lock, and transactions a dead
    process left open are rolled back first (``recover_pending``)."""
    if connection.prometheus is None:
        raise TnrError("severity needs a Prometheus-compatible endpoint: pass --prometheus URL")
    policy = policy or Policy()
    client = KubeClient.from_kubeconfig(connection.kubeconfig, connection.context)
    runner = Kubectl(
        kubeconfig=connection.kubeconfig,
        context=connection.context,
        namespace=connection.namespace,
        cache_dir=cache_dir,
    )
    scope = tuple(namespaces) or policy.namespaces or (connection.namespace,)
    meter = SeverityMeter(
        PrometheusClient(connection.prometheus), ClusterObserver(client, scope), weights, sla
    )
    gateway = Gateway(policy, view=ClientView(client), namespace=connection.namespace)
    path = journal or journal_path(client.context or "default", state_dir)
    kernel = Kernel(
        runner=runner,
        client=client,
        gateway=gateway,
        journal=Journal.open(path),
        meter=meter,
        clock=clock,
        settle=settle,
        approval=approval or policy.approval,
        ask=ask,
        on_event=on_event,
    )
    if recover_pending:
        kernel.recover()
    return kernel
