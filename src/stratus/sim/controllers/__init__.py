"""Controllers of the emulated cloud, run on its virtual clock."""

from stratus.sim.controllers.base import Controller, ControllerEnv
from stratus.sim.controllers.events import EventRecorder
from stratus.sim.controllers.manager import ControllerManager

__all__ = ["Controller", "ControllerEnv", "ControllerManager", "EventRecorder"]
