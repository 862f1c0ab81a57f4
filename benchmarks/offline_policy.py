"""The offline policy over every shipped fault: each fault is injected into its app (fresh
emulated cloud, seed 0, healthy reference taken first), then STRATUS runs with
``--model offline`` through the public endpoints only. Reports per fault the outcome
(resolved / escalated / no-incident), whether the oracles pass at the end, whether TNR held
(no visible μ above the initial one), attempts, and the wall and virtual seconds it took.

Prints a table and writes benchmarks/results/offline_policy.json.

Run: ``.venv/bin/python -m benchmarks.offline_policy [--jobs 2] [--fault NAME ...]
[--allow-exec --out benchmarks/results/offline_policy_exec.json]``
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from benchmarks.machine import save_result
from stratus.agents import build_agents
from stratus.lab import IncidentLab
from stratus.sim.faults import FaultCatalog
from stratus.tnr.policy import Policy

RESULTS = Path(__file__).parent / "results"


def run_one(name: str, seed: int = 0, allow_exec: bool = False) -> dict[str, Any]:
    fault = FaultCatalog().get(name)
    policy = Policy(allow_irreversible=True) if allow_exec else None
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp, IncidentLab(fault.app, Path(tmp), seed=seed) as lab:
        setup = time.monotonic() - started
        run = lab.run(fault, build_agents("offline"), policy=policy)
    report = run.report
    visible = report.visible_mu
    final = report.final_oracles
    return {
        "fault": name,
        "app": fault.app,
        "mitigable": fault.mitigable,
        "outcome": report.outcome,
        "reason": report.reason,
        "oracles_pass": None if final is None else final.passed,
        "tnr_held": all(mu <= visible[0] for mu in visible),
        "mu_initial": report.mu_initial,
        "mu_final": report.mu_final,
        "attempts": len(report.attempts),
        "actions": [
            f"{a.mitigation.plan.title} → {a.outcome}"
            for a in report.attempts
            if a.mitigation.plan is not None
        ],
        "diagnosis": report.attempts[0].diagnosis.summary if report.attempts else "",
        "wall_seconds": round(time.monotonic() - started, 2),
        "setup_wall_seconds": round(setup, 2),
        "agent_wall_seconds": round(report.wall_seconds, 2),
        "virtual_seconds": round(report.seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fault", action="append", help="only these faults (repeatable)")
    parser.add_argument("--jobs", type=int, default=1, help="faults run in parallel processes")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--allow-exec",
        action="store_true",
        help="a kernel policy that allows irreversible writes (kubectl exec), outside TNR",
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "offline_policy.json")
    args = parser.parse_args()
    names = args.fault or FaultCatalog().names()
    started = time.monotonic()
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            rows = list(
                pool.map(run_one, names, [args.seed] * len(names), [args.allow_exec] * len(names))
            )
    else:
        rows = [run_one(n, args.seed, args.allow_exec) for n in names]
    for row in rows:
        ok = "yes" if row["oracles_pass"] else "no"
        print(
            f"{row['fault']:<44} {row['outcome']:<11} oracles {ok:<3} tnr {row['tnr_held']!s:<5} "
            f"attempts {row['attempts']}  wall {row['wall_seconds']:6.1f}s  "
            f"virtual {row['virtual_seconds']:6.0f}s"
        )
    summary = {
        "resolved": sum(r["outcome"] == "resolved" for r in rows),
        "escalated": sum(r["outcome"] == "escalated" for r in rows),
        "no_incident": sum(r["outcome"] == "no-incident" for r in rows),
        "tnr_violations": sum(not r["tnr_held"] for r in rows),
        "faults": len(rows),
        "allow_exec": args.allow_exec,
        "wall_seconds": round(time.monotonic() - started, 1),
    }
    print(json.dumps(summary))
    save_result(args.out, summary, "faults", rows)


if __name__ == "__main__":
    main()
