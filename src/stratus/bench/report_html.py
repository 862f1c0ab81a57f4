"""A self-contained HTML report: the Markdown report's tables, plus inline SVG plots (success
by fault category and by task per agent, time and cost distributions, and μ over time per
run with its hidden and visible paths). No scripts, no fonts, nothing fetched."""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from stratus.bench.metrics import Dimension, group
from stratus.bench.report_md import agent_title, markdown_report
from stratus.bench.results import ProblemResult
from stratus.bench.svg import Series, bars, colour, line_chart, strips

__all__ = ["html_report", "markdown_to_html"]

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ddd;padding:3px 7px}
th{background:#f3f3f3}td:not(:first-child){text-align:right}h1,h2,h3{margin-top:1.4em}
.grid{display:flex;flex-wrap:wrap;gap:8px}.grid svg{border:1px solid #eee}
code{background:#f5f5f5;padding:0 3px}figure{margin:0 0 1.5em}
"""
_MAX_MU_PLOTS = 240
_CELL = re.compile(r"(?<!\\)\|")  # a cell boundary: a pipe not escaped


def html_report(results: Sequence[ProblemResult], title: str = "STRATUS benchmark") -> str:
    tables = markdown_to_html(markdown_report(results, title))
    plots = "\n".join([_success_plots(results), _distributions(results), _mu_plots(results)])
    head = f'<meta charset="utf-8"><title>{escape(title)}</title><style>{_STYLE}</style>'
    return f"<!doctype html>\n<html><head>{head}</head><body>\n{plots}\n{tables}\n</body></html>\n"


def markdown_to_html(text: str) -> str:
    """The subset the Markdown report uses: headings, paragraphs, lists, tables, code."""
    out: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("|"):
            block = []
            while i < len(lines) and lines[i].startswith("|"):
                block.append(lines[i])
                i += 1
            out.append(_table(block))
            continue
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            out.append(f"<h{level}>{_inline(line[level:].strip())}</h{level}>")
        elif line.startswith("- "):
            items = []
            while i < len(lines) and lines[i].startswith("- "):
                items.append(f"<li>{_inline(lines[i][2:])}</li>")
                i += 1
            out.append("<ul>" + "".join(items) + "</ul>")
            continue
        elif line.strip():
            out.append(f"<p>{_inline(line)}</p>")
        i += 1
    return "\n".join(out)


def _inline(text: str) -> str:
    return re.sub(r"`([^`]*)`", r"<code>\1</code>", escape(text))


def _table(block: list[str]) -> str:
    rows = [
        [c.strip().replace("\\|", "|") for c in _CELL.split(line.strip()[1:-1])] for line in block
    ]
    head, body = rows[0], rows[2:]
    html = ["<table><tr>" + "".join(f"<th>{_inline(c)}</th>" for c in head) + "</tr>"]
    html += ["<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in row) + "</tr>" for row in body]
    return "\n".join([*html, "</table>"])


def _success_plots(results: Sequence[ProblemResult]) -> str:
    agents = sorted({r.agent for r in results})
    names = [agent_title(a) for a in agents]
    out = ["<h2>Plots</h2>"]
    mit = [r for r in results if r.task == "mitigation"]
    plots: list[tuple[list[ProblemResult], Dimension, str]] = [
        (mit, "category", "Mitigation success by fault category and agent"),
        (list(results), "task", "Success by task and agent"),
    ]
    for runs, dim, title in plots:
        if not runs:
            continue
        cells = group(runs, dim, "agent")
        groups = sorted({k[0] for k in cells})
        values = {(g, agent_title(a)): s.rate for (g, a), s in cells.items()}
        out.append(f"<figure>{bars(groups, names, values, title=title)}</figure>")
    return "\n".join(out)


def _distributions(results: Sequence[ProblemResult]) -> str:
    ok = [r for r in results if r.status == "ok"]
    agents = sorted({r.agent for r in ok})
    names = [agent_title(a) for a in agents]
    out = []
    for title, unit, value in (
        ("Time per run (the agent's virtual seconds)", "s", lambda r: r.virtual_seconds),
        ("Wall time per run (the agent alone)", "s", lambda r: r.agent_wall_seconds),
        ("Cost per run", "$", lambda r: r.usage.cost_usd),
        ("Tokens per run", "tokens", lambda r: float(r.usage.tokens)),
    ):
        values = {agent_title(a): [value(r) for r in ok if r.agent == a] for a in agents}
        if any(v for vs in values.values() for v in vs):
            out.append(f"<figure>{strips(names, values, title=title, unit=unit)}</figure>")
    return "\n".join(out)


def _mu_plots(results: Sequence[ProblemResult]) -> str:
    runs = [r for r in results if r.task == "mitigation" and r.mu]
    runs.sort(key=lambda r: (r.problem, r.agent, r.repeat))
    if not runs:
        return ""
    agents = sorted({r.agent for r in runs})
    charts = []
    for r in runs[:_MAX_MU_PLOTS]:
        c = colour(agents.index(r.agent))
        hidden = [(s.t, s.mu) for s in r.mu]
        visible = [(s.t, s.mu) for s in r.mu if s.visible]
        verdict = "✓" if r.success else ("error" if r.status == "error" else "✗")
        title = f"{r.problem} · {agent_title(r.agent)} {verdict}"
        charts.append(
            line_chart(
                [
                    Series("hidden μ", hidden, "#bbb", width=1.0, dash="3 2", dots=True),
                    Series("visible μ", visible, c, step=True, width=2.2, dots=True),
                ],
                title=title[:60],
            )
        )
    more = len(runs) - len(charts)
    note = f"<p>{more} more runs not drawn.</p>" if more > 0 else ""
    intro = (
        "<p>Grey dashed: every μ sample (hidden path, inside transactions included); coloured "
        "steps: the visible path (start, transaction ends, end). ∞ is drawn at the top.</p>"
    )
    return (
        "<h2>μ over time, per run</h2>"
        + intro
        + '<div class="grid">'
        + "".join(charts)
        + "</div>"
        + note
    )
