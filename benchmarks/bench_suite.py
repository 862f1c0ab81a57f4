"""How long a benchmark suite takes: the shipped ``aiopslab`` mitigation problems (by default)
run by STRATUS with the offline policy, each in a fresh emulated cloud, ``--workers``
processes in parallel, exactly as ``stratus bench`` runs them.

Reports the wall time of the whole run (target: under 2 minutes on 2 cores), the success
rate, the per-problem wall and virtual seconds, and any TNR violation or error. Writes the
results folder (``results.jsonl``, ``report.md``, ``report.html``) under ``--out`` and a
summary to benchmarks/results/bench_suite.json.

Run: ``make bench`` or ``.venv/bin/python -m benchmarks.bench_suite [--task mitigation]
[--workers 2] [--agent stratus ...]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.machine import save_result
from stratus.bench.agent import AgentSpec
from stratus.bench.reports import write_reports
from stratus.bench.runner import RunOptions, plan_jobs, run_jobs
from stratus.bench.suites import load_suite, select

RESULTS = Path(__file__).parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", default="aiopslab")
    parser.add_argument("--task", action="append", help="tasks to run (default: mitigation)")
    parser.add_argument("--agent", action="append", help="agents to run (default: stratus)")
    parser.add_argument("--model", default="offline")
    parser.add_argument("--brain", default="model", help="model, or stochastic (the ablation)")
    parser.add_argument("--warm-cache", action="store_true", help="copy one warm cloud per app")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each problem")
    parser.add_argument("--out", type=Path, help="results folder (default: a temporary one)")
    parser.add_argument("--summary", type=Path, default=RESULTS / "bench_suite.json")
    args = parser.parse_args()

    problems = select(load_suite(args.suite), tasks=args.task or ["mitigation"])
    specs = [
        AgentSpec.model_validate({"name": name, "model": args.model, "brain": args.brain})
        for name in args.agent or ["stratus"]
    ]
    jobs = plan_jobs(problems, specs, seed=args.seed, repeats=args.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        started = time.monotonic()
        results = run_jobs(jobs, RunOptions(out=out, workers=args.workers, warm=args.warm_cache))
        wall = time.monotonic() - started
        write_reports(results, out, f"STRATUS benchmark: {args.suite}")
        rows = [
            {
                "problem": r.problem,
                "agent": r.agent,
                "success": r.success,
                "error": r.status == "error",
                "tnr_held": r.tnr_held,
                "wall_seconds": round(r.wall_seconds, 2),
                "virtual_seconds": round(r.virtual_seconds, 1),
            }
            for r in results
        ]
    per_problem = [r.wall_seconds for r in results]
    summary = {
        "suite": args.suite,
        "tasks": args.task or ["mitigation"],
        "agents": [s.label for s in specs],
        "model": args.model,
        "brain": args.brain,
        "warm_cache": args.warm_cache,
        "workers": args.workers,
        "repeat": args.repeat,
        "runs": len(rows),
        "successes": sum(bool(row["success"]) for row in rows),
        "errors": sum(bool(row["error"]) for row in rows),
        "tnr_violations": sum(row["tnr_held"] is False for row in rows),
        "wall_seconds": round(wall, 1),
        "median_problem_wall_seconds": round(statistics.median(per_problem), 2) if rows else 0,
    }
    for row in rows:
        print(
            f"{row['problem']:<52} {row['agent']:<12} "
            f"{'ok' if row['success'] else 'FAIL':<5} wall {row['wall_seconds']:6.1f}s "
            f"virtual {row['virtual_seconds']:6.0f}s"
        )
    print(json.dumps(summary))
    save_result(args.summary, summary, "runs", rows)


if __name__ == "__main__":
    main()
