"""The PromQL engine against hand-computed answers on small, fully known TSDBs."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import pytest

from stratus.sim.telemetry.promql import PromQLError, instant_query, range_query
from stratus.sim.telemetry.tsdb import TSDB

T0 = 1_800_000.0  # a whole hour, so subquery steps (aligned to absolute time) fall on T0
UNSUPPORTED = "(the emulated Prometheus implements a subset; see stratus.sim.telemetry.promql)"


def put(db: TSDB, labels: Mapping[str, str], samples: Iterable[tuple[float, float]]) -> None:
    for t, value in samples:
        db.append(labels, T0 + t, value)


def key(metric: Mapping[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(metric.items()))


def vector(db: TSDB, query: str, t: float, lookback: float = 300.0) -> dict[str, float]:
    """The instant query's samples at ``T0 + t``, keyed by ``label=value,...``."""
    result = instant_query(db, query, T0 + t, lookback)
    assert all(s.t == T0 + t for s in result.vector)
    return {key(s.metric): s.value for s in result.vector}


def failure(db: TSDB, query: str) -> PromQLError:
    with pytest.raises(PromQLError) as caught:
        instant_query(db, query, T0)
    return caught.value


@pytest.fixture
def counters() -> TSDB:
    """A counter that resets between 30s and 45s: 0, 10, 20, 5, 15 every 15s."""
    db = TSDB()
    put(db, {"__name__": "c", "job": "a"}, zip(range(0, 61, 15), [0, 10, 20, 5, 15], strict=True))
    return db


# Rate family. In the window (0s, 60s] of c[1m] at 60s the samples are 10, 20, 5, 15 at 15..60s:
# the increase is 15 - 10 + 20 (the reset) = 25 over 45s sampled; the first sample is 15s from
# the window start (< 1.1 * 15s average) so the extrapolation reaches it: 25 * 60/45.


def test_rate_and_increase_extrapolate_over_a_counter_reset(counters: TSDB) -> None:
    assert vector(counters, "increase(c[1m])", 60) == pytest.approx({"job=a": 25 * 60 / 45})
    assert vector(counters, "rate(c[1m])", 60) == pytest.approx({"job=a": 25 * 60 / 45 / 60})


def test_rate_extrapolates_only_half_an_interval_past_a_distant_last_sample(counters: TSDB) -> None:
    # At 80s the window (20s, 80s] holds 20, 5, 15 (30s..60s): increase 15 - 20 + 20 = 15,
    # 10s to the start (kept), 20s to the end (> 16.5s, so only 7.5s).
    assert vector(counters, "increase(c[1m])", 80) == pytest.approx({"job=a": 15 * 47.5 / 30})


def test_rate_does_not_extrapolate_a_counter_below_zero() -> None:
    db = TSDB()
    put(db, {"__name__": "c"}, [(30, 1), (45, 11), (60, 21)])
    # 30s to the window start would be cut to 7.5s, but the counter would reach 0 after 1.5s.
    assert vector(db, "increase(c[1m])", 60) == pytest.approx({"": 20 * 31.5 / 30})
    put(db, {"__name__": "d"}, [(30, 2), (45, 4), (60, 6)])
    assert vector(db, "increase(d[1m])", 60) == pytest.approx({"": 4 * 37.5 / 30})


def test_irate_and_idelta_use_the_last_two_samples(counters: TSDB) -> None:
    assert vector(counters, "irate(c[1m])", 60) == pytest.approx({"job=a": 10 / 15})
    assert vector(counters, "irate(c[1m])", 45) == pytest.approx({"job=a": 5 / 15})  # reset
    assert vector(counters, "idelta(c[1m])", 45) == {"job=a": -15.0}


def test_delta_treats_the_series_as_a_gauge(counters: TSDB) -> None:
    assert vector(counters, "delta(c[1m])", 60) == pytest.approx({"job=a": 5 * 60 / 45})


def test_rate_needs_two_samples_in_the_window(counters: TSDB) -> None:
    assert vector(counters, "rate(c[10s])", 60) == {}
    assert vector(counters, "count_over_time(c[10s])", 60) == {"job=a": 1.0}


def test_over_time_functions(counters: TSDB) -> None:
    window = [10.0, 20.0, 5.0, 15.0]
    expected = {
        "avg_over_time": sum(window) / 4,
        "min_over_time": 5.0,
        "max_over_time": 20.0,
        "sum_over_time": 50.0,
        "count_over_time": 4.0,
        "stddev_over_time": math.sqrt(sum((v - 12.5) ** 2 for v in window) / 4),
        "changes": 3.0,
        "resets": 1.0,
    }
    for function, value in expected.items():
        assert vector(counters, f"{function}(c[1m])", 60) == pytest.approx({"job=a": value})
    assert vector(counters, "quantile_over_time(0.5, c[1m])", 60) == {"job=a": 12.5}
    assert vector(counters, "last_over_time(c[1m])", 60) == {"__name__=c,job=a": 15.0}


def test_deriv_and_predict_linear_fit_a_line() -> None:
    db = TSDB()
    put(db, {"__name__": "g"}, [(t, t / 15) for t in range(0, 121, 15)])
    assert vector(db, "deriv(g[1m])", 120) == pytest.approx({"": 1 / 15})
    assert vector(db, "predict_linear(g[1m], 60)", 120) == pytest.approx({"": 8 + 4})


# Selection: matchers, lookback, staleness, offset and @.


@pytest.fixture
def fleet() -> TSDB:
    db = TSDB()
    for job, instance, value in [("api", "a", 1), ("api", "b", 2), ("web", "c", 3)]:
        put(db, {"__name__": "m", "job": job, "instance": instance}, [(0, value)])
    put(db, {"__name__": "other", "job": "api", "instance": "a"}, [(0, 10)])
    return db


@pytest.mark.parametrize(
    ("query", "instances"),
    [
        ('m{job="api"}', {"a", "b"}),
        ('m{job!="api"}', {"c"}),
        ('m{instance=~"a|c"}', {"a", "c"}),
        ('m{instance!~"a|c"}', {"b"}),
        ('m{instance=~"a"}', {"a"}),  # regexes are anchored
        ('m{instance=~"."} unless m{instance="b"}', {"a", "c"}),
        ('m{job="web" or instance="a"}', {"a", "c"}),
        ('{__name__=~"m|other", instance="a"}', {"a"}),
    ],
)
def test_matchers(fleet: TSDB, query: str, instances: set[str]) -> None:
    result = instant_query(fleet, query, T0)
    assert {s.metric["instance"] for s in result.vector} == instances


def test_selector_results_are_ordered_by_labels(fleet: TSDB) -> None:
    result = instant_query(fleet, '{job="api"}', T0)
    assert [(s.metric["__name__"], s.metric["instance"]) for s in result.vector] == [
        ("m", "a"),
        ("m", "b"),
        ("other", "a"),
    ]


def test_lookback_is_five_minutes_and_exclusive_at_its_start(fleet: TSDB) -> None:
    assert vector(fleet, 'm{instance="a"}', 299.999) == {"__name__=m,instance=a,job=api": 1.0}
    assert vector(fleet, 'm{instance="a"}', 300) == {}
    assert vector(fleet, 'm{instance="a"}', 60, lookback=60) == {}
    assert vector(fleet, 'm{instance="a"}', -1) == {}  # nothing before the first sample


def test_a_stale_series_disappears_at_once() -> None:
    db = TSDB()
    db.scrape(T0, [({"__name__": "up", "pod": "x"}, 1.0), ({"__name__": "up", "pod": "y"}, 1.0)])
    db.scrape(T0 + 15, [({"__name__": "up", "pod": "x"}, 1.0)])  # y goes stale at 15s
    assert set(vector(db, "up", 14)) == {"__name__=up,pod=x", "__name__=up,pod=y"}
    assert set(vector(db, "up", 15)) == {"__name__=up,pod=x"}
    assert set(vector(db, "up", 200)) == {"__name__=up,pod=x"}
    assert vector(db, "count_over_time(up[5m])", 30) == {"pod=x": 2.0, "pod=y": 1.0}


def test_offset_and_at_move_the_evaluation_time(counters: TSDB) -> None:
    assert vector(counters, "c offset 30s", 60) == {"__name__=c,job=a": 20.0}
    assert vector(counters, f"c @ {T0 + 15}", 60) == {"__name__=c,job=a": 10.0}
    assert vector(counters, "increase(c[1m] offset 20s)", 80) == pytest.approx(
        {"job=a": 25 * 60 / 45}
    )


def test_subquery_evaluates_at_aligned_steps(counters: TSDB) -> None:
    # rate(c[30s]) at the subquery's steps 15s, 30s, 45s, 60s (the window (0s, 60s] is open at
    # 0s). Each window holds two samples 15s apart, 15s from the window start:
    #   15s: 0 -> 10, extrapolation stops at the counter's zero point (0s): 10 / 30
    #   30s: 10 -> 20, extrapolated by 15s: 20 / 30
    #   45s: 20 -> 5 (reset, +20): 5, extrapolated by 15s: 10 / 30
    #   60s: 5 -> 15, zero point 7.5s before the first sample: 15 / 30
    query = "{f}_over_time(rate(c[30s])[1m:15s])"
    assert vector(counters, query.format(f="max"), 60) == pytest.approx({"job=a": 2 / 3})
    assert vector(counters, query.format(f="min"), 60) == pytest.approx({"job=a": 1 / 3})
    assert vector(counters, query.format(f="avg"), 60) == pytest.approx({"job=a": 55 / 120})
    assert vector(counters, query.format(f="count"), 60) == {"job=a": 4.0}


def test_subquery_steps_are_aligned_to_absolute_time(counters: TSDB) -> None:
    result = instant_query(counters, "vector(time())[1m:15s]", T0 + 7)
    times = [T0 - 45, T0 - 30, T0 - 15, T0]  # multiples of 15s in (T0 - 53s, T0 + 7s]
    assert result.matrix[0].points == [(t, t) for t in times]


def test_instant_query_of_a_range_vector_returns_raw_samples(counters: TSDB) -> None:
    result = instant_query(counters, "c[30s]", T0 + 60)
    assert result.result_type == "matrix"
    assert result.matrix[0].points == [(T0 + 45, 5.0), (T0 + 60, 15.0)]


# Aggregations.


@pytest.fixture
def pods() -> TSDB:
    db = TSDB()
    rows = [("api", "a", "eu", 1.0), ("api", "b", "us", 3.0), ("web", "c", "eu", 8.0)]
    for job, pod, zone, value in rows:
        labels = {"__name__": "cpu", "job": job, "pod": pod, "zone": zone}
        put(db, labels, [(0, value)])
    return db


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("sum(cpu)", {"": 12.0}),
        ("sum by (job) (cpu)", {"job=api": 4.0, "job=web": 8.0}),
        ("sum(cpu) by (zone)", {"zone=eu": 9.0, "zone=us": 3.0}),
        ("sum without (pod, zone) (cpu)", {"job=api": 4.0, "job=web": 8.0}),
        ("avg by (job) (cpu)", {"job=api": 2.0, "job=web": 8.0}),
        ("min by (zone) (cpu)", {"zone=eu": 1.0, "zone=us": 3.0}),
        ("max(cpu)", {"": 8.0}),
        ("count by (zone) (cpu)", {"zone=eu": 2.0, "zone=us": 1.0}),
        ("group by (job) (cpu)", {"job=api": 1.0, "job=web": 1.0}),
        ("stddev by (job) (cpu)", {"job=api": 1.0, "job=web": 0.0}),
        ("stdvar(cpu)", {"": pytest.approx(((1 - 4) ** 2 + (3 - 4) ** 2 + (8 - 4) ** 2) / 3)}),
        ("quantile(0.5, cpu)", {"": 3.0}),
        ("quantile by (job) (0.25, cpu)", {"job=api": 1.5, "job=web": 8.0}),
        (
            'count_values by (job) ("v", cpu)',
            {"job=api,v=1": 1.0, "job=api,v=3": 1.0, "job=web,v=8": 1.0},
        ),
        ("sum by (__name__) (cpu)", {"__name__=cpu": 12.0}),
    ],
)
def test_aggregations(pods: TSDB, query: str, expected: dict[str, float]) -> None:
    assert vector(pods, query, 0) == expected


def test_topk_and_bottomk_keep_labels_and_order(pods: TSDB) -> None:
    top = instant_query(pods, "topk(2, cpu)", T0).vector
    assert [(s.metric["pod"], s.value) for s in top] == [("c", 8.0), ("b", 3.0)]
    assert top[0].metric["__name__"] == "cpu"
    bottom = instant_query(pods, "bottomk by (zone) (1, cpu)", T0).vector
    assert {s.metric["pod"] for s in bottom} == {"a", "b"}
    assert vector(pods, "topk(0, cpu)", 0) == {}


def test_quantile_outside_zero_to_one(pods: TSDB) -> None:
    assert vector(pods, "quantile(2, cpu)", 0) == {"": math.inf}
    assert vector(pods, "quantile(-1, cpu)", 0) == {"": -math.inf}


# histogram_quantile on buckets le=0.1: 10, 0.5: 30, 1: 40, +Inf: 50 (cumulative).


@pytest.fixture
def histogram() -> TSDB:
    db = TSDB()
    for le, count in [("0.1", 10), ("0.5", 30), ("1", 40), ("+Inf", 50)]:
        put(db, {"__name__": "lat_bucket", "job": "api", "le": le}, [(0, count)])
    return db


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        (0.5, 0.1 + (0.5 - 0.1) * (25 - 10) / 20),  # rank 25 falls in (0.1, 0.5]
        (0.05, 0.1 * 2.5 / 10),  # first bucket interpolates from 0
        (0.8, 1.0),  # rank 40: exactly the top of (0.5, 1]
        (0.95, 1.0),  # in the +Inf bucket: the highest finite bound
        (1.5, math.inf),
        (-0.5, -math.inf),
    ],
)
def test_histogram_quantile(histogram: TSDB, q: float, expected: float) -> None:
    got = vector(histogram, f"histogram_quantile({q}, lat_bucket)", 0)
    assert got == {"job=api": pytest.approx(expected)}


def test_histogram_quantile_without_an_inf_bucket_is_nan() -> None:
    db = TSDB()
    put(db, {"__name__": "h_bucket", "le": "1"}, [(0, 5)])
    put(db, {"__name__": "h_bucket", "le": "2"}, [(0, 9)])
    assert math.isnan(vector(db, "histogram_quantile(0.5, h_bucket)", 0)[""])


def test_histogram_quantile_over_summed_rates(histogram: TSDB) -> None:
    for le, count in [("0.1", 10), ("0.5", 30), ("1", 40), ("+Inf", 50)]:
        put(histogram, {"__name__": "lat_bucket", "job": "api", "le": le}, [(60, 2 * count)])
    query = "histogram_quantile(0.5, sum by (le) (rate(lat_bucket[2m])))"
    assert vector(histogram, query, 60) == pytest.approx({"": 0.4})


# Binary operators and vector matching.


@pytest.fixture
def matching() -> TSDB:
    db = TSDB()
    for pod, used, limit in [("a", 2.0, 4.0), ("b", 3.0, 3.0)]:
        put(db, {"__name__": "used", "ns": "shop", "pod": pod}, [(0, used)])
        put(db, {"__name__": "limit", "ns": "shop", "pod": pod}, [(0, limit)])
        put(db, {"__name__": "limit_other", "ns": "shop", "pod": pod, "x": "1"}, [(0, limit)])
    put(db, {"__name__": "owner", "ns": "shop", "team": "payments"}, [(0, 1.0)])
    put(db, {"__name__": "owner", "ns": "ops", "team": "sre"}, [(0, 1.0)])
    return db


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("used / limit", {"ns=shop,pod=a": 0.5, "ns=shop,pod=b": 1.0}),
        ("used * 2", {"ns=shop,pod=a": 4.0, "ns=shop,pod=b": 6.0}),
        ("10 - used", {"ns=shop,pod=a": 8.0, "ns=shop,pod=b": 7.0}),
        ("used % 2", {"ns=shop,pod=a": 0.0, "ns=shop,pod=b": 1.0}),
        ("used ^ 2", {"ns=shop,pod=a": 4.0, "ns=shop,pod=b": 9.0}),
        ("-used", {"ns=shop,pod=a": -2.0, "ns=shop,pod=b": -3.0}),
        ("used / ignoring(x) limit_other", {"ns=shop,pod=a": 0.5, "ns=shop,pod=b": 1.0}),
        ("used / on(pod) limit_other", {"pod=a": 0.5, "pod=b": 1.0}),
        (
            "used * on(ns) group_left(team) owner",
            {"ns=shop,pod=a,team=payments": 2.0, "ns=shop,pod=b,team=payments": 3.0},
        ),
        (
            "owner * on(ns) group_right used",
            {"ns=shop,pod=a": 2.0, "ns=shop,pod=b": 3.0},
        ),
        ("used / on() group_left sum(limit)", {"ns=shop,pod=a": 2 / 7, "ns=shop,pod=b": 3 / 7}),
    ],
)
def test_arithmetic(matching: TSDB, query: str, expected: dict[str, float]) -> None:
    assert vector(matching, query, 0) == pytest.approx(expected)


def test_division_by_zero_follows_ieee(matching: TSDB) -> None:
    got = vector(matching, "(used - 2) / (used - used)", 0)
    assert math.isnan(got["ns=shop,pod=a"])  # 0/0
    assert got["ns=shop,pod=b"] == math.inf  # 1/0
    assert math.isnan(vector(matching, "used % 0", 0)["ns=shop,pod=a"])
    assert vector(matching, "-used / 0", 0)["ns=shop,pod=a"] == -math.inf


def test_scalar_arithmetic_and_precedence(matching: TSDB) -> None:
    value = instant_query(matching, "(1 + 2) * 3 - 2 ^ 3 ^ 0.5 % 7", T0).scalar.value
    assert value == pytest.approx(9 - math.fmod(2 ** (3**0.5), 7))  # ^ is right-associative
    assert instant_query(matching, "-2 ^ 2", T0).scalar.value == -4.0  # ^ binds tighter


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("used > 2", {"__name__=used,ns=shop,pod=b": 3.0}),  # filters, keeps name and value
        ("2 < used", {"__name__=used,ns=shop,pod=b": 3.0}),  # the vector's value, either side
        ("used > bool 2", {"ns=shop,pod=a": 0.0, "ns=shop,pod=b": 1.0}),
        ("used == limit", {"__name__=used,ns=shop,pod=b": 3.0}),
        ("used != bool limit", {"ns=shop,pod=a": 1.0, "ns=shop,pod=b": 0.0}),
        (
            "used <= on(pod) group_left limit_other",
            {"__name__=used,ns=shop,pod=a": 2.0, "__name__=used,ns=shop,pod=b": 3.0},
        ),
    ],
)
def test_comparisons(matching: TSDB, query: str, expected: dict[str, float]) -> None:
    assert vector(matching, query, 0) == expected


def test_scalar_comparison_with_bool(matching: TSDB) -> None:
    assert instant_query(matching, "1 < bool 2", T0).scalar.value == 1.0
    assert instant_query(matching, "1 >= bool 2", T0).scalar.value == 0.0


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("used and used > 2", {"__name__=used,ns=shop,pod=b"}),
        ("used unless used > 2", {"__name__=used,ns=shop,pod=a"}),
        (
            "used and on(pod) limit_other",
            {"__name__=used,ns=shop,pod=a", "__name__=used,ns=shop,pod=b"},
        ),
        ("used and limit_other", set()),  # limit_other has an extra label
        ("used > 2 or limit", {"__name__=used,ns=shop,pod=b", "__name__=limit,ns=shop,pod=a"}),
        (
            "owner or on(ns) used",
            {"__name__=owner,ns=shop,team=payments", "__name__=owner,ns=ops,team=sre"},
        ),
        ("used unless on(ns) owner", set()),
    ],
)
def test_set_operators(matching: TSDB, query: str, expected: set[str]) -> None:
    assert set(vector(matching, query, 0)) == expected


def test_ambiguous_matching_is_an_execution_error(matching: TSDB) -> None:
    many_to_many = failure(matching, "used + on(ns) limit")
    assert many_to_many.error_type == "execution"
    assert 'found duplicate series for the match group {ns="shop"}' in str(many_to_many)
    assert "many-to-many matching not allowed" in str(many_to_many)
    implicit = failure(matching, "used + on(ns) group_left owner + on(ns) owner")
    assert implicit.error_type == "execution"
    assert "many-to-one matching must be explicit" in str(implicit)
    clash = failure(matching, '{__name__=~"used|limit"} * 2')
    assert str(clash) == "vector cannot contain metrics with the same labelset"


# Functions.


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("abs(-used)", {"ns=shop,pod=a": 2.0, "ns=shop,pod=b": 3.0}),
        ("ceil(used / 4)", {"ns=shop,pod=a": 1.0, "ns=shop,pod=b": 1.0}),
        ("floor(used / 4)", {"ns=shop,pod=a": 0.0, "ns=shop,pod=b": 0.0}),
        ("round(used / 4)", {"ns=shop,pod=a": 1.0, "ns=shop,pod=b": 1.0}),  # 0.5 rounds up
        ("round(used, 2)", {"ns=shop,pod=a": 2.0, "ns=shop,pod=b": 4.0}),
        ("clamp_min(used, 2.5)", {"ns=shop,pod=a": 2.5, "ns=shop,pod=b": 3.0}),
        ("clamp_max(used, 2.5)", {"ns=shop,pod=a": 2.0, "ns=shop,pod=b": 2.5}),
        ("clamp(used, 2.5, 2.7)", {"ns=shop,pod=a": 2.5, "ns=shop,pod=b": 2.7}),
        ("sqrt(used + 2)", {"ns=shop,pod=a": 2.0, "ns=shop,pod=b": math.sqrt(5)}),
        ("exp(used - used)", {"ns=shop,pod=a": 1.0, "ns=shop,pod=b": 1.0}),
        ("ln(used - 2)", {"ns=shop,pod=a": -math.inf, "ns=shop,pod=b": 0.0}),
        ("vector(3)", {"": 3.0}),
        ("vector(time())", {"": T0}),
        ('absent(nothing{job="x", ns=~"a.*"})', {"job=x": 1.0}),
        ("absent(used)", {}),
        ("absent_over_time(nothing[1m])", {"": 1.0}),
    ],
)
def test_functions(matching: TSDB, query: str, expected: dict[str, float]) -> None:
    assert vector(matching, query, 0) == pytest.approx(expected)


def test_scalar_of_one_or_many_series(matching: TSDB) -> None:
    assert instant_query(matching, 'scalar(used{pod="a"})', T0).scalar.value == 2.0
    assert math.isnan(instant_query(matching, "scalar(used)", T0).scalar.value)
    assert instant_query(matching, "time()", T0 + 5).scalar.value == T0 + 5


def test_sort_orders_an_instant_result(matching: TSDB) -> None:
    down = instant_query(matching, "sort_desc(used)", T0).vector
    assert [s.metric["pod"] for s in down] == ["b", "a"]
    assert down[0].metric["__name__"] == "used"
    up = instant_query(matching, "sort(used)", T0).vector
    assert [s.metric["pod"] for s in up] == ["a", "b"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('label_replace(used, "host", "$1-x", "pod", "(.*)")', {"a-x", "b-x"}),
        ('label_replace(used, "host", "${1}y", "pod", "(a)")', {"ay", None}),  # b: unchanged
        ('label_replace(used, "host", "$name", "pod", "(?P<name>[a-z])")', {"a", "b"}),
        ('label_replace(used, "host", "$1x", "pod", "(.*)")', {None}),  # group "1x": empty
        ('label_replace(used, "host", "$$1", "pod", ".*")', {"$1"}),
        ('label_join(used, "host", "/", "ns", "pod")', {"shop/a", "shop/b"}),
    ],
)
def test_label_functions(matching: TSDB, query: str, expected: set[str | None]) -> None:
    result = instant_query(matching, query, T0).vector
    assert {s.metric.get("host") for s in result} == expected
    assert all(s.metric["__name__"] == "used" for s in result)


def test_label_replace_can_remove_a_label(matching: TSDB) -> None:
    result = instant_query(matching, 'label_replace(used, "pod", "", "pod", "a")', T0).vector
    assert sorted(str(s.metric.get("pod")) for s in result) == ["None", "b"]


# Range queries.


def test_range_query_shape(counters: TSDB) -> None:
    put(counters, {"__name__": "c", "job": "b"}, [(30, 1.0), (45, 2.0)])
    result = range_query(counters, "c", T0, T0 + 60, 15)
    assert result.result_type == "matrix"
    assert [s.metric["job"] for s in result.matrix] == ["a", "b"]
    a, b = result.matrix
    assert a.points == [
        (T0 + t, v) for t, v in zip(range(0, 61, 15), [0, 10, 20, 5, 15], strict=True)
    ]
    assert b.points == [(T0 + 30, 1.0), (T0 + 45, 2.0), (T0 + 60, 2.0)]  # lookback fills 60s


def test_range_query_evaluates_every_step_like_an_instant_query(counters: TSDB) -> None:
    query = "sum(rate(c[30s])) * 2"
    result = range_query(counters, query, T0, T0 + 60, 5)
    for t, value in result.matrix[0].points:
        assert instant_query(counters, query, t).vector[0].value == value
    assert result.matrix[0].points[0][0] == T0 + 15  # the first step with two samples in 30s


def test_range_query_of_a_scalar_is_one_unlabelled_series(counters: TSDB) -> None:
    result = range_query(counters, "time() - 1", T0, T0 + 2, 1)
    assert [(s.metric, s.points) for s in result.matrix] == [
        ({}, [(T0, T0 - 1), (T0 + 1, T0), (T0 + 2, T0 + 1)])
    ]


def test_range_query_step_times_are_exact_milliseconds(counters: TSDB) -> None:
    result = range_query(counters, "vector(1)", T0, T0 + 1, 0.1)
    assert [t for t, _ in result.matrix[0].points][-3:] == [T0 + 0.8, T0 + 0.9, T0 + 1]


def test_range_query_at_start_and_end(counters: TSDB) -> None:
    result = range_query(counters, "c @ start() + c @ end()", T0 + 15, T0 + 60, 15)
    assert {v for _, v in result.matrix[0].points} == {10 + 15}


# Errors: always a PromQLError with a Prometheus-like message, never anything else.


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("sum(", "parse error: "),
        ("", "parse error: no expression found in input"),
        ("rate(c)", "parse error: expected type matrix in call to function 'rate', got vector"),
        ("c{", "parse error: unexpected end of input inside braces"),
        ("xyz(c)", "parse error: unknown function with name 'xyz'"),
        ("c[999999999999999999999999999999]", "parse error: "),  # a panic inside the parser
        ("timestamp(c)", f'unsupported function "timestamp" {UNSUPPORTED}'),
        ("hour()", f'unsupported function "hour" {UNSUPPORTED}'),
        ("limitk(1, c)", f'unsupported aggregation "limitk" {UNSUPPORTED}'),
        (
            'label_replace(c, "x", "y", "job", "(")',
            "invalid regular expression in label_replace(): (",
        ),
        ('label_replace(c, "1x", "y", "job", ".*")', "invalid destination label name in "),
        ('label_join(c, "x", ",", "not-a-label")', "invalid source label name in label_join()"),
        ('count_values("no-good", c)', 'invalid label name "no-good"'),
        ("topk(scalar(nothing), c)", "Parameter value is NaN"),
        ('c{job=~"a(?<!b)["}', "parse error: "),
        ("abs(" * 400 + "c" + ")" * 400, "query is too deeply nested"),
        # Inputs like these crash promql_parser's native code; they must never reach it.
        ("(" * 10000 + "c" + ")" * 10000, "query is too complex: more than 1000 brackets"),
        ("c" + " + c" * 5000, "query is too complex: "),
        ("-(" * 5000 + "c" + ")" * 5000, "query is too complex: "),
    ],
)
def test_bad_queries_are_bad_data(counters: TSDB, query: str, message: str) -> None:
    error = failure(counters, query)
    assert error.error_type == "bad_data"
    assert error.param == "query"
    assert str(error).startswith(message)


def test_bad_ranges_are_bad_data(counters: TSDB) -> None:
    for args, message in [
        ((T0, T0 - 1, 1.0), "end timestamp must not be before start time"),
        ((T0, T0 + 1, 0.0), "zero or negative query resolution step widths are not accepted"),
        ((T0, T0 + 11001, 1.0), "exceeded maximum resolution of 11,000 points per timeseries"),
    ]:
        with pytest.raises(PromQLError, match=message) as caught:
            range_query(counters, "c", *args)
        assert caught.value.error_type == "bad_data"
    assert len(range_query(counters, "vector(1)", T0, T0 + 11000, 1.0).matrix[0].points) == 11001
    with pytest.raises(PromQLError, match='invalid expression type "range vector" for range'):
        range_query(counters, "c[1m]", T0, T0 + 60, 15)
    with pytest.raises(PromQLError, match='invalid expression type "string" for range query'):
        range_query(counters, '"text"', T0, T0 + 60, 15)
