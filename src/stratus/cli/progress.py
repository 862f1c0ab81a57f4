"""Live progress of the state machine for a person watching: where the machine is, every
action with its verdict, μ over time, and the transaction outcomes. Lines scroll above a
status bar (phase strip, attempt, μ sparkline) when the terminal is interactive."""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.console import Console, Group
from rich.live import Live
from rich.text import Text

from stratus.machine import MachineEvent, Phase

__all__ = ["Progress", "sparkline"]

_STRIP: tuple[tuple[Phase, ...], ...] = (
    (Phase.DETECT,),
    (Phase.DIAGNOSE,),
    (Phase.MITIGATE,),
    (Phase.VALIDATE,),
    (Phase.COMMIT, Phase.UNDO),
    (Phase.RETRY,),
    (Phase.RESOLVED, Phase.ESCALATE, Phase.HEALTHY),
)
_COLOURS = {
    Phase.RESOLVED: "bold green",
    Phase.HEALTHY: "bold green",
    Phase.ESCALATE: "bold red",
    Phase.UNDO: "yellow",
    Phase.COMMIT: "green",
}
_BARS = "▁▂▃▄▅▆▇█"
_QUIET = {"sample", "settle", "mu", "waiting", "begin", "phase"}


def sparkline(values: Sequence[float], width: int = 40) -> str:
    """μ values as bars (∞ as the tallest), the last ``width`` of them."""
    vals = list(values[-width:])
    finite = [v for v in vals if not math.isinf(v)]
    top = max(finite, default=0.0) or 1.0
    out = []
    for v in vals:
        level = len(_BARS) - 1 if math.isinf(v) else round(v / top * (len(_BARS) - 1))
        out.append(_BARS[max(0, min(level, len(_BARS) - 1))])
    return "".join(out)


class Progress:
    """A listener for the machine's events; use as a context manager around the run."""

    def __init__(self, console: Console, attempts: int, *, clock_name: str = "virtual") -> None:
        self.console = console
        self.attempts = attempts
        self.clock_name = clock_name
        self.phase = Phase.DETECT
        self.attempt = 0
        self.mu: list[float] = []
        self.elapsed = 0.0
        self.live: Live | None = None
        self._said = ""  # the last line's message: an outcome repeating it is not printed

    def __enter__(self) -> Progress:
        if self.console.is_terminal:
            self.live = Live(self._bar(), console=self.console, auto_refresh=False, transient=True)
            self.live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None

    def __call__(self, event: MachineEvent) -> None:
        self.phase, self.attempt, self.elapsed = event.phase, event.attempt, event.t
        if event.mu is not None:
            self.mu.append(event.mu)
        line = self._line(event)
        if line is not None and not (event.kind == "outcome" and event.message == self._said):
            self.console.print(line)
        if line is not None:
            self._said = event.message
        if self.live is not None:
            self.live.update(self._bar(), refresh=True)

    def _line(self, event: MachineEvent) -> Text | None:
        kind, msg = event.kind, event.message
        stamp = Text(f"{_clock(event.t):>7} ", style="dim")
        phase = Text(f"{event.phase.value:<9}", style=_COLOURS.get(event.phase, "bold cyan"))
        if kind == "phase" and event.phase in (Phase.RESOLVED, Phase.ESCALATE, Phase.HEALTHY):
            return stamp + phase + Text(f" {msg}", style=_COLOURS[event.phase])
        if kind == "phase" and event.phase in (Phase.RETRY, Phase.UNDO):
            return stamp + phase + Text(f" {msg}")
        if kind in _QUIET:
            return None
        body = {
            "detected": Text(f" {msg}"),
            "suspect": Text(f" {msg}", style="yellow"),
            "diagnosis": Text(f" diagnosis ({event.data.get('category', '?')}): {msg}"),
            "plan": Text(f" plan: {msg}", style="bold"),
            "write": Text(f"   ✓ ran: {msg}", style="green"),
            "refused": Text(f"   ✗ refused: {msg}", style="red"),
            "dry-run": Text(f"   ~ {msg}", style="yellow"),
            "commit": Text(f" committed: {msg}", style="green"),
            "abort": Text(f" aborted: {msg}", style="yellow"),
            "undo": Text(f" {msg}", style="yellow"),
            "restored": Text(f" {msg}", style="yellow"),
            "oracles": Text(
                f" oracles: {msg}", style="green" if event.data.get("passed") else "red"
            ),
            "reflection": Text(f" reflection: {msg}", style="dim"),
            "outcome": Text(f" {msg}", style="bold"),
        }.get(kind, Text(f" {kind}: {msg}"))
        return stamp + phase + body

    def _bar(self) -> Group:
        strip = Text()
        for i, group in enumerate(_STRIP):
            if i:
                strip.append(" ▸ ", style="dim")
            label = "|".join(p.value for p in group)
            current = self.phase in group
            style = _COLOURS.get(self.phase, "bold reverse cyan") if current else "dim"
            strip.append(f"[{label}]" if current else label, style=style)
        mu_now = "-" if not self.mu else ("∞" if math.isinf(self.mu[-1]) else f"{self.mu[-1]:g}")
        status = Text(
            f"attempt {self.attempt}/{self.attempts}   μ {mu_now}  {sparkline(self.mu)}   "
            f"t = {_clock(self.elapsed)} ({self.clock_name})",
            style="cyan",
        )
        return Group(strip, status)


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"+{minutes}:{secs:02d}"
