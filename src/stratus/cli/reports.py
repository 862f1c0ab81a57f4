"""What `stratus demo` and `stratus run` print at the end and keep: a summary of the
incident, the report file (Markdown, or JSON with ``--json``), and the exit status."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from stratus.cli.progress import sparkline
from stratus.machine import IncidentReport

__all__ = [
    "EXIT_ERROR",
    "EXIT_ESCALATED",
    "EXIT_RESOLVED",
    "exit_status",
    "fail",
    "print_summary",
    "report_path",
    "write_report",
]

EXIT_RESOLVED = 0  # resolved, or nothing was wrong
EXIT_ERROR = 1  # the run itself failed (bad options, unreachable endpoints...)
EXIT_ESCALATED = 3  # handed to a person: see the report's recommendations


def exit_status(reports: list[IncidentReport]) -> int:
    return EXIT_ESCALATED if any(r.outcome == "escalated" for r in reports) else EXIT_RESOLVED


def report_path(directory: Path, label: str, as_json: bool) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return directory / f"incident-{stamp}-{label}.{'json' if as_json else 'md'}"


def write_report(
    report: IncidentReport, path: Path, extra: dict[str, object] | None = None
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".json":
        body = json.loads(report.model_dump_json())
        body["visible_mu"] = [_num(m) for m in report.visible_mu]
        path.write_text(json.dumps({**(extra or {}), **body}, indent=1) + "\n")
    else:
        head = "".join(f"- **{k}:** {v}\n" for k, v in (extra or {}).items())
        text = report.to_markdown()
        first, _, rest = text.partition("\n\n")
        path.write_text(f"{first}\n\n{head}{rest}" if head else text)
    return path


def print_summary(console: Console, report: IncidentReport, path: Path | None) -> None:
    colour = {"resolved": "green", "escalated": "red", "no-incident": "green"}[report.outcome]
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    table.add_row("outcome", f"[{colour}]{report.outcome.upper()}[/{colour}]: {report.reason}")
    table.add_row("detected", report.detection.summary)
    if report.attempts:
        d = report.attempts[-1].diagnosis
        table.add_row("root cause", f"{d.summary} ({d.category})")
    for attempt in report.attempts:
        plan = attempt.mitigation.plan
        tx = attempt.transaction
        what = plan.title if plan is not None else "nothing left to try"
        mu = f"μ {_text(tx.mu_pre)} → {_text(tx.mu_post)}, {tx.outcome}" if tx is not None else ""
        table.add_row(f"attempt {attempt.number}", f"{what}  [dim]{mu}[/dim]  → {attempt.outcome}")
    line = sparkline([p.mu for p in report.mu], width=48)
    table.add_row("severity μ", f"{_text(report.mu_initial)} → {_text(report.mu_final)}   {line}")
    if report.final_oracles is not None:
        failing = report.final_oracles.failing()
        table.add_row("oracles", "all pass" if not failing else "; ".join(failing)[:300])
    for advice in report.recommendations[:4]:
        table.add_row("next", advice[:300])
    table.add_row(
        "time", f"{report.seconds:.0f} s on the run's clock, {report.wall_seconds:.1f} s wall"
    )
    if path is not None:
        table.add_row("report", str(path))
    console.print(Panel(table, title="STRATUS", border_style=colour))


def _num(value: float) -> float | str:
    return "Infinity" if math.isinf(value) else value


def _text(value: float) -> str:
    return "∞" if math.isinf(value) else f"{value:g}"


def fail(message: str, status: int = EXIT_ERROR) -> NoReturn:
    """One line on stderr, even with --json (where progress is quiet), then exit."""
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    raise typer.Exit(status)
