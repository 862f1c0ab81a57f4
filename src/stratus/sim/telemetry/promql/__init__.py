"""PromQL for the emulated Prometheus: a query engine over the in-memory TSDB, and the
Prometheus HTTP query API as pure functions.

Parsing is done by ``promql_parser``; this package evaluates the AST. A whole range query is
evaluated in one pass (series are selected, grouped and matched once; only arithmetic runs per
step), with Prometheus' semantics: the 5-minute lookback, staleness markers ending a series,
windows ``(t - range, t]``, and result timestamps at millisecond precision.

Supported subset
----------------
* Selectors: instant vectors with ``=``, ``!=``, ``=~``, ``!~`` matchers (also the
  ``{a="1" or b="2"}`` form); range vectors ``[5m]``; ``offset``; ``@ <time>``, ``@ start()``,
  ``@ end()``; subqueries ``expr[30m:1m]`` (default step 1m).
* Range functions: ``rate``, ``irate``, ``increase`` (counter resets and Prometheus'
  extrapolation), ``delta``, ``idelta``, ``deriv``, ``predict_linear``, ``changes``,
  ``resets``, and ``avg/min/max/sum/count/last/present/stddev/stdvar/quantile/absent``
  ``_over_time``.
* Other functions: ``histogram_quantile`` (classic ``_bucket`` series with ``le``), ``abs``,
  ``ceil``, ``floor``, ``round``, ``clamp``, ``clamp_min``, ``clamp_max``, ``sqrt``, ``exp``,
  ``ln``, ``log2``, ``log10``, ``sgn``, ``time``, ``vector``, ``scalar``, ``absent``,
  ``label_replace``, ``label_join``, ``sort``, ``sort_desc``.
* Aggregations, each with ``by``/``without``: ``sum``, ``avg``, ``min``, ``max``, ``count``,
  ``group``, ``stddev``, ``stdvar``, ``topk``, ``bottomk``, ``quantile``, ``count_values``.
* Binary operators: ``+ - * / % ^ atan2``; ``== != > < >= <=`` filtering or with ``bool``;
  ``and``, ``or``, ``unless``; between scalars, vector and scalar, and two vectors with
  one-to-one matching, ``on``/``ignoring`` and ``group_left``/``group_right``. Unary minus,
  parentheses, number and string literals.
* The metric name is dropped where Prometheus drops it: by arithmetic, ``bool`` comparisons,
  aggregations (but not ``topk``/``bottomk``) and functions (but not ``last_over_time``,
  ``label_replace``, ``label_join``, ``sort``, ``sort_desc``).

Not supported: native histograms and their functions, ``timestamp``, the date functions
(``hour``, ``day_of_week``, ...), trigonometry, ``holt_winters``-style smoothing, ``limitk``,
``limit_ratio``, ``info``, ``sort_by_label``, and ``fill`` modifiers. They are rejected with a
``bad_data`` PromQLError (``unsupported function "..." (the emulated Prometheus implements a
subset; see stratus.sim.telemetry.promql)``), as is every parse error. Data-dependent failures
(ambiguous vector matching, duplicate label sets) are ``execution`` errors, as in Prometheus.

Limits of the emulation: a query may hold at most 1000 brackets and operators (promql_parser
crashes the process on much deeper input, so it is never handed any), and one subquery may
evaluate at most 100,000 steps.
"""

from __future__ import annotations

from stratus.sim.telemetry.promql.api import (
    handle_label_values,
    handle_labels,
    handle_query,
    handle_query_range,
    handle_series,
)
from stratus.sim.telemetry.promql.engine import instant_query, range_query
from stratus.sim.telemetry.promql.errors import PromQLError
from stratus.sim.telemetry.promql.result import (
    InstantSample,
    QueryResult,
    RangeSeries,
    ScalarResult,
    StringResult,
)

__all__ = [
    "InstantSample",
    "PromQLError",
    "QueryResult",
    "RangeSeries",
    "ScalarResult",
    "StringResult",
    "handle_label_values",
    "handle_labels",
    "handle_query",
    "handle_query_range",
    "handle_series",
    "instant_query",
    "range_query",
]
