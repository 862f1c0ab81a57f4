"""How far the emulated cloud scales: a 200-node cluster converging to 5,000 Ready pods.

Measures (and prints as JSON, also saved under benchmarks/results/):
  * wall and virtual time until every pod is Ready;
  * one full reconcile pass of every controller over the converged cluster (median of 5);
  * ``kubectl get pods -A`` against the served cluster (median of 3, pinned kubectl);
  * resident memory of the process.

Run: ``make bench`` or ``.venv/bin/python -m benchmarks.scale [--nodes 200] [--pods 5000]``
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.machine import describe_machine
from stratus.sim.cloud import Cloud
from stratus.sim.controllers.podstate import is_ready

RESULTS = Path(__file__).parent / "results"


def _deployment(name: str, replicas: int) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "containers": [
                        {
                            "name": "app",
                            "image": "nginx:1.27",
                            "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}},
                        }
                    ]
                },
            },
        },
    }


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _kubectl() -> str:
    beside = Path(sys.executable).parent / "kubectl"
    found = str(beside) if beside.exists() else shutil.which("kubectl")
    if found is None:
        raise SystemExit("no kubectl found (install the dev dependencies: make test)")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=200)
    parser.add_argument("--pods", type=int, default=5000)
    parser.add_argument("--out", type=Path, default=RESULTS / "scale.json")
    args = parser.parse_args()

    started = time.perf_counter()
    cloud = Cloud(nodes=args.nodes, seed=1)
    system_pods = cloud.store.count("pods")
    wanted = args.pods - system_pods
    for index in range(0, wanted, 100):
        cloud.create(_deployment(f"app{index // 100:03d}", min(100, wanted - index)))
    virtual = 0.0
    ready = 0
    while virtual < 600:
        cloud.advance(1.0)
        virtual += 1.0
        ready = sum(1 for p in cloud.store.iter("pods") if is_ready(p))
        print(
            f"  t={virtual:4.0f}s  pods={cloud.store.count('pods')}  ready={ready}", file=sys.stderr
        )
        if ready >= args.pods:
            break
    converge_wall = time.perf_counter() - started

    passes = []
    for _ in range(5):
        begin = time.perf_counter()
        cloud.controllers.resync()
        passes.append(time.perf_counter() - begin)

    served = cloud.serve()
    listing = []
    with tempfile.TemporaryDirectory() as tmp:
        config = cloud.write_kubeconfig(Path(tmp) / "kubeconfig", served)
        command = [
            _kubectl(),
            "--kubeconfig",
            str(config),
            "--cache-dir",
            f"{tmp}/cache",
            "get",
            "pods",
            "-A",
            "--no-headers",
        ]
        subprocess.run(command, capture_output=True, check=True)  # warm the discovery cache
        for _ in range(3):
            begin = time.perf_counter()
            out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
            listing.append(time.perf_counter() - begin)
        listed = len(out.splitlines())
    cloud.close()

    result = {
        "benchmark": "scale",
        "nodes": args.nodes,
        "pods": cloud.store.count("pods"),
        "ready_pods": ready,
        "converge_virtual_seconds": virtual,
        "converge_wall_seconds": round(converge_wall, 2),
        "reconcile_pass_ms": round(statistics.median(passes) * 1000, 1),
        "kubectl_get_pods_all_namespaces_seconds": round(statistics.median(listing), 3),
        "kubectl_rows": listed,
        "rss_mib": round(_rss_mib(), 1),
        "targets": {
            "reconcile_pass_ms": 100,
            "kubectl_get_pods_all_namespaces_seconds": 2.0,
            "rss_mib": 1024,
            "ready_pods": args.pods,
        },
        "machine": describe_machine(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
