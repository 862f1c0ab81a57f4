"""The emulated cloud's HTTP face: the Kubernetes REST API on loopback."""

from stratus.sim.server.app import build_app
from stratus.sim.server.context import ServerContext
from stratus.sim.server.serving import ServedApp

__all__ = ["ServedApp", "ServerContext", "build_app"]
