"""``stratus demo`` end to end as a new user runs it: an emulated cloud, a fault, the
offline agents through the public endpoints, progress while it works, a summary and a
report at the end; the exit status says resolved, escalated or error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stratus.cli import app as cli

pytestmark = [pytest.mark.kubectl, pytest.mark.timeout(120)]

runner = CliRunner()


def test_the_demo_resolves_the_default_fault_and_writes_a_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STRATUS_STATE_DIR", str(tmp_path))
    result = runner.invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    out = result.output
    for shown in ("wrong-service-selector-geo", "fault injected", "DETECT", "DIAGNOSE", "plan:"):
        assert shown in out
    assert "committed" in out
    assert "RESOLVED" in out
    reports = list((tmp_path / "reports").glob("incident-*.md"))
    assert len(reports) == 1
    text = reports[0].read_text()
    assert text.startswith("# STRATUS incident report: RESOLVED")
    assert "## Attempt 1: resolved" in text
    assert "μ over time" in text


def test_the_demo_escalates_what_it_cannot_fix_and_says_so_in_json(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    result = runner.invoke(
        cli, ["demo", "--fault", "revoke-auth-mongodb-geo", "--json", "--report", str(path)]
    )
    assert result.exit_code == 3, result.output
    body = json.loads(result.stdout)
    assert body == json.loads(path.read_text())
    assert body["outcome"] == "escalated"
    assert body["fault"] == "revoke-auth-mongodb-geo"
    assert body["visible_mu"][0] == body["mu_initial"]
    assert any("not authorized" in r for r in body["recommendations"])


@pytest.mark.parametrize(
    "args",
    [["--app", "nowhere"], ["--fault", "no-such-fault"], ["--model", "nobody:nothing"]],
)
def test_bad_options_are_an_error(args: list[str]) -> None:
    result = runner.invoke(cli, ["demo", *args])
    assert result.exit_code == 1
    assert "error" in result.output


def test_an_error_is_one_line_on_stderr_even_with_json() -> None:
    result = runner.invoke(cli, ["demo", "--json", "--fault", "no-such-fault"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1


def test_an_openai_compatible_model_needs_a_server_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STRATUS_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("STRATUS_LLM__BASE_URL", raising=False)
    result = runner.invoke(cli, ["demo", "--model", "openai-compatible:qwen"])
    assert result.exit_code == 1
    assert "error: " in result.stderr
    assert "base" in result.stderr.lower()
