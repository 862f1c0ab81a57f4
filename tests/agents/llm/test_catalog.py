"""The prompts and toolset descriptions are data files with a schema: the shipped ones load,
name only real tools with their real parameters and fields the agents fill in; a broken file
is a ``CatalogError`` naming the file and the problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from stratus.agents.errors import CatalogError
from stratus.agents.llm.prompts import FIELDS, HERE, ROLES, load_catalog
from stratus.agents.llm.toolsets import build_tools, parameters, tool_functions


def test_the_shipped_catalogue_is_complete_and_consistent() -> None:
    catalog = load_catalog()
    functions = tool_functions()
    assert set(catalog.tools) == set(functions), "every tool described, every description used"
    for name, spec in catalog.tools.items():
        assert set(spec.parameters) == set(parameters(functions[name])), name
    for role in ROLES:
        prompt = catalog.roles[role]
        assert prompt.submit.name.startswith("submit_")
        fields = dict.fromkeys(FIELDS[role], "X")
        assert "$" not in prompt.render("user", **fields)
    assert "write" in catalog.toolsets["mitigation"]
    assert not {"write", "wait", "check"} & set(catalog.toolsets["diagnosis"])
    assert not {"write", "wait", "check"} & set(catalog.toolsets["detection"])
    assert catalog.toolsets["reflection"] == ()


def test_tool_definitions_carry_the_catalogue_descriptions() -> None:
    catalog = load_catalog()
    tools = {t.name: t for t in build_tools("mitigation", catalog)}
    assert tools["write"].description == catalog.tools["write"].description
    assert tools["write"].sequential
    assert not tools["kubectl"].sequential


@pytest.mark.parametrize(
    ("file", "change", "problem"),
    [
        ("diagnosis.yaml", ("$topology", "$topologgy"), "unknown fields topologgy"),
        ("mitigation.yaml", ("name: submit_plan", "name: Submit Plan"), "submit.name"),
        ("toolsets.yaml", ("[alerts, promql", "[alarms, promql"), "undescribed tools: alarms"),
        ("reflection.yaml", ("role: reflection", "role: diagnosis"), "the file is for"),
        ("detection.yaml", ("force: |", "forced: |"), "forced"),
        ("toolsets.yaml", ("tools:", "tools: [\n"), "not valid YAML"),
    ],
)
def test_a_broken_file_says_which_and_why(
    tmp_path: Path, file: str, change: tuple[str, str], problem: str
) -> None:
    copy = tmp_path / "prompts"
    shutil.copytree(HERE, copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    path = copy / file
    before, after = change
    assert before in path.read_text()
    path.write_text(path.read_text().replace(before, after, 1))
    with pytest.raises(CatalogError, match=problem) as caught:
        load_catalog(copy)
    assert str(copy) in str(caught.value)
