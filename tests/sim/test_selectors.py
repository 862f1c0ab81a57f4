from __future__ import annotations

import pytest

from stratus.sim.errors import BadRequest
from stratus.sim.store import parse_field_selector, parse_label_selector, selector_from_object


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        ("app=web", {"app": "web"}, True),
        ("app=web", {"app": "db"}, False),
        ("app==web,tier!=front", {"app": "web", "tier": "back"}, True),
        ("app!=web", {}, True),
        ("tier in (a, b)", {"tier": "b"}, True),
        ("tier notin (a,b)", {"tier": "b"}, False),
        ("canary", {"canary": ""}, True),
        ("!canary", {"canary": "x"}, False),
        ("size>3", {"size": "4"}, True),
        ("size<3", {"size": "4"}, False),
        ("", {"anything": "x"}, True),
    ],
)
def test_label_selector_strings(selector: str, labels: dict[str, str], expected: bool) -> None:
    assert parse_label_selector(selector).matches(labels) is expected


@pytest.mark.parametrize("bad", ["app=", "in (a)", "tier in a", "a=b c", "-bad=x"])
def test_malformed_label_selectors_are_bad_requests(bad: str) -> None:
    if bad == "app=":  # an empty value is legal
        assert parse_label_selector(bad).matches({"app": ""})
        return
    with pytest.raises(BadRequest, match="unable to parse requirement"):
        parse_label_selector(bad)


def test_selector_objects_nil_matches_nothing_and_empty_matches_all() -> None:
    assert not selector_from_object(None).matches({"a": "b"})
    assert selector_from_object({}).matches({"a": "b"})
    expr = selector_from_object(
        {
            "matchLabels": {"app": "web"},
            "matchExpressions": [{"key": "tier", "operator": "In", "values": ["front"]}],
        }
    )
    assert expr.matches({"app": "web", "tier": "front"})
    assert not expr.matches({"app": "web"})
    assert str(expr) == "app=web,tier in (front)"


def test_field_selectors_read_supported_paths_only() -> None:
    supported = {
        "metadata.name": "metadata.name",
        "spec.nodeName": "spec.nodeName",
        "source": "source.component",
    }
    sel = parse_field_selector("spec.nodeName=n1,metadata.name!=x", supported)
    assert sel.matches({"metadata": {"name": "y"}, "spec": {"nodeName": "n1"}})
    assert not sel.matches({"metadata": {"name": "x"}, "spec": {"nodeName": "n1"}})
    assert parse_field_selector("source=kubelet", supported).matches(
        {"source": {"component": "kubelet"}}
    )
    with pytest.raises(BadRequest, match=r"field label not supported: spec\.foo"):
        parse_field_selector("spec.foo=1", supported)
