"""The live progress lines: each phase and action once, with its verdict."""

from __future__ import annotations

import io

from rich.console import Console

from stratus.cli.progress import Progress
from stratus.machine import MachineEvent, Phase


def _lines(*events: MachineEvent) -> list[str]:
    out = io.StringIO()
    console = Console(file=out, width=200, force_terminal=False, color_system=None)
    with Progress(console, attempts=3) as progress:
        for event in events:
            progress(event)
    return [line for line in out.getvalue().splitlines() if line.strip()]


def test_an_escalation_is_said_once() -> None:
    reason = "3 attempts did not solve it"
    lines = _lines(
        MachineEvent("plan", Phase.MITIGATE, "Restart Deployment/geo", 1, 10.0),
        MachineEvent("abort", Phase.VALIDATE, "μ rose 5 → 9", 1, 70.0, 9.0),
        MachineEvent("phase", Phase.ESCALATE, reason, 3, 900.0),
        MachineEvent("outcome", Phase.ESCALATE, reason, 3, 900.0),
    )
    assert sum(reason in line for line in lines) == 1
    assert any("plan: Restart Deployment/geo" in line for line in lines)
    assert any("aborted: μ rose 5 → 9" in line for line in lines)


def test_an_outcome_that_adds_something_is_shown() -> None:
    lines = _lines(
        MachineEvent("phase", Phase.RESOLVED, "every oracle passes", 1, 180.0),
        MachineEvent("outcome", Phase.RESOLVED, "resolved by attempt 1", 1, 180.0),
    )
    assert any("every oracle passes" in line for line in lines)
    assert any("resolved by attempt 1" in line for line in lines)
