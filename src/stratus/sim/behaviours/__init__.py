"""Image behaviours: what each image's programs do, and the emulated registry."""

from stratus.sim.behaviours.images import ImageRef, parse_image
from stratus.sim.behaviours.model import ImageSpec, Program
from stratus.sim.behaviours.registry import (
    DEFAULT_PROGRAM,
    BehaviourRegistry,
    Launch,
    Pull,
    load_behaviour_file,
)

__all__ = [
    "DEFAULT_PROGRAM",
    "BehaviourRegistry",
    "ImageRef",
    "ImageSpec",
    "Launch",
    "Program",
    "Pull",
    "load_behaviour_file",
    "parse_image",
]
