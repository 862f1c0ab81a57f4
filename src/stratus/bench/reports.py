"""Writing a run's reports beside its results: ``report.md`` and ``report.html``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from stratus.bench.report_html import html_report
from stratus.bench.report_md import markdown_report
from stratus.bench.results import ProblemResult

__all__ = ["write_reports"]


def write_reports(
    results: Sequence[ProblemResult], out: Path, title: str = "STRATUS benchmark"
) -> tuple[Path, Path]:
    """Write both reports into the folder ``out``; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    md, html = out / "report.md", out / "report.html"
    md.write_text(markdown_report(results, title), encoding="utf-8")
    html.write_text(html_report(results, title), encoding="utf-8")
    return md, html
