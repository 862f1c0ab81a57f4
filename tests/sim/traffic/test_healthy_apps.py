"""An app left alone under its workload stays healthy, and a run is a function of its seed:
the same seed gives the same metrics, logs and traces; another seed gives other traces."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from stratus.sim.apps import load_app
from stratus.sim.cloud import Cloud
from stratus.sim.server.observability import exposition_text
from stratus.sim.telemetry.promql import instant_query
from stratus.sim.traffic import Workload

NS = "test-hotel-reservation"
WARM_UP = 400.0
WATCH = 600.0
SCRAPE = 15.0
SERVER = f'namespace="{NS}",span_kind="SPAN_KIND_SERVER"'
# services of the app that serve more than a request a second under the workload
BUSY = ("frontend", "search", "geo", "rate", "profile", "recommendation", "reservation")


@dataclass
class Watched:
    cloud: Cloud
    workload: Workload
    start: float  # virtual time the watch began, after the warm-up
    sent: int = 0  # requests the workload sent while watched
    failed: int = 0  # and how many of them failed
    active: list[tuple[float, dict[str, str], str]] = field(default_factory=list)


@pytest.fixture(scope="module")
def healthy() -> Watched:
    """HotelReservation under its workload: warmed up, then watched for ten minutes, with every
    alert of its namespace (pending or firing) recorded after each scrape."""
    cloud = Cloud(seed=7)
    app = load_app("hotel-reservation")
    cloud.deploy(app)
    workload = cloud.start_load(app)
    cloud.settle(WARM_UP, step=5.0)
    watched = Watched(cloud, workload, cloud.clock.now())
    sent, failed = workload.sent, workload.failed
    elapsed = 0.0
    while elapsed < WATCH:
        cloud.advance(SCRAPE)
        elapsed += SCRAPE
        for state in cloud.alerts.states:
            for alert in state.alerts.values():
                if alert.labels.get("namespace") == NS:
                    watched.active.append((cloud.clock.now(), alert.labels, alert.state))
        assert [a for a in cloud.alerts.firing() if a.get("namespace") == NS] == []
    watched.sent, watched.failed = workload.sent - sent, workload.failed - failed
    return watched


def value(cloud: Cloud, query: str, at: float | None = None) -> float:
    """The single value an instant query answers (it must answer exactly one)."""
    result = instant_query(cloud.monitor.tsdb, query, cloud.clock.now() if at is None else at)
    (sample,) = result.vector
    return sample.value


def test_no_alert_is_pending_or_firing_in_ten_minutes(healthy: Watched) -> None:
    assert healthy.cloud.clock.now() - healthy.start == WATCH
    assert healthy.active == []


def test_error_rate_is_below_one_percent(healthy: Watched) -> None:
    cloud = healthy.cloud
    calls = f"traces_span_metrics_calls_total{{{SERVER}}}"
    errors = f'traces_span_metrics_calls_total{{{SERVER},status_code="STATUS_CODE_ERROR"}}'
    total = value(cloud, f"sum(increase({calls}[10m]))")
    assert total > 10 * WATCH  # every request crosses several services
    failed = value(cloud, f"sum(increase({errors}[10m])) or vector(0)")
    assert failed / total < 0.01
    by_service = instant_query(
        cloud.monitor.tsdb,
        f"sum by (service_name) (rate({errors}[10m])) / sum by (service_name) (rate({calls}[10m]))",
        cloud.clock.now(),
    ).vector
    assert all(s.value < 0.01 for s in by_service), by_service
    # what the load generator saw
    assert healthy.sent == pytest.approx(20 * WATCH, rel=0.05)
    assert healthy.failed / healthy.sent < 0.01


@pytest.mark.parametrize("service", BUSY)
def test_p95_latency_is_stable(healthy: Watched, service: str) -> None:
    cloud = healthy.cloud
    p95 = (
        "histogram_quantile(0.95, sum by (le) (rate("
        f'traces_span_metrics_duration_milliseconds_bucket{{{SERVER},service_name="{service}"}}'
        "[5m])))"
    )
    now = cloud.clock.now()
    earlier, later = value(cloud, p95, now - 300), value(cloud, p95, now)
    assert 0 < later < 100  # milliseconds; far below the HighRequestLatency threshold
    assert later / earlier == pytest.approx(1.0, abs=0.2), (earlier, later)
    rate = value(
        cloud,
        f'sum(rate(traces_span_metrics_calls_total{{{SERVER},service_name="{service}"}}[5m]))',
    )
    assert rate > 1.0


def test_frontend_serves_the_workload_rate(healthy: Watched) -> None:
    rate = value(
        healthy.cloud,
        f'sum(rate(traces_span_metrics_calls_total{{{SERVER},service_name="frontend"}}[10m]))',
    )
    assert rate == pytest.approx(20.0, rel=0.05)


# -- determinism ---------------------------------------------------------------------------

RUN = 300.0  # from deployment: start-up crash loops, restarts and failed requests included


def run(seed: int, seconds: float = RUN) -> Cloud:
    cloud = Cloud(seed=seed)
    app = load_app("hotel-reservation")
    cloud.deploy(app)
    cloud.start_load(app)
    cloud.settle(seconds, step=5.0)
    return cloud


def samples(cloud: Cloud) -> dict[str, tuple[list[float], list[str]]]:
    """Every series in the TSDB with its samples (NaN staleness markers compare equal)."""
    return {
        json.dumps(sorted(s.labels.items())): (list(s.times), [repr(v) for v in s.values])
        for s in cloud.monitor.tsdb
    }


def log_lines(cloud: Cloud) -> dict[str, list[tuple[float, str]]]:
    """What ``kubectl logs`` and ``kubectl logs --previous`` read, for every container."""
    out = {}
    for pod in cloud.store.iter("pods"):
        meta = pod["metadata"]
        for container in pod["spec"]["containers"]:
            for previous in (False, True):
                lines = cloud.logs.read(meta["uid"], container["name"], previous=previous)
                if lines is not None:
                    key = f"{meta['namespace']}/{meta['name']}/{container['name']}/{previous}"
                    out[key] = [(line.time, line.text) for line in lines]
    return out


def traces(cloud: Cloud) -> list[list[tuple[Any, ...]]]:
    """Every stored trace, span by span, ordered by start time (then id)."""
    store = cloud.traffic.traces
    found = {
        spans[0].trace_id: spans
        for service in store.services()
        for spans in store.find(service, limit=10**9)
    }
    ordered = sorted(found.values(), key=lambda spans: (spans[0].start_us, spans[0].trace_id))
    return [
        [
            (
                s.trace_id,
                s.span_id,
                s.parent_id,
                s.service,
                s.operation,
                s.start_us,
                s.duration_us,
                s.error,
                sorted(s.tags.items()),
                sorted(s.process.items()),
            )
            for s in spans
        ]
        for spans in ordered
    ]


def digests(cloud: Cloud) -> dict[str, str]:
    """Digests of a run's metric samples, exposition text, logs and traces."""

    def digest(value: object) -> str:
        return hashlib.sha256(repr(value).encode()).hexdigest()

    return {
        "samples": digest(sorted(samples(cloud).items())),
        "metrics": digest(exposition_text(cloud.monitor.samples())),
        "logs": digest(sorted(log_lines(cloud).items())),
        "traces": digest(traces(cloud)),
    }


def fingerprint(seed: int) -> dict[str, str]:
    return digests(run(seed))


@pytest.fixture(scope="module")
def twins() -> tuple[Cloud, Cloud]:
    return run(11), run(11)


def test_same_seed_same_metric_samples(twins: tuple[Cloud, Cloud]) -> None:
    first, second = twins
    assert first.clock.now() == second.clock.now()
    a, b = samples(first), samples(second)
    assert len(a) > 1000
    assert a.keys() == b.keys()
    assert a == b
    assert exposition_text(first.monitor.samples()) == exposition_text(second.monitor.samples())


def test_same_seed_same_logs(twins: tuple[Cloud, Cloud]) -> None:
    first, second = twins
    a, b = log_lines(first), log_lines(second)
    assert any(key.endswith("/True") for key in a)  # start-up crashes left previous runs
    assert sum(len(lines) for lines in a.values()) > 1000
    assert a.keys() == b.keys()
    assert a == b


def test_same_seed_same_traces(twins: tuple[Cloud, Cloud]) -> None:
    first, second = twins
    a, b = traces(first), traces(second)
    assert len(a) > 100
    assert any(span[7] for trace in a for span in trace)  # failed requests are traced too
    assert [t[0][0] for t in a] == [t[0][0] for t in b]
    assert a == b


def test_another_seed_gives_other_traces(twins: tuple[Cloud, Cloud]) -> None:
    other = run(12)
    mine, theirs = traces(twins[0]), traces(other)
    assert theirs
    assert not {t[0][0] for t in mine} & {t[0][0] for t in theirs}
    assert samples(twins[0]) != samples(other)


def test_a_run_does_not_depend_on_string_hashing(twins: tuple[Cloud, Cloud]) -> None:
    """A fresh interpreter with another hash seed (so other orders of string sets) computes
    the same run."""
    root = Path(__file__).resolve().parents[3]
    code = (
        "import json; from tests.sim.traffic.test_healthy_apps import fingerprint; "
        "print(json.dumps(fingerprint(11)))"
    )
    hash_seed = "1" if os.environ.get("PYTHONHASHSEED") == "0" else "0"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        env={**os.environ, "PYTHONHASHSEED": hash_seed},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == digests(twins[0])
