"""Query results, and their JSON form in the Prometheus HTTP API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, cast

from stratus.sim.telemetry.promql.numbers import format_float

__all__ = [
    "InstantSample",
    "QueryResult",
    "RangeSeries",
    "ResultType",
    "ScalarResult",
    "StringResult",
    "json_time",
]

ResultType = Literal["vector", "matrix", "scalar", "string"]


def json_time(t: float) -> float | int:
    """A timestamp as Prometheus writes it: seconds with at most millisecond precision."""
    ms = round(t * 1000)
    return ms // 1000 if ms % 1000 == 0 else ms / 1000


@dataclass(frozen=True, slots=True)
class InstantSample:
    metric: dict[str, str]
    t: float
    value: float


@dataclass(frozen=True, slots=True)
class RangeSeries:
    metric: dict[str, str]
    points: list[tuple[float, float]]


@dataclass(frozen=True, slots=True)
class ScalarResult:
    t: float
    value: float


@dataclass(frozen=True, slots=True)
class StringResult:
    t: float
    value: str


Data = list[InstantSample] | list[RangeSeries] | ScalarResult | StringResult


@dataclass(frozen=True, slots=True)
class QueryResult:
    """``data`` is a list of InstantSample for ``vector``, of RangeSeries for ``matrix``, a
    ScalarResult for ``scalar`` and a StringResult for ``string``; the typed accessors below
    raise TypeError when asked for the wrong one."""

    result_type: ResultType
    data: Data

    @property
    def vector(self) -> list[InstantSample]:
        if self.result_type != "vector":
            raise TypeError(f"result is a {self.result_type}, not a vector")
        return cast(list[InstantSample], self.data)

    @property
    def matrix(self) -> list[RangeSeries]:
        if self.result_type != "matrix":
            raise TypeError(f"result is a {self.result_type}, not a matrix")
        return cast(list[RangeSeries], self.data)

    @property
    def scalar(self) -> ScalarResult:
        if not isinstance(self.data, ScalarResult):
            raise TypeError(f"result is a {self.result_type}, not a scalar")
        return self.data

    @property
    def string(self) -> StringResult:
        if not isinstance(self.data, StringResult):
            raise TypeError(f"result is a {self.result_type}, not a string")
        return self.data

    def to_json(self) -> dict[str, Any]:
        """The ``data`` member of a Prometheus query response."""
        data = self.data
        result: Any
        if isinstance(data, ScalarResult):
            result = [json_time(data.t), format_float(data.value)]
        elif isinstance(data, StringResult):
            result = [json_time(data.t), data.value]
        elif self.result_type == "vector":
            result = [
                {"metric": dict(s.metric), "value": [json_time(s.t), format_float(s.value)]}
                for s in self.vector
            ]
        else:
            result = [
                {
                    "metric": dict(s.metric),
                    "values": [[json_time(t), format_float(v)] for t, v in s.points],
                }
                for s in self.matrix
            ]
        return {"resultType": self.result_type, "result": result}
