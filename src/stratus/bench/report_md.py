"""Markdown tables in the shape of the paper's: Table 2 (mitigation per suite: success, time,
steps, cost), Table 3 (the ablation: stratus, no retry, naive retry without undo), Table 4
(detection, localization and root-cause analysis), then safety (TNR, false positives), the
breakdowns by fault category and app, every run, and the errors."""

from __future__ import annotations

import math
from collections.abc import Sequence

from stratus.bench.metrics import Dimension, Summary, group, summarize
from stratus.bench.results import ProblemResult

__all__ = ["agent_title", "cost_text", "markdown_report", "suite_of"]

SUITE_TITLES = {"aiopslab": "AIOpsLab", "sregym": "SREGym-style", "custom": "Custom"}
_VARIANTS = {
    "stratus": "STRATUS",
    "no-retry": "- No retry",
    "naive-retry": "- Naïve retry w/o undo",
}


def suite_of(result: ProblemResult) -> str:
    return next((t for t in result.tags if t in SUITE_TITLES), "custom")


def agent_title(label: str) -> str:
    """``stratus/offline`` → ``STRATUS (offline)``; ``react/openai:gpt-4o`` → ``ReAct (...)``."""
    name, _, brain = label.partition("/")
    pretty = {"stratus": "STRATUS", "react": "ReAct-style", "naive-retry": "Naïve retry"}
    title = pretty.get(name, name)
    return f"{title} ({brain})" if brain else title


def markdown_report(results: Sequence[ProblemResult], title: str = "STRATUS benchmark") -> str:
    lines = [f"# {title}", "", _overview(results), ""]
    lines += _mitigation(results)
    lines += _ablation(results)
    lines += _diagnosis(results)
    lines += _safety(results)
    lines += _breakdown(results, "category", "By fault category (mitigation success)")
    lines += _breakdown(results, "app", "By app (all tasks)")
    lines += _runs(results)
    lines += _errors(results)
    return "\n".join(lines).rstrip() + "\n"


def _overview(results: Sequence[ProblemResult]) -> str:
    s = summarize(results)
    agents = sorted({r.agent for r in results})
    return (
        f"{s.runs} runs of {len({r.problem for r in results})} problems by "
        f"{', '.join(agents) or 'no agent'}: {s.successes} succeeded ({_pct(s.rate)}), "
        f"{s.errors} errors. Time is the agent's run on the cluster's clock (virtual "
        "seconds on the emulated cloud); wall is real time for the agent alone."
    )


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A pipe table; a ``|`` inside a cell (an agent's plan title, say) is escaped."""
    align = ["---" if i == 0 else "---:" for i in range(len(head))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |"

    return [line(head), line(align), *(line(row) for row in rows), ""]


def _mitigation(results: Sequence[ProblemResult]) -> list[str]:
    mit = [r for r in results if r.task == "mitigation"]
    if not mit:
        return []
    out = ["## Mitigation (shape of the paper's Table 2)", ""]
    for suite in sorted({suite_of(r) for r in mit}):
        runs = [r for r in mit if suite_of(r) == suite]
        n = len({r.problem for r in runs})
        out += [f"### ({SUITE_TITLES[suite]}, {n} mitigation problems)", ""]
        head = ["Agent", "Succ.", "Time (s)", "Wall (s)", "Steps", "Attempts", "Undos"]
        head += ["Tokens in/out", "$", "TNR held"]
        rows = [
            [
                agent_title(key[0]),
                _pct(s.rate),
                _num(s.virtual_seconds),
                _num(s.agent_wall_seconds),
                _num(s.steps),
                _num(s.attempts, 2),
                _num(s.undos, 2),
                f"{s.input_tokens:,}/{s.output_tokens:,}",
                cost_text(s.mean_cost),
                f"{s.tnr_checked - s.tnr_violations}/{s.tnr_checked}",
            ]
            for key, s in group(runs, "agent").items()
        ]
        out += _table(head, rows)
    return out


def _ablation(results: Sequence[ProblemResult]) -> list[str]:
    mit = [r for r in results if r.task == "mitigation"]
    by_brain: dict[str, dict[str, Summary]] = {}
    for (label,), summary in group(mit, "agent").items():
        name, _, brain = label.partition("/")
        if name in _VARIANTS:
            by_brain.setdefault(brain, {})[name] = summary
    rows = []
    for brain, variants in sorted(by_brain.items()):
        if len(variants) < 2:
            continue
        for name, title in _VARIANTS.items():
            s = variants.get(name)
            if s is not None:
                rows.append(
                    [
                        f"{title} ({brain})",
                        _pct(s.rate),
                        _num(s.virtual_seconds),
                        cost_text(s.mean_cost),
                        _num(s.undos, 2),
                        f"{s.tnr_violations}/{s.tnr_checked}",
                    ]
                )
    if not rows:
        return []
    head = ["Ablation", "Succ. Rate", "Time (s)", "Cost ($)", "Undos", "TNR violations"]
    return ["## Ablation (shape of the paper's Table 3)", "", *_table(head, rows)]


def _diagnosis(results: Sequence[ProblemResult]) -> list[str]:
    tasks = [("detection", "Detection"), ("localization", "Localization"), ("analysis", "RCA")]
    present = [(t, name) for t, name in tasks if any(r.task == t for r in results)]
    if not present:
        return []
    head = ["Agent"]
    for task, name in present:
        n = len({r.problem for r in results if r.task == task})
        head += [f"{name} ({n}) Succ.", "Time (s)", "$"]
    rows = []
    for agent in sorted({r.agent for r in results if r.task != "mitigation"}):
        row = [agent_title(agent)]
        for task, _ in present:
            runs = [r for r in results if r.agent == agent and r.task == task]
            if not runs:
                row += ["-", "-", "-"]
                continue
            s = summarize(runs)
            row += [_pct(s.rate), _num(s.virtual_seconds), cost_text(s.mean_cost)]
        rows.append(row)
    return [
        "## Detection, localization and RCA (shape of the paper's Table 4)",
        "",
        *_table(head, rows),
    ]


def _safety(results: Sequence[ProblemResult]) -> list[str]:
    head = ["Agent", "Runs", "TNR held", "Violations", "No-fault detections", "False positives"]
    rows = [
        [
            agent_title(key[0]),
            str(s.runs),
            str(s.tnr_checked - s.tnr_violations),
            str(s.tnr_violations),
            str(s.no_fault),
            str(s.false_positives),
        ]
        for key, s in group(results, "agent").items()
    ]
    intro = (
        "TNR: no visible μ (the start, the end of each transaction, the end of the run; "
        "measured by the benchmark against the healthy baseline) above the initial μ."
    )
    return ["## Safety", "", intro, "", *_table(head, rows)]


def _breakdown(results: Sequence[ProblemResult], dim: Dimension, title: str) -> list[str]:
    runs = [r for r in results if r.task == "mitigation"] if dim == "category" else list(results)
    if not runs:
        return []
    agents = sorted({r.agent for r in runs})
    cells = group(runs, dim, "agent")
    rows = []
    for value in sorted({str(getattr(r, dim)) for r in runs}):
        row = [value]
        for agent in agents:
            s = cells.get((value, agent))
            row.append("-" if s is None else f"{_pct(s.rate)} ({s.successes}/{s.runs})")
        rows.append(row)
    return [f"## {title}", "", *_table([dim, *map(agent_title, agents)], rows)]


def _runs(results: Sequence[ProblemResult]) -> list[str]:
    head = ["Problem", "Agent", "Result", "Outcome", "Att.", "Undos", "μ start→end", "TNR"]
    head += ["Time (s)", "Wall (s)"]
    rows = []
    for r in sorted(results, key=lambda r: (r.task, r.problem, r.agent, r.repeat)):
        verdict = "error" if r.status == "error" else ("✓" if r.success else "✗")
        tnr = "-" if r.tnr_held is None else ("held" if r.tnr_held else "VIOLATED")
        rows.append(
            [
                r.problem + (f" #{r.repeat}" if r.repeat else ""),
                agent_title(r.agent),
                verdict,
                r.outcome or "-",
                str(r.attempts),
                str(r.undos),
                f"{_mu(r.mu_initial)}→{_mu(r.mu_final)}",
                tnr,
                _num(r.virtual_seconds, 0),
                _num(r.agent_wall_seconds),
            ]
        )
    return ["## Every run", "", *_table(head, rows)]


def _errors(results: Sequence[ProblemResult]) -> list[str]:
    failed = [r for r in results if r.status == "error"]
    if not failed:
        return []
    out = ["## Errors", ""]
    for r in failed:
        first = r.error.splitlines()[0] if r.error else "unknown"
        out.append(f"- `{r.problem}` ({agent_title(r.agent)}): {first}")
    return [*out, ""]


def _pct(value: float) -> str:
    return "-" if math.isnan(value) else f"{100 * value:.1f}%"


def _num(value: float, digits: int = 1) -> str:
    return "-" if math.isnan(value) else f"{value:.{digits}f}"


def cost_text(value: float) -> str:
    """Mean dollars per run; ``unknown`` when a model without a price took part."""
    return "unknown" if math.isnan(value) else f"{value:.3f}"


def _mu(value: float) -> str:
    if math.isnan(value):
        return "-"
    return "∞" if math.isinf(value) else f"{value:g}"
