"""Settling before μ_post: on a fake cluster and a fake clock, then on the emulated cloud's
virtual clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from stratus.kube.errors import Unreachable
from stratus.observe.clock import Clock
from stratus.observe.cluster import ClusterObserver
from stratus.tnr.settle import SettleBounds, settle
from tests.observe.fakes import FakeKube, deployment

NS = "shop"


@dataclass
class FakeClock:
    t: float = 0.0
    on_sleep: list[Callable[[float], None]] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        self.t += seconds
        for hook in self.on_sleep:
            hook(self.t)

    def clock(self) -> Clock:
        return Clock(now=lambda: self.t, sleep=self.sleep)


def cluster(kube: FakeKube) -> ClusterObserver:
    return ClusterObserver(kube, [NS], nodes=False)


def test_a_complete_rollout_settles_after_the_minimum() -> None:
    kube = FakeKube({("Deployment", NS): [deployment("web", 2, 2)]})
    clock = FakeClock()
    report = settle(cluster(kube), clock.clock(), SettleBounds())
    assert (report.settled, report.complete, report.elapsed) == (True, True, 60.0)


def test_a_rollout_in_progress_is_waited_for() -> None:
    objects = {("Deployment", NS): [deployment("web", 2, 0, updated=1, current=3)]}
    kube = FakeKube(objects)
    clock = FakeClock()
    clock.on_sleep.append(
        lambda t: (
            objects.__setitem__(("Deployment", NS), [deployment("web", 2, 2)]) if t >= 90 else None
        )
    )
    steps: list[float] = []
    report = settle(cluster(kube), clock.clock(), SettleBounds(), steps.append)
    assert report.complete
    assert report.elapsed == 90.0
    assert steps == [5.0 * i for i in range(1, 19)]


def test_a_steady_crash_loop_settles_without_being_complete() -> None:
    kube = FakeKube(
        {
            ("Deployment", NS): [deployment("web", 1, 0)],
            ("Pod", NS): [{"metadata": {"name": "web-1"}, "status": {"phase": "Running"}}],
        }
    )
    report = settle(cluster(kube), FakeClock().clock(), SettleBounds())
    assert report.settled
    assert not report.complete
    assert "Deployment/web" in report.reason
    assert report.elapsed == 60.0


def test_a_stuck_rollout_waits_for_the_bound() -> None:
    kube = FakeKube({("Deployment", NS): [deployment("web", 1, 1, updated=1, current=2)]})
    report = settle(cluster(kube), FakeClock().clock(), SettleBounds(max_seconds=120))
    assert not report.settled
    assert report.elapsed == 120.0
    assert "in progress" in report.reason


def test_an_unreachable_api_is_waited_out_then_reported() -> None:
    kube = FakeKube({})
    kube.error = Unreachable("connection refused")
    report = settle(cluster(kube), FakeClock().clock(), SettleBounds(max_seconds=30))
    assert not report.settled
    assert "connection refused" in report.reason


def test_the_cluster_is_not_read_before_it_can_matter() -> None:
    reads: list[float] = []
    clock = FakeClock()

    class Counting(FakeKube):
        def list(self, api_version: str, kind: str, namespace: str = "", selector: str = "") -> Any:
            if kind == "Deployment":
                reads.append(clock.t)
            return super().list(api_version, kind, namespace, selector)

    settle(cluster(Counting({})), clock.clock(), SettleBounds())
    assert reads == [30.0, 35.0, 40.0, 45.0, 50.0, 55.0, 60.0]
