"""The state machine against a scripted environment: it resolves only through COMMIT with
every oracle passing, never undoes a committed attempt, undoes and retries what made things
worse, escalates with a report when attempts, budgets or undo verification run out."""

from __future__ import annotations

import itertools

from stratus.agents.budget import Budget
from stratus.agents.reference import Reference
from stratus.machine import (
    TRANSITIONS,
    EventBus,
    IncidentReport,
    Machine,
    MachineEvent,
    Phase,
    describe_machine,
)
from tests.agents.fakes import FakeEnv, scripted_agents

FIX, WORSE, PARTIAL, NOOP = "kubectl fix", "kubectl worse", "kubectl partial", "kubectl noop"
EFFECTS = {FIX: 0.0, WORSE: 9.0, PARTIAL: 3.0, NOOP: 5.0}


def _run(
    env: FakeEnv, lines: list[str], budget: Budget | None = None
) -> tuple[IncidentReport, list[MachineEvent]]:
    events: list[MachineEvent] = []
    agents, _ = scripted_agents(lines)
    machine = Machine(env, agents, budget, bus=EventBus(events.append), validate_seconds=300)
    reference = Reference(baseline=env.capture_baseline())
    return machine.handle(reference), events


def _phases(events: list[MachineEvent]) -> list[Phase]:
    return [e.phase for e in events if e.kind == "phase"]


def _legal(phases: list[Phase]) -> bool:
    edges = {(a, b) for a, targets in TRANSITIONS.items() for b, _ in targets}
    return all((a, b) in edges or b is Phase.ESCALATE for a, b in itertools.pairwise(phases))


def test_a_fix_is_committed_and_resolves_on_the_first_attempt() -> None:
    env = FakeEnv(mu=5, effects=EFFECTS)
    report, events = _run(env, [FIX])
    assert report.outcome == "resolved"
    assert _phases(events) == [
        Phase.DETECT,
        Phase.DIAGNOSE,
        Phase.MITIGATE,
        Phase.VALIDATE,
        Phase.COMMIT,
        Phase.RESOLVED,
    ]
    assert report.visible_mu == [5, 0]
    assert env.undone == []


def test_what_made_things_worse_is_undone_and_the_next_attempt_is_fed_the_reflection() -> None:
    env = FakeEnv(mu=5, effects=EFFECTS)
    agents, diagnoser = scripted_agents([WORSE, FIX])
    events: list[MachineEvent] = []
    machine = Machine(env, agents, bus=EventBus(events.append))
    report = machine.handle(Reference(baseline=env.capture_baseline()))
    assert report.outcome == "resolved"
    assert [a.outcome for a in report.attempts] == ["undone", "resolved"]
    assert env.undone == [1]
    assert Phase.UNDO in _phases(events)
    assert _legal(_phases(events))
    second = diagnoser.seen[1].attempts[0]
    assert second.reflection is not None
    assert WORSE in second.reflection.avoid
    assert max(report.visible_mu) <= report.mu_initial


def test_a_committed_attempt_that_does_not_solve_it_is_kept_never_undone() -> None:
    env = FakeEnv(mu=5, effects=EFFECTS)
    report, events = _run(env, [PARTIAL, FIX])
    assert [a.outcome for a in report.attempts] == ["kept-unsolved", "resolved"]
    assert env.undone == []
    assert env.transactions[0].outcome == "committed"
    assert report.visible_mu == [5, 3, 0]
    assert _legal(_phases(events))


def test_it_never_declares_success_while_an_oracle_fails() -> None:
    env = FakeEnv(mu=5, effects=EFFECTS, oracles_fail=True)
    report, events = _run(env, [FIX, NOOP])
    assert report.outcome == "escalated"
    assert Phase.RESOLVED not in _phases(events)
    assert report.final_oracles is not None
    assert not report.final_oracles.passed
    assert env.transactions[0].outcome == "committed"
    assert 1 not in env.undone, "a committed attempt is never undone"


def test_attempts_run_out_and_it_escalates_with_what_was_tried() -> None:
    env = FakeEnv(mu=5, effects=EFFECTS)
    report, events = _run(env, [WORSE, "kubectl worse2", "kubectl worse3"], Budget(attempts=2))
    assert report.outcome == "escalated"
    assert "2 attempts" in report.reason
    assert len(env.transactions) == 2
    assert any("already tried" in r for r in report.recommendations)
    assert _phases(events)[-1] is Phase.ESCALATE
    assert env.mu == 5


def test_nothing_left_to_try_escalates_without_writing() -> None:
    env = FakeEnv(mu=5, effects=EFFECTS)
    report, _ = _run(env, [])
    assert report.outcome == "escalated"
    assert all(not tx.lines for tx in env.transactions)


def test_no_incident_ends_healthy_without_a_transaction() -> None:
    env = FakeEnv(mu=0, effects=EFFECTS)
    report, events = _run(env, [FIX])
    assert report.outcome == "no-incident"
    assert _phases(events) == [Phase.DETECT, Phase.HEALTHY]
    assert env.transactions == []


def test_an_unverifiable_undo_stops_the_machine() -> None:
    env = FakeEnv(mu=5, effects=EFFECTS, unfaithful=True)
    report, _ = _run(env, [WORSE, FIX])
    assert report.outcome == "escalated"
    assert "undo could not be verified" in report.reason
    assert len(env.transactions) == 1


def test_the_time_budget_ends_the_run() -> None:
    env = FakeEnv(mu=5, effects=EFFECTS)
    report, _ = _run(env, [NOOP, "kubectl noop2", FIX], Budget(seconds=100))
    assert report.outcome == "escalated"
    assert "seconds budget" in report.reason


def test_the_machine_is_printable() -> None:
    text = describe_machine()
    for phase in Phase:
        assert phase.value in text
    assert "COMMIT    → RETRY" in text
