"""Two runs side by side: success per task and agent in each, the difference, time and cost,
and the problems whose verdict changed."""

from __future__ import annotations

import math
from collections.abc import Sequence

from stratus.bench.metrics import group
from stratus.bench.report_md import agent_title, cost_text
from stratus.bench.results import ProblemResult

__all__ = ["compare_report"]


def compare_report(
    a: Sequence[ProblemResult], b: Sequence[ProblemResult], name_a: str = "A", name_b: str = "B"
) -> str:
    lines = [f"# Comparison: {name_a} vs {name_b}", ""]
    ga, gb = group(a, "task", "agent"), group(b, "task", "agent")
    head = ["Task", "Agent", f"{name_a} succ.", f"{name_b} succ.", "Δ", f"{name_a} time (s)"]
    head += [f"{name_b} time (s)", f"{name_a} $", f"{name_b} $"]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for key in sorted(set(ga) | set(gb)):
        sa, sb = ga.get(key), gb.get(key)
        ra = sa.rate if sa else math.nan
        rb = sb.rate if sb else math.nan
        delta = "-" if math.isnan(ra) or math.isnan(rb) else f"{100 * (rb - ra):+.1f} pt"
        cells = [
            key[0],
            agent_title(key[1]),
            _pct(ra, sa.runs if sa else 0),
            _pct(rb, sb.runs if sb else 0),
            delta,
            _num(sa.virtual_seconds if sa else math.nan),
            _num(sb.virtual_seconds if sb else math.nan),
            cost_text(sa.mean_cost) if sa else "-",
            cost_text(sb.mean_cost) if sb else "-",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## Verdicts that changed", ""]
    by_a = {(r.problem, r.agent, r.seed, r.repeat): r for r in a}
    by_b = {(r.problem, r.agent, r.seed, r.repeat): r for r in b}
    changed = [
        (key, by_a[key], by_b[key])
        for key in sorted(set(by_a) & set(by_b))
        if _verdict(by_a[key]) != _verdict(by_b[key])
    ]
    if not changed:
        lines.append("None.")
    for (problem, agent, _, repeat), ra_, rb_ in changed:
        suffix = f" #{repeat}" if repeat else ""
        lines.append(
            f"- `{problem}`{suffix} ({agent_title(agent)}): {_verdict(ra_)} → {_verdict(rb_)}"
        )
    only_a = len(set(by_a) - set(by_b))
    only_b = len(set(by_b) - set(by_a))
    if only_a or only_b:
        lines += ["", f"{only_a} runs only in {name_a}; {only_b} only in {name_b}."]
    return "\n".join(lines) + "\n"


def _verdict(result: ProblemResult) -> str:
    if result.status == "error":
        return "error"
    return "success" if result.success else "failure"


def _pct(rate: float, runs: int) -> str:
    return "-" if math.isnan(rate) else f"{100 * rate:.1f}% ({runs})"


def _num(value: float, digits: int = 1) -> str:
    return "-" if math.isnan(value) else f"{value:.{digits}f}"
