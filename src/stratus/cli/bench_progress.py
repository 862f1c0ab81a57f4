"""The progress bar of ``stratus bench``: one line per finished run above a bar that counts
successes, failures and errors."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from stratus.bench.report_md import agent_title
from stratus.bench.results import ProblemResult

__all__ = ["BenchProgress"]


class BenchProgress:
    def __init__(self, console: Console, total: int) -> None:
        self.console = console
        self.counts = {"ok": 0, "fail": 0, "error": 0}
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            console=console,
        )
        self.task = self.progress.add_task("running", total=total, status=self._status())

    def _status(self) -> str:
        c = self.counts
        return (
            f"[green]✓ {c['ok']}[/green] [red]✗ {c['fail']}[/red] [yellow]! {c['error']}[/yellow]"
        )

    def finished(self, result: ProblemResult, done: int, total: int) -> None:
        if result.status == "error":
            self.counts["error"] += 1
            mark = "[yellow]![/yellow]"
            detail = result.reason
        elif result.success:
            self.counts["ok"] += 1
            mark, detail = "[green]✓[/green]", result.outcome
        else:
            self.counts["fail"] += 1
            mark, detail = "[red]✗[/red]", result.outcome or result.reason[:60]
        self.progress.console.print(
            f"{mark} {result.problem} [dim]{agent_title(result.agent)}[/dim] {detail} "
            f"[dim]({result.wall_seconds:.1f} s)[/dim]"
        )
        self.progress.update(self.task, completed=done, total=total, status=self._status())

    def __enter__(self) -> BenchProgress:
        self.progress.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.progress.stop()
