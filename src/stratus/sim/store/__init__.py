"""The object store, selectors and watches."""

from stratus.sim.store.objects import Obj, clone
from stratus.sim.store.selectors import (
    FieldSelector,
    LabelSelector,
    parse_field_selector,
    parse_label_selector,
    selector_from_object,
)
from stratus.sim.store.store import Change, ObjectKey, Store
from stratus.sim.store.watching import Watcher

__all__ = [
    "Change",
    "FieldSelector",
    "LabelSelector",
    "Obj",
    "ObjectKey",
    "Store",
    "Watcher",
    "clone",
    "parse_field_selector",
    "parse_label_selector",
    "selector_from_object",
]
