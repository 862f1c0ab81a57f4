"""How fast the emulated cloud serves traffic and answers telemetry queries (HotelReservation).

Measures (and prints as a table and as JSON, also saved under benchmarks/results/):
  * wall (and CPU) time of 600 virtual seconds of load at 200 requests/s, after the app is
    Ready, with everything else the cloud does meanwhile (controllers, scrapes, alert rules);
  * requests served in that phase, their error rate, and the resident memory of the process;
  * with an hour of data in the TSDB, Prometheus range queries over that hour at a 15 s step
    for all services, evaluated in-process and through the HTTP API's handler (median of 5).

The hour of data is produced at a lower request rate (``--history-rate``) to keep the run
short: the TSDB's size depends on the number of series and the scrape interval (15 s), not on
the request rate, so an hour at 20 requests/s stores as many samples as an hour at 200.

Run: ``make bench`` or ``.venv/bin/python -m benchmarks.traffic [--rate 200] [--seconds 600]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from benchmarks.machine import describe_machine
from stratus.sim.apps import load_app
from stratus.sim.cloud import Cloud
from stratus.sim.telemetry.promql import handle_query_range, range_query
from stratus.sim.traffic import Workload

RESULTS = Path(__file__).parent / "results"
_WARMUP = 120.0  # virtual seconds for the app's pods to become Ready and dial their peers
_SERVER = 'span_kind="SPAN_KIND_SERVER"'
QUERIES = {
    "calls_rate": f"sum by (service_name) (rate(traces_span_metrics_calls_total{{{_SERVER}}}[1m]))",
    "error_ratio": (
        "sum by (service_name) (rate(traces_span_metrics_calls_total"
        f'{{{_SERVER},status_code="STATUS_CODE_ERROR"}}[1m]))'
        f" / sum by (service_name) (rate(traces_span_metrics_calls_total{{{_SERVER}}}[1m]))"
    ),
    "latency_p95": (
        "histogram_quantile(0.95, sum by (service_name, le) "
        f"(rate(traces_span_metrics_duration_milliseconds_bucket{{{_SERVER}}}[1m])))"
    ),
}


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _ready_cloud(seed: int) -> tuple[Cloud, str]:
    app = load_app("hotel-reservation")
    cloud = Cloud(seed=seed)
    cloud.deploy(app)
    cloud.settle(_WARMUP)
    return cloud, app.namespace


def _run_load(cloud: Cloud, rate: float, seconds: float) -> tuple[Workload, float, float]:
    """Run the app's load for ``seconds`` of virtual time: (workload, wall s, CPU s)."""
    workload = cloud.start_load(load_app("hotel-reservation"), rate=rate)
    wall, cpu = time.perf_counter(), time.process_time()
    cloud.settle(seconds)
    elapsed = time.perf_counter() - wall, time.process_time() - cpu
    cloud.traffic.stop_workload(workload.name)
    return workload, *elapsed


def _median_ms(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        begin = time.perf_counter()
        run()
        times.append(time.perf_counter() - begin)
    return round(statistics.median(times) * 1000, 1)


def _queries(cloud: Cloud, repeats: int) -> dict[str, dict[str, float | int]]:
    db = cloud.monitor.tsdb
    end = cloud.clock.now()
    start = end - 3600.0
    out: dict[str, dict[str, float | int]] = {}
    for name, query in QUERIES.items():
        matrix = range_query(db, query, start, end, 15.0).matrix
        params = {"query": query, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": "15s"}
        status, body = handle_query_range(db, params, end)
        if status != 200:
            raise SystemExit(f"query {name} failed: {body}")
        out[name] = {
            "series": len(matrix),
            "points": sum(len(s.points) for s in matrix),
            "engine_ms": _median_ms(partial(range_query, db, query, start, end, 15.0), repeats),
            "http_handler_ms": _median_ms(partial(handle_query_range, db, params, end), repeats),
        }
    return out


def _table(load: dict[str, object], queries: dict[str, dict[str, float | int]]) -> str:
    rows = [
        ("load", f"{load['rate']:g} req/s x {load['virtual_seconds']:g} s", "target < 10 s"),
        ("  wall / CPU seconds", f"{load['wall_seconds']} / {load['cpu_seconds']}", ""),
        ("  requests, error rate", f"{load['requests']}, {load['error_rate']}", ""),
        ("  RSS / peak MiB", f"{load['rss_mib']} / {load['peak_rss_mib']}", ""),
    ]
    for name, figures in queries.items():
        rows.append(
            (
                f"range query {name}",
                f"{figures['engine_ms']} ms (HTTP {figures['http_handler_ms']} ms)",
                f"{figures['series']} series; target < 200 ms",
            )
        )
    width = max(len(r[0]) for r in rows), max(len(r[1]) for r in rows)
    return "\n".join(f"{a:<{width[0]}}  {b:<{width[1]}}  {c}".rstrip() for a, b, c in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="requests/s of the load phase")
    parser.add_argument("--seconds", type=float, default=600.0, help="virtual seconds of load")
    parser.add_argument("--history-rate", type=float, default=20.0, help="requests/s, query data")
    parser.add_argument("--history", type=float, default=3600.0, help="virtual seconds of data")
    parser.add_argument("--repeats", type=int, default=5, help="runs per query (median)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-queries", action="store_true", help="only the load phase")
    parser.add_argument("--out", type=Path, default=RESULTS / "traffic.json")
    args = parser.parse_args()

    load_average = os.getloadavg()[0]  # other work on the machine inflates wall times
    cloud, _ = _ready_cloud(args.seed)
    workload, load_wall, load_cpu = _run_load(cloud, args.rate, args.seconds)
    print(
        f"  load: {workload.sent} requests in {load_wall:.2f}s wall ({workload.failed} failed)",
        file=sys.stderr,
    )
    load = {
        "rate": args.rate,
        "virtual_seconds": args.seconds,
        "wall_seconds": round(load_wall, 2),
        "cpu_seconds": round(load_cpu, 2),  # differs from wall when the machine is busy
        "requests": workload.sent,
        "failed": workload.failed,
        "error_rate": round(workload.failed / workload.sent, 5) if workload.sent else 0.0,
        "median_latency_ms": round(statistics.median(workload.latencies_ms), 2)
        if workload.latencies_ms
        else None,
        "rss_mib": round(_rss_mib(), 1),
        "peak_rss_mib": round(_peak_rss_mib(), 1),
        "tsdb_series": len(cloud.monitor.tsdb),
    }
    cloud.close()
    del cloud

    queries: dict[str, object] = {}
    per_query: dict[str, dict[str, float | int]] = {}
    if not args.skip_queries:
        cloud, _ = _ready_cloud(args.seed)
        _, history_wall, _ = _run_load(cloud, args.history_rate, args.history)
        db = cloud.monitor.tsdb
        samples = sum(len(s.times) for s in db)
        print(
            f"  history: {args.history:.0f}s at {args.history_rate:g} rps in "
            f"{history_wall:.1f}s wall; {len(db)} series, {samples} samples",
            file=sys.stderr,
        )
        queries = {
            "note": (
                "an hour of data at a lower request rate: the TSDB's size depends on the "
                "series count and the 15 s scrape interval, not on the request rate"
            ),
            "history_rate": args.history_rate,
            "history_virtual_seconds": args.history,
            "history_wall_seconds": round(history_wall, 1),
            "tsdb_series": len(db),
            "tsdb_samples": samples,
            "range": "last hour, step 15s",
            "per_query": (per_query := _queries(cloud, args.repeats)),
            "error_ratio_note": "no series in a healthy run: no request fails",
        }
        cloud.close()

    result = {
        "benchmark": "traffic",
        "app": "hotel-reservation",
        "load": load,
        "range_queries": queries,
        "peak_rss_mib": round(_peak_rss_mib(), 1),
        "targets": {"load_wall_seconds": 10.0, "range_query_ms": 200.0},
        "load_average_at_start": round(load_average, 2),
        "machine": describe_machine(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(_table(load, per_query), file=sys.stderr)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
