"""What the safety kernel costs: a guarded write against the emulated cloud compared with
the same kubectl command run bare, and the undo of a 20-write transaction.

Measures (printed as JSON, also saved under benchmarks/results/kernel.json):
  * per write: bare kubectl wall time, guarded wall time (gateway + server-side dry run +
    checkpoint + journal + the kubectl run), and the difference (median over the writes);
  * the gateway check alone, the dry-run confirmation alone;
  * aborting one transaction of 20 writes: one μ measurement, then undo and verification of
    every touched object, wall seconds.

Run: ``make bench`` or ``.venv/bin/python -m benchmarks.kernel [--writes 20]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.machine import describe_machine
from stratus.kube.runner import Kubectl
from stratus.observe.clock import Clock
from stratus.observe.sla import Entrypoint
from stratus.sim.apps import load_app
from stratus.sim.cloud import Cloud
from stratus.tnr.connect import Connection, open_kernel
from stratus.tnr.settle import SettleBounds

RESULTS = Path(__file__).parent / "results"
NS = "test-hotel-reservation"
TARGETS = (
    "frontend",
    "search",
    "geo",
    "rate",
    "profile",
    "recommendation",
    "user",
    "reservation",
    "consul",
    "jaeger",
)


def _writes(count: int, round_: int) -> list[str]:
    """Distinct, harmless writes across the app's deployments and services."""
    out = []
    for i in range(count):
        name = TARGETS[i % len(TARGETS)]
        if i % 2 == 0:
            out.append(f"kubectl annotate deployment {name} bench/round={round_}-{i} --overwrite")
        else:
            out.append(f"kubectl label service {name} bench-round={round_}-{i} --overwrite")
    return out


def run(writes: int) -> dict[str, Any]:
    app = load_app("hotel-reservation")
    cloud = Cloud(seed=1)
    cloud.deploy(app)
    cloud.start_load(app)
    cloud.settle(420, step=5)
    folder = Path(tempfile.mkdtemp(prefix="stratus-bench-"))
    served = cloud.serve()
    telemetry = cloud.serve_telemetry()
    kubeconfig = cloud.write_kubeconfig(folder / "kubeconfig", served)
    clock = Clock(now=cloud.clock.now, sleep=lambda s: cloud.settle(s, step=5))
    kernel = open_kernel(
        Connection(kubeconfig=kubeconfig, namespace=NS, prometheus=telemetry["prometheus"].url),
        journal=folder / "journal.sqlite",
        clock=clock,
        settle=SettleBounds(min_seconds=30, max_seconds=60),
        cache_dir=folder / "cache",
    )
    bare = Kubectl(kubeconfig=kubeconfig, namespace=NS, cache_dir=folder / "cache")
    try:
        baseline = kernel.meter.capture_baseline([Entrypoint(namespace=NS, service="frontend")])
        bare_seconds = []
        for line in _writes(writes, 0):
            started = time.perf_counter()
            result = bare.run(line.split()[1:])
            bare_seconds.append(time.perf_counter() - started)
            assert result.ok, result.stderr
        tx = kernel.begin(baseline, "benchmark")
        guarded_seconds, gateway_seconds, dry_run_seconds = [], [], []
        for line in _writes(writes, 1):
            started = time.perf_counter()
            decision = kernel.gateway.check(line, "mitigation", writes_done=tx.writes_done)
            gateway_seconds.append(time.perf_counter() - started)
            started = time.perf_counter()
            kernel.gateway.confirm_with_dry_run(kernel.runner, decision)
            dry_run_seconds.append(time.perf_counter() - started)
            started = time.perf_counter()
            record = tx.write(line)
            guarded_seconds.append(time.perf_counter() - started)
            assert record.ran, record.output
        started = time.perf_counter()
        aborted = tx.abort("benchmark")  # measures μ once, then undoes and verifies
        undo_seconds = time.perf_counter() - started
        report = aborted.undo
        assert report is not None
        assert report.faithful
    finally:
        kernel.close()
        cloud.close()
    bare_ms = statistics.median(bare_seconds) * 1000
    guarded_ms = statistics.median(guarded_seconds) * 1000
    return {
        "benchmark": "kernel",
        "writes": writes,
        "bare_kubectl_ms": round(bare_ms, 1),
        "guarded_write_ms": round(guarded_ms, 1),
        "overhead_ms": round(guarded_ms - bare_ms, 1),
        "gateway_check_ms": round(statistics.median(gateway_seconds) * 1000, 2),
        "dry_run_confirm_ms": round(statistics.median(dry_run_seconds) * 1000, 1),
        "undo_seconds": round(undo_seconds, 2),
        "undo_objects": len(report.steps),
        "targets": {"overhead_ms": 150, "undo_seconds": 3.0},
        "machine": describe_machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writes", type=int, default=20)
    args = parser.parse_args()
    result = run(args.writes)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "kernel.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
