"""Watching: keep detecting, handle incidents one at a time, and keep the last healthy state
as the reference (baseline and known-good objects) each incident is judged against."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from stratus.agents.reference import Reference
from stratus.machine.engine import Machine
from stratus.machine.phases import Phase
from stratus.machine.report import IncidentReport

__all__ = ["WatchReport", "watch"]


@dataclass
class WatchReport:
    """``polls`` checks of which ``healthy`` found nothing wrong; the incidents handled."""

    seconds: float = 0.0
    polls: int = 0
    healthy: int = 0
    incidents: list[IncidentReport] = field(default_factory=list)


def watch(
    machine: Machine,
    *,
    reference: Reference | None = None,
    poll: float = 30.0,
    confirm: int = 2,
    refresh: float = 300.0,
    duration: float | None = None,
    max_incidents: int | None = None,
    save_reference: Path | None = None,
    on_poll: Callable[[float, bool], None] | None = None,
    on_incident: Callable[[IncidentReport], None] | None = None,
) -> WatchReport:
    """Every ``poll`` seconds measure μ and check health against the reference; ``confirm``
    unhealthy checks in a row are an incident, handled by ``machine``. While healthy, the
    reference is retaken every ``refresh`` seconds (and saved to ``save_reference``). Stops
    after ``duration`` seconds or ``max_incidents`` incidents; ``on_poll(elapsed, healthy)``
    runs after each check, ``on_incident(report)`` as soon as an incident is handled (so a
    caller interrupted later still has it)."""
    env, bus, clock = machine.env, machine.bus, machine.env.clock
    start = clock.now()
    report = WatchReport()
    ref = reference or machine.observe_reference()
    taken = clock.now()
    streak = 0
    while duration is None or clock.now() - start < duration:
        severity = env.measure(ref.baseline)
        healthy = severity.mu == 0 and env.health(ref.baseline).passed
        report.polls += 1
        if healthy:
            report.healthy += 1
            streak = 0
            if clock.now() - taken >= refresh:
                ref, taken = machine.observe_reference(), clock.now()
                if save_reference is not None:
                    ref.save(save_reference)
        else:
            streak += 1
            bus.phase = Phase.DETECT
            bus.emit("suspect", f"unhealthy check {streak} of {confirm}", mu=severity.mu)
        if streak >= confirm:
            incident = machine.handle(ref)
            report.incidents.append(incident)
            if on_incident is not None:
                on_incident(incident)
            streak = 0
            if incident.outcome == "resolved":
                ref, taken = machine.observe_reference(), clock.now()
            if max_incidents is not None and len(report.incidents) >= max_incidents:
                break
        if on_poll is not None:
            on_poll(clock.now() - start, healthy)
        clock.sleep(poll)
    report.seconds = clock.now() - start
    return report
