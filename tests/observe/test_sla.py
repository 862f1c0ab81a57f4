"""SLA limits, violations and failing entrypoints; readings of the emulated app's frontend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from stratus.observe.sla import (
    Entrypoint,
    EntrypointBaseline,
    ServiceReading,
    SlaPolicy,
    SlaProbe,
    SpanMetrics,
    is_failing,
    sla_violations,
)
from tests.observe.lab import Lab

WEB = Entrypoint(namespace="shop", service="web")


def base(rate: float | None = 10.0, p95: float | None = 20.0) -> EntrypointBaseline:
    return EntrypointBaseline(entrypoint=WEB, rate=rate, p95_ms=p95)


def reading(
    rate: float, errors: float | None, p95: float | None
) -> dict[Entrypoint, ServiceReading]:
    return {WEB: ServiceReading(WEB, rate, errors, p95)}


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    with Lab(tmp_path) as lab:
        yield lab


def test_latency_limit() -> None:
    policy = SlaPolicy()
    assert policy.p95_limit(base(p95=20.0)) == 70.0  # 50 ms of slack above a fast service
    assert policy.p95_limit(base(p95=300.0)) == 600.0  # twice a slower one
    assert policy.p95_limit(base(p95=800.0)) == 1000.0  # never above the ceiling
    assert policy.p95_limit(base(p95=None)) == 1000.0
    assert SlaPolicy(p95_overrides={"shop/web": 5.0}).p95_limit(base()) == 5.0
    assert SlaPolicy(p95_overrides={"web": 7.0}).p95_limit(base()) == 7.0


def test_violations() -> None:
    policy = SlaPolicy()
    assert sla_violations(reading(10.0, 0.0, 15.0), [base()], policy) == []
    kinds = [v.kind for v in sla_violations(reading(10.0, 0.2, 95.0), [base()], policy)]
    assert kinds == ["error_rate", "latency"]
    (unserved,) = sla_violations(reading(0.5, None, None), [base()], policy)
    assert unserved.kind == "unserved"
    assert unserved.limit == pytest.approx(1.0)
    assert "serves 0.50 req/s" in str(unserved)
    assert sla_violations({}, [base(rate=None)], policy) == []  # no traffic then, none now
    inf = sla_violations(reading(10.0, 0.0, float("inf")), [base()], policy)
    assert [v.kind for v in inf] == ["latency"]


def test_failing() -> None:
    policy = SlaPolicy()
    assert is_failing(ServiceReading(WEB, 0.0, None, None), base(), policy)
    assert is_failing(ServiceReading(WEB, 10.0, 1.0, 5.0), base(), policy)
    assert not is_failing(ServiceReading(WEB, 10.0, 0.6, 5.0), base(), policy)
    assert not is_failing(ServiceReading(WEB, 0.0, None, None), base(rate=None), policy)


def test_entrypoint_parse() -> None:
    assert Entrypoint.parse("shop/web") == WEB
    assert str(WEB) == "shop/web"
    with pytest.raises(ValueError, match="namespace/service"):
        Entrypoint.parse("web")


def test_frontend_readings_healthy_and_faulty(lab: Lab) -> None:
    probe = SlaProbe(lab.prometheus)
    (ep,) = lab.entrypoints
    healthy = probe.read(lab.entrypoints)[ep]
    assert healthy.rate == pytest.approx(20, rel=0.2)
    assert healthy.error_rate == 0.0
    assert healthy.p95_ms is not None
    assert 0 < healthy.p95_ms < 50
    lab.inject("revoke-auth-mongodb-geo")
    faulty = probe.read(lab.entrypoints)[ep]
    assert faulty.error_rate is not None
    assert faulty.error_rate > 0.4
    # an hour ago nothing ran: no requests, nothing known
    then = probe.read(lab.entrypoints, time=lab.cloud.clock.now() - 3600)[ep]
    assert (then.rate, then.error_rate, then.p95_ms) == (0.0, None, None)


def test_metric_names_are_configurable(lab: Lab) -> None:
    renamed = SlaPolicy(metrics=SpanMetrics(calls="no_such_metric_total"))
    (ep,) = lab.entrypoints
    assert SlaProbe(lab.prometheus, renamed).read(lab.entrypoints)[ep].rate == 0.0
