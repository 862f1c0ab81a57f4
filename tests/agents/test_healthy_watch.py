"""Watching a healthy app under load for 30 simulated minutes raises no incident and takes
no action: detection false positives are a defect, not a cost."""

from __future__ import annotations

from pathlib import Path

import pytest

from stratus.agents import build_agents
from stratus.lab import IncidentLab
from stratus.machine import MachineEvent, watch
from stratus.tnr.journal import Journal

pytestmark = [pytest.mark.kubectl, pytest.mark.timeout(120)]


@pytest.mark.parametrize("app", ["hotel-reservation", "social-network"])
def test_a_healthy_app_is_left_alone_for_30_minutes(app: str, tmp_path: Path) -> None:
    events: list[MachineEvent] = []
    with IncidentLab(app, tmp_path) as lab:
        with lab.machine(build_agents("offline"), listeners=(events.append,)) as machine:
            report = watch(machine, poll=30, duration=1800)
        assert report.seconds >= 1800
        assert report.incidents == []
        assert report.polls == report.healthy
        assert not [e for e in events if e.kind in ("suspect", "write", "begin")]
        with Journal.open(tmp_path / "journal.sqlite", writer=False) as journal:
            assert journal.transactions() == []
