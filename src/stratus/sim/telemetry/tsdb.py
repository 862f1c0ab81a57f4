"""An in-memory time-series database on the virtual clock, shaped like Prometheus' storage.

A series is identified by its labels (``__name__`` included). Samples are appended in time
order; a series that stops being reported gets a staleness marker (NaN) so that instant queries
stop seeing it, as Prometheus does after a scrape target disappears.
"""

from __future__ import annotations

import bisect
import math
import re
from array import array
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import compress

__all__ = ["STALE", "TSDB", "Matcher", "Series", "is_stale"]

STALE = float("nan")


def is_stale(value: float) -> bool:
    return math.isnan(value)


@dataclass(frozen=True)
class Matcher:
    """A label matcher: ``op`` is one of ``=``, ``!=``, ``=~``, ``!~`` (regexes fully anchored)."""

    name: str
    op: str
    value: str

    def matches(self, labels: Mapping[str, str]) -> bool:
        have = labels.get(self.name, "")
        if self.op == "=":
            return have == self.value
        if self.op == "!=":
            return have != self.value
        hit = _regex(self.value).fullmatch(have) is not None
        return hit if self.op == "=~" else not hit


_REGEXES: dict[str, re.Pattern[str]] = {}


def _regex(text: str) -> re.Pattern[str]:
    compiled = _REGEXES.get(text)
    if compiled is None:
        compiled = _REGEXES[text] = re.compile(text)
    return compiled


LabelKey = tuple[tuple[str, str], ...]


@dataclass
class Series:
    labels: dict[str, str]  # never changed once the series exists
    times: array[float] = field(default_factory=lambda: array("d"))
    values: array[float] = field(default_factory=lambda: array("d"))
    key: LabelKey = field(init=False, repr=False, compare=False)  # the labels, sorted

    def __post_init__(self) -> None:
        self.key = tuple(sorted(self.labels.items()))

    @property
    def name(self) -> str:
        return self.labels.get("__name__", "")

    def window(self, start: float, end: float) -> tuple[list[float], list[float]]:
        """Samples with ``start < t <= end`` (Prometheus range semantics), staleness dropped."""
        lo = bisect.bisect_right(self.times, start)
        hi = bisect.bisect_right(self.times, end)
        times, values = self.times[lo:hi].tolist(), self.values[lo:hi].tolist()
        if any(map(math.isnan, values)):  # a staleness marker (or a NaN sample) to drop
            keep = [not math.isnan(v) for v in values]
            times, values = list(compress(times, keep)), list(compress(values, keep))
        return times, values

    def at(self, t: float, lookback: float) -> tuple[float, float] | None:
        """The latest sample at or before ``t`` within ``lookback``, unless it is a stale mark."""
        i = bisect.bisect_right(self.times, t) - 1
        if i < 0 or self.times[i] <= t - lookback or math.isnan(self.values[i]):
            return None
        return self.times[i], self.values[i]


class TSDB:
    def __init__(self, retention: float = 6 * 3600.0) -> None:
        self.retention = retention
        self._series: dict[LabelKey, Series] = {}
        self._by_name: dict[str, list[Series]] = {}
        self._live: set[LabelKey] = set()
        # scrapes list each series' labels in the same order every time: that order finds
        # the series without sorting (forgotten whenever a series is)
        self._by_order: dict[LabelKey, Series] = {}

    def __len__(self) -> int:
        return len(self._series)

    def append(self, labels: Mapping[str, str], t: float, value: float) -> None:
        self._append(self._series_of(labels), labels, t, value)

    def _series_of(self, labels: Mapping[str, str]) -> Series:
        key = tuple(sorted(labels.items()))
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = Series(dict(labels))
            self._by_name.setdefault(series.name, []).append(series)
        return series

    def _append(self, series: Series, labels: Mapping[str, str], t: float, value: float) -> None:
        times = series.times
        if times and t < times[-1]:
            raise ValueError(f"out-of-order sample for {dict(labels)}: {t} < {times[-1]}")
        if times and t == times[-1]:
            series.values[-1] = value
        else:
            times.append(t)
            series.values.append(value)
        self._live.add(series.key)

    def scrape(self, t: float, samples: Iterable[tuple[Mapping[str, str], float]]) -> None:
        """Append one scrape; series of earlier scrapes that are now absent get marked stale."""
        before = self._live
        self._live = set()
        by_order = self._by_order
        for labels, value in samples:
            listed = tuple(labels.items())
            series = by_order.get(listed)
            if series is None:
                series = by_order[listed] = self._series_of(labels)
            self._append(series, labels, t, value)
        for key in before - self._live:
            series = self._series[key]
            if series.values and not math.isnan(series.values[-1]):
                series.times.append(t)
                series.values.append(STALE)

    def select(self, matchers: Iterable[Matcher]) -> list[Series]:
        matchers = list(matchers)
        names = [m.value for m in matchers if m.name == "__name__" and m.op == "="]
        candidates: Iterable[Series] = (
            self._by_name.get(names[0], []) if names else self._series.values()
        )
        if names:  # every candidate has that name already
            matchers = [m for m in matchers if m != Matcher("__name__", "=", names[0])]
        if not matchers:
            return list(candidates)
        if len(matchers) == 1:
            matches = matchers[0].matches
            return [s for s in candidates if matches(s.labels)]
        return [s for s in candidates if all(m.matches(s.labels) for m in matchers)]

    def __iter__(self) -> Iterator[Series]:
        return iter(self._series.values())

    def label_names(self) -> list[str]:
        return sorted({name for s in self._series.values() for name in s.labels})

    def label_values(self, name: str) -> list[str]:
        return sorted({s.labels[name] for s in self._series.values() if name in s.labels})

    def trim(self, now: float) -> None:
        """Forget samples older than the retention window (and series left empty)."""
        horizon = now - self.retention
        for key, series in list(self._series.items()):
            cut = bisect.bisect_left(series.times, horizon)
            if cut:
                del series.times[:cut]
                del series.values[:cut]
            if not series.times:
                del self._series[key]
                self._by_name[series.name].remove(series)
                self._live.discard(key)
                self._by_order.clear()
