"""Oracle integrity: for every shipped mitigation problem, the scripted actors that "fix" an
incident the ways a generic oracle was gamed (do nothing, delete the faulty workloads, scale
them to zero, cordon every node) must fail. Runs start from copies of one warm-up per app
(``WarmClouds``), which gives the same result as a fresh cloud: checked here too."""

from __future__ import annotations

from pathlib import Path

import pytest

from stratus.bench.agent import AgentSpec
from stratus.bench.execute import run_problem
from stratus.bench.problem import Problem
from stratus.bench.suites import load_suite, select
from stratus.bench.warm import WarmClouds, snapshot
from stratus.sim.apps import load_app
from stratus.sim.cloud import Cloud
from stratus.sim.faults.model import Step

pytestmark = [pytest.mark.kubectl, pytest.mark.timeout(120)]

ACTORS = ("noop", "delete", "scale-zero", "cordon")
MITIGATION = [p for suite in ("aiopslab", "sregym") for p in load_suite(suite)]
MITIGATION = [p for p in MITIGATION if p.task == "mitigation"]
WARM = WarmClouds(limit=3)  # one per app, per test process
_WALL = {"wall_seconds", "agent_wall_seconds"}


def test_every_shipped_mitigation_problem_is_checked() -> None:
    assert len(MITIGATION) == 32
    assert len({p.id for p in MITIGATION}) == 32


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("problem", MITIGATION, ids=[p.id for p in MITIGATION])
def test_a_scripted_actor_never_passes_an_oracle(
    problem: Problem, actor: str, tmp_path: Path
) -> None:
    result = run_problem(problem, AgentSpec(name=actor), tmp_path, warm=WARM)
    assert result.status == "ok", result.error
    failing = [name for name, (passed, _) in result.oracles.items() if not passed]
    assert not result.success, f"{actor} passed the oracle of {problem.id}: {result.oracles}"
    assert failing, result.reason
    if actor in ("delete", "scale-zero"):
        assert result.actions, f"{actor} found the faulty workload to act on"
        assert not any(a.endswith("(failed)") for a in result.actions), result.actions


def test_a_warm_copy_runs_exactly_as_a_fresh_cloud(tmp_path: Path) -> None:
    [problem] = select(MITIGATION, ids=["misconfig-app-geo-mitigation"])
    spec = AgentSpec(name="delete")
    warm = WarmClouds()
    fresh = run_problem(problem, spec, tmp_path / "fresh")
    first = run_problem(problem, spec, tmp_path / "first", warm=warm)
    second = run_problem(problem, spec, tmp_path / "second", warm=warm)
    assert (warm.misses, warm.hits) == (1, 1)
    assert fresh.status == "ok", fresh.error
    assert fresh.actions, "the actor changed the cluster: the copies must not share it"
    assert fresh.mu, "a μ trajectory to compare"
    expected = fresh.model_dump(exclude=_WALL)
    assert first.model_dump(exclude=_WALL) == expected
    assert second.model_dump(exclude=_WALL) == expected


def test_a_snapshot_is_independent_of_its_original() -> None:
    app = load_app("demo")
    original = Cloud(seed=3)
    original.deploy(app)
    original.settle(30, step=5)
    replicas = _replicas(original)
    assert replicas > 0
    assert _pods(original) == replicas
    twin = snapshot(original)
    before = original.clock.now()
    assert twin.clock.now() == before
    scale = Step.model_validate({"kubectl": "scale deployment api -n demo --replicas=0"})
    twin.fault_runner("demo", app).step(scale)
    twin.settle(30, step=5)
    assert original.clock.now() == before, "advancing the copy leaves the original alone"
    assert (_replicas(original), _pods(original)) == (replicas, replicas)
    assert (_replicas(twin), _pods(twin)) == (0, 0)
    original.fault_runner("demo", app).step(scale)
    original.settle(30, step=5)
    assert (_replicas(original), _pods(original)) == (0, 0)
    original.serve()
    try:
        with pytest.raises(ValueError, match="served"):
            snapshot(original)
    finally:
        original.close()


def _replicas(cloud: Cloud) -> int:
    obj = cloud.store.get("deployments.apps", "demo", "api")
    assert obj is not None
    return int(obj["spec"]["replicas"])


def _pods(cloud: Cloud) -> int:
    pods = cloud.store.list("pods", "demo")
    return sum(1 for p in pods if p["metadata"]["name"].startswith("api-"))
