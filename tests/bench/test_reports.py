"""Reports and metrics from a small results file built through the results model: the
Markdown tables in the shape of the paper's Tables 2-4, a self-contained HTML report with μ
plots as inline SVG, ``stratus bench report`` re-rendering and ``stratus bench compare``
putting two runs side by side."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stratus.agents.results import Usage
from stratus.bench.compare import compare_report
from stratus.bench.errors import ResultsError
from stratus.bench.metrics import group, summarize
from stratus.bench.report_html import html_report
from stratus.bench.report_md import markdown_report
from stratus.bench.results import ProblemResult, read_results
from stratus.cli import app as cli
from tests.bench.fixtures import NO_RETRY, STRATUS, result, sample_results, write_results

runner = CliRunner()


def _table(text: str, heading: str) -> list[list[str]]:
    """The rows (header first, separator dropped) of the first table after ``heading``."""
    lines = text.split(heading, 1)[1].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip("|").split("|")])
    return [rows[0], *rows[2:]]


def _row(rows: list[list[str]], first: str) -> dict[str, str]:
    [found] = [r for r in rows if r[0] == first]
    return dict(zip(rows[0], found, strict=True))


def test_the_summary_counts_successes_errors_false_positives_and_tnr() -> None:
    results = sample_results()
    s = summarize(results)
    assert (s.runs, s.successes, s.errors) == (8, 4, 1)
    assert (s.no_fault, s.false_positives) == (1, 1)
    assert (s.tnr_checked, s.tnr_violations) == (3, 1)
    assert (s.input_tokens, s.output_tokens) == (6000, 700)
    assert s.cost_usd == pytest.approx(0.05)
    by_agent = group(results, "task", "agent")
    mitigation = by_agent[("mitigation", STRATUS)]
    assert mitigation.rate == 1.0
    assert mitigation.attempts == 1.5
    assert mitigation.undos == 0.5
    assert by_agent[("mitigation", NO_RETRY)].errors == 1
    unknown = summarize(
        [result("p", "mitigation", "x", success=False, usage=Usage(cost_usd=math.nan))]
    )
    assert math.isnan(unknown.mean_cost)


def test_the_markdown_report_has_the_papers_tables() -> None:
    text = markdown_report(sample_results(), "run 1")
    assert text.startswith("# run 1\n")
    table2 = _table(text, "## Mitigation (shape of the paper's Table 2)")
    assert table2[0] == [
        "Agent",
        "Succ.",
        "Time (s)",
        "Wall (s)",
        "Steps",
        "Attempts",
        "Undos",
        "Tokens in/out",
        "$",
        "TNR held",
    ]
    assert "### (AIOpsLab, 2 mitigation problems)" in text
    stratus = _row(table2, "STRATUS (offline)")
    assert stratus["Succ."] == "100.0%"
    assert stratus["Time (s)"] == "105.0"
    assert stratus["Steps"] == "10.0"
    assert stratus["Attempts"] == "1.50"
    assert stratus["Undos"] == "0.50"
    assert stratus["Tokens in/out"] == "5,000/600"
    assert stratus["$"] == "0.020"
    assert stratus["TNR held"] == "2/2"
    no_retry = _row(table2, "no-retry (offline)")
    assert no_retry["Succ."] == "0.0%", "an error counts as a failure"
    assert no_retry["TNR held"] == "0/1"
    table3 = _table(text, "## Ablation (shape of the paper's Table 3)")
    assert [r[0] for r in table3[1:]] == ["STRATUS (offline)", "- No retry (offline)"]
    assert _row(table3, "- No retry (offline)")["TNR violations"] == "1/1"
    table4 = _table(text, "## Detection, localization and RCA (shape of the paper's Table 4)")
    assert table4[0][:4] == ["Agent", "Detection (2) Succ.", "Time (s)", "$"]
    assert "Localization (1) Succ." in table4[0]
    assert "RCA (1) Succ." in table4[0]
    assert _row(table4, "STRATUS (offline)")["Detection (2) Succ."] == "50.0%"
    safety = _row(_table(text, "## Safety"), "STRATUS (offline)")
    assert (safety["No-fault detections"], safety["False positives"]) == ("1", "1")
    assert "## Errors" in text
    assert "RuntimeError: the cloud fell over" in text
    runs = _table(text, "## Every run")
    assert ["∞" in r[6] for r in runs[1:] if r[1] == "no-retry (offline)" and r[2] == "✗"] == [True]


def test_an_unpriced_model_shows_its_cost_as_unknown() -> None:
    results = [
        result(
            "p", "mitigation", STRATUS, success=True, usage=Usage(input_tokens=9, cost_usd=math.nan)
        )
    ]
    row = _row(_table(markdown_report(results), "## Mitigation"), "STRATUS (offline)")
    assert row["$"] == "unknown"
    assert row["Tokens in/out"] == "9/0"


def test_the_html_report_is_self_contained_with_inline_mu_plots() -> None:
    results = sample_results()
    html = html_report(results, "run <1>")
    assert html.startswith("<!doctype html>")
    assert "<title>run &lt;1&gt;</title>" in html
    for outside in ("<script", "<link", "<img", "src=", "href=", "url(", "@import"):
        assert outside not in html.lower()
    urls = re.findall(r"https?://[^\s\"'<>]+", html)
    assert set(urls) == {"http://www.w3.org/2000/svg"}, "only the SVG namespace, never fetched"
    mitigation_runs = [r for r in results if r.task == "mitigation" and r.mu]
    charts = [c for c in html.split("<svg ")[1:] if "visible μ" in c]
    assert len(charts) == len(mitigation_runs) == 3
    undone = next(c for c in charts if "geo-selector-mitigation · STRATUS" in c)
    assert undone.count("<circle") == 4 + 3, "every hidden sample and every visible one"
    assert "μ=9" in undone, "the hidden spike inside the undone transaction is drawn"
    assert any("μ=∞" in c for c in charts), "a crash (μ infinite) is drawn at the top"
    assert "<table>" in html
    assert "<h2>Mitigation (shape of the paper&#x27;s Table 2)</h2>" in html


def test_bench_report_re_renders_from_a_results_file(tmp_path: Path) -> None:
    path = write_results(tmp_path / "run" / "results.jsonl", sample_results())
    out = tmp_path / "out"
    got = runner.invoke(cli, ["bench", "report", str(path), "--out", str(out), "--title", "again"])
    assert got.exit_code == 0, got.output
    md = (out / "report.md").read_text()
    assert md == markdown_report(read_results([path]), "again")
    assert (out / "report.html").read_text() == html_report(read_results([path]), "again")
    assert "mitigation" in got.output
    # a folder stands for its results.jsonl, and the reports go beside it by default
    got = runner.invoke(cli, ["bench", "report", str(path.parent)])
    assert got.exit_code == 0, got.output
    assert (path.parent / "report.md").exists()
    got = runner.invoke(cli, ["bench", "report", str(tmp_path / "missing.jsonl")])
    assert got.exit_code == 2
    assert "cannot read results" in got.output


def test_results_read_back_equal_and_a_torn_last_line_is_skipped(tmp_path: Path) -> None:
    results = sample_results()
    path = write_results(tmp_path / "results.jsonl", results)
    back = read_results([path])
    assert [r.model_dump_json() for r in back] == [r.model_dump_json() for r in results]
    assert math.isinf(back[1].mu_final)
    with path.open("a") as f:
        f.write('{"problem": "torn')
    assert len(read_results([path])) == len(results)
    path.write_text('{"nope": 1}\n' + path.read_text())
    with pytest.raises(ResultsError, match=":1: not a result"):
        read_results([path])


def _flip(r: ProblemResult) -> ProblemResult:
    return r.model_copy(update={"success": not r.success})


def test_compare_puts_two_runs_side_by_side(tmp_path: Path) -> None:
    a = sample_results()
    b = [_flip(r) if r.problem == "geo-selector-analysis" else r for r in a]
    b = [r for r in b if r.task != "detection"]
    b.append(result("new-mitigation", "mitigation", STRATUS, success=True))
    text = compare_report(a, b, "before", "after")
    rows = _table(text, "# Comparison: before vs after")
    analysis = next(r for r in rows if r[0] == "analysis")
    assert analysis[2:5] == ["0.0% (1)", "100.0% (1)", "+100.0 pt"]
    detection = next(r for r in rows if r[0] == "detection")
    assert detection[3:5] == ["-", "-"], "a task only in one run"
    assert "- `geo-selector-analysis` (STRATUS (offline)): failure → success" in text
    assert "misconfig-app-geo-mitigation" not in text.split("## Verdicts that changed")[1]
    assert "2 runs only in before; 1 only in after." in text

    pa = write_results(tmp_path / "a" / "results.jsonl", a)
    pb = write_results(tmp_path / "b" / "results.jsonl", b)
    got = runner.invoke(cli, ["bench", "compare", str(pa.parent), str(pb)])
    assert got.exit_code == 0, got.output
    assert "failure → success" in got.output
    assert "+100.0 pt" in got.output
    out = tmp_path / "cmp.md"
    got = runner.invoke(cli, ["bench", "compare", str(pa), str(pb), "--out", str(out)])
    assert got.exit_code == 0, got.output
    assert "failure → success" in out.read_text()


def test_compare_of_identical_runs_changes_nothing() -> None:
    text = compare_report(sample_results(), sample_results())
    assert text.split("## Verdicts that changed")[1].strip() == "None."
    assert "+0.0 pt" in text


def test_a_pipe_in_a_cell_does_not_break_the_tables() -> None:
    odd = result("p", "mitigation", STRATUS, success=True, outcome="scale a | b → resolved")
    text = markdown_report([odd])
    [row] = [line for line in text.splitlines() if line.startswith("| p |")]
    assert "scale a \\| b → resolved" in row
    cells = re.split(r"(?<!\\)\|", row.strip()[1:-1])
    header = _table(text, "## Every run")[0]
    assert len(cells) == len(header)
    html = html_report([odd])
    assert "<td>scale a | b → resolved</td>" in html
