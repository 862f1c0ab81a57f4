"""The API server's REST semantics, without HTTP."""

from stratus.sim.api.options import WriteOptions
from stratus.sim.api.service import PATCH_TYPES, ApiService
from stratus.sim.api.subresources import Subresources, selector_string

__all__ = ["PATCH_TYPES", "ApiService", "Subresources", "WriteOptions", "selector_string"]
