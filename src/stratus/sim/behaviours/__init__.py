"""Image behaviours: what each image's programs do, and the emulated registry."""

from stratus.sim.behaviours.images import ImageRef, parse_image
from stratus.sim.behaviours.model import (
    Call,
    FlagEffect,
    ImageSpec,
    MixEntry,
    Operation,
    Program,
    WorkloadSpec,
)
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
    "Call",
    "FlagEffect",
    "ImageRef",
    "ImageSpec",
    "Launch",
    "MixEntry",
    "Operation",
    "Program",
    "Pull",
    "WorkloadSpec",
    "load_behaviour_file",
    "parse_image",
]
