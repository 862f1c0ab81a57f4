"""Small problems of one's own on the built-in ``demo`` app (no load, so a run takes about a
second): a mitigation whose fault works, one whose inline fault step fails, and detection,
localization and analysis problems with and without a fault."""

from __future__ import annotations

from pathlib import Path

from stratus.bench.loading import load_problems
from stratus.bench.problem import Problem

PROBLEMS = """\
problems:
  - id: api-scaled-away
    description: the api Deployment was scaled to zero
    app: demo
    task: [detection, localization, analysis, mitigation]
    entrypoints: [frontend]
    fault:
      inject: [{kubectl: "scale deployment api -n {namespace} --replicas=0"}]
      settle: 60
    ground_truth: {components: [api], category: capacity, accept: [crash]}
    load: {warmup: 60}
    oracle:
      settle: 30
      checks:
        - ready: {workloads: [Deployment/api]}
  - id: broken-step
    description: the fault's only step names a Deployment that does not exist
    app: demo
    task: mitigation
    entrypoints: [frontend]
    fault:
      inject: [{kubectl: "scale deployment no-such-thing -n {namespace} --replicas=0"}]
    ground_truth: {components: [api], category: capacity}
    load: {warmup: 60}
  - id: all-quiet
    app: demo
    task: detection
    entrypoints: [frontend]
    load: {warmup: 60}
"""


def write_problems(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "mine.yaml"
    path.write_text(PROBLEMS)
    return folder


def demo_problems(folder: Path) -> dict[str, Problem]:
    return {p.id: p for p in load_problems([write_problems(folder)])}
