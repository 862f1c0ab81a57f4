"""Warmed-up clouds, kept and copied: many problems start from the same app under the same
load after the same warm-up (every HotelReservation fault, every agent on a problem), so the
warm-up is run once per process and each run gets its own deep copy of the result.

The copy is exact (same objects, metrics, traces, pending timers and random generator
states), so a run on a copy gives the same result as a run on a freshly warmed cloud; the
tests check that. Only a cloud that is not served may be copied (no server threads, no
locks held). ``copy.deepcopy`` alone cannot copy a cloud: its timers are closures over the
emulator's objects (a copied closure would keep acting on the original) and its store holds
a lock. ``snapshot`` copies closures with fresh cells holding copies of what they closed
over, creates fresh locks, and keeps bare ``object()`` sentinels and the shared (immutable,
process-wide) kind registry as they are."""

from __future__ import annotations

import ast
import copy
import itertools
import threading
import types
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from stratus.sim.cloud import Cloud

__all__ = ["WarmClouds", "WarmKey", "snapshot"]

WarmKey = tuple[str, str, float | None, float, int]  # app, namespace, rate, warm-up, seed

_RLOCK = type(threading.RLock())
_LOCK = type(threading.Lock())
_PATCH = threading.Lock()  # the copy module's dispatch table is process-wide


def _copy_function(function: types.FunctionType, memo: dict[int, Any]) -> Any:
    """A closure with new cells holding copies of what it closed over; a function that
    closes over nothing is shared (as ``deepcopy`` does)."""
    if not function.__closure__:
        return function
    cells = tuple(types.CellType() for _ in function.__closure__)
    twin = types.FunctionType(
        function.__code__, function.__globals__, function.__name__, function.__defaults__, cells
    )
    twin.__kwdefaults__ = function.__kwdefaults__
    twin.__qualname__ = function.__qualname__
    twin.__dict__.update(function.__dict__)
    memo[id(function)] = twin  # before the cells: a closure may reach itself
    for new, old in zip(cells, function.__closure__, strict=True):
        try:
            contents = old.cell_contents
        except ValueError:  # an empty cell (a variable not yet bound)
            continue
        new.cell_contents = copy.deepcopy(contents, memo)
    return twin


def _fresh_lock(lock: Any, memo: dict[int, Any]) -> Any:
    return threading.RLock() if isinstance(lock, _RLOCK) else threading.Lock()


def _copy_count(counter: itertools.count[Any], memo: dict[int, Any]) -> Any:
    """``itertools.count`` at the same position, read from its repr (``count(7)``,
    ``count(7, 2)``) rather than through its deprecated pickling support."""
    args = ast.literal_eval(repr(counter).removeprefix("count"))
    return itertools.count(*args) if isinstance(args, tuple) else itertools.count(args)


def _same(value: Any, memo: dict[int, Any]) -> Any:
    return value


@contextmanager
def _copying() -> Iterator[None]:
    dispatch: dict[type, Callable[[Any, dict[int, Any]], Any]]
    dispatch = copy._deepcopy_dispatch  # type: ignore[attr-defined]
    handlers: dict[type, Callable[[Any, dict[int, Any]], Any]] = {
        types.FunctionType: _copy_function,
        _RLOCK: _fresh_lock,
        _LOCK: _fresh_lock,
        itertools.count: _copy_count,
        object: _same,  # a bare object() is a sentinel: its identity is what matters
    }
    with _PATCH:
        saved = {kind: dispatch.get(kind) for kind in handlers}
        dispatch.update(handlers)
        try:
            yield
        finally:
            for kind, handler in saved.items():
                if handler is None:
                    del dispatch[kind]
                else:
                    dispatch[kind] = handler


def snapshot(cloud: Cloud) -> Cloud:
    """An independent copy of a cloud that is not being served."""
    if cloud._served:
        raise ValueError("a served cloud cannot be copied: copy it before serve()")
    with _copying():
        twin: Cloud = copy.deepcopy(cloud, {id(cloud.kinds): cloud.kinds})
    return twin


class WarmClouds:
    """Warmed-up clouds by ``WarmKey``, the ``limit`` most recently used kept; ``get``
    returns a copy, building (``build()``) and keeping the original on a miss."""

    def __init__(self, limit: int = 2) -> None:
        self.limit = limit
        self._clouds: OrderedDict[WarmKey, Cloud] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: WarmKey, build: Callable[[], Cloud]) -> Cloud:
        original = self._clouds.get(key)
        if original is None:
            self.misses += 1
            original = build()
            self._clouds[key] = original
            while len(self._clouds) > self.limit:
                self._clouds.popitem(last=False)
        else:
            self.hits += 1
            self._clouds.move_to_end(key)
        return snapshot(original)

    def clear(self) -> None:
        self._clouds.clear()
