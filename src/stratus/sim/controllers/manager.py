"""Runs the controllers: feeds them store changes and pumps their queues until quiet."""

from __future__ import annotations

import logging

from stratus.sim.controllers.base import Controller, ControllerEnv
from stratus.sim.controllers.chaos import ChaosController
from stratus.sim.controllers.daemonset import DaemonSetController
from stratus.sim.controllers.deployment import DeploymentController
from stratus.sim.controllers.endpoints import EndpointsController
from stratus.sim.controllers.garbage import GarbageCollector
from stratus.sim.controllers.job import JobController
from stratus.sim.controllers.kubelet.kubelet import Kubelet
from stratus.sim.controllers.namespaces import NamespaceController
from stratus.sim.controllers.nodes import NodeLifecycleController
from stratus.sim.controllers.policy import DisruptionBudgetController, QuotaController
from stratus.sim.controllers.replicaset import ReplicaSetController
from stratus.sim.controllers.scheduling import Scheduler
from stratus.sim.controllers.statefulset import StatefulSetController
from stratus.sim.controllers.volumes import VolumeController
from stratus.sim.store import Change

__all__ = ["ControllerManager"]

_LOG = logging.getLogger(__name__)
_MAX_ROUNDS = 200


class ControllerManager:
    def __init__(self, env: ControllerEnv) -> None:
        self.env = env
        self.kubelet = Kubelet(env)
        self.controllers: list[Controller] = [
            NamespaceController(env),
            GarbageCollector(env),
            DeploymentController(env),
            ReplicaSetController(env),
            StatefulSetController(env),
            DaemonSetController(env),
            JobController(env),
            VolumeController(env),
            NodeLifecycleController(env),
            Scheduler(env),
            self.kubelet,
            EndpointsController(env),
            QuotaController(env),
            DisruptionBudgetController(env),
            ChaosController(env),
        ]
        env.store.add_listener(self._observe)

    def _observe(self, change: Change) -> None:
        for controller in self.controllers:
            controller.observe(change)

    @property
    def busy(self) -> bool:
        return any(c.pending for c in self.controllers)

    def pump(self) -> int:
        """Run controllers until none has queued work; returns the keys processed."""
        processed = 0
        for _ in range(_MAX_ROUNDS):
            if not self.busy:
                return processed
            for controller in self.controllers:
                if controller.pending:
                    processed += controller.run()
        _LOG.warning("controllers did not settle after %d rounds", _MAX_ROUNDS)
        return processed

    def resync(self) -> int:
        """A full reconcile pass: every controller looks at every object it owns."""
        for controller in self.controllers:
            controller.enqueue_all()
        return self.pump()
