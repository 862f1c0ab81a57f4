"""What the emulated API serves: type definitions and the kinds built from them."""

from stratus.sim.kinds.registry import Kinds, ResourceKind, default_kinds
from stratus.sim.kinds.schema import Schema, TypeDef, load_schema

__all__ = ["Kinds", "ResourceKind", "Schema", "TypeDef", "default_kinds", "load_schema"]
