"""The deterministic state machine over the agents: DETECT → DIAGNOSE → MITIGATE → VALIDATE →
COMMIT | UNDO → RETRY → RESOLVED | ESCALATE (``DIAGRAM``, ``describe_machine``)."""

from stratus.machine.engine import Machine
from stratus.machine.environment import Environment, KernelEnvironment, OpenTransaction
from stratus.machine.events import EventBus
from stratus.machine.phases import DIAGRAM, TRANSITIONS, MachineEvent, Phase, describe_machine
from stratus.machine.report import IncidentReport, MuPoint, summarize_oracles
from stratus.machine.watch import WatchReport, watch

__all__ = [
    "DIAGRAM",
    "TRANSITIONS",
    "Environment",
    "EventBus",
    "IncidentReport",
    "KernelEnvironment",
    "Machine",
    "MachineEvent",
    "MuPoint",
    "OpenTransaction",
    "Phase",
    "WatchReport",
    "describe_machine",
    "summarize_oracles",
    "watch",
]
