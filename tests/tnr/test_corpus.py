"""The adversarial corpus is refused 100%, each for its reason; the false-refusal corpus is
allowed 100%, each with its effect."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from stratus.tnr.gateway import Gateway
from stratus.tnr.view import StaticView

CORPUS = Path(__file__).parent / "corpus"
IMAGES = {
    "shop": {"shop/web:1.4", "shop/web:1.3", "nginx:1.25", "redis:7"},
    "kube-system": {"registry.k8s.io/coredns:1.11"},
}


def load(name: str) -> list[dict[str, Any]]:
    entries = yaml.safe_load((CORPUS / name).read_text())
    assert isinstance(entries, list)
    return entries


def gateway() -> Gateway:
    return Gateway(view=StaticView(IMAGES), namespace="shop", workdir=CORPUS)


REFUSED = load("refused.yaml")
ALLOWED = load("allowed.yaml")


def test_corpus_sizes() -> None:
    assert len(REFUSED) >= 150
    assert len(ALLOWED) >= 60
    assert len({e["line"] for e in REFUSED}) == len(REFUSED), "duplicate lines"
    assert len({e["line"] for e in ALLOWED}) == len(ALLOWED), "duplicate lines"


def test_every_adversarial_line_is_refused_for_its_reason() -> None:
    gw = gateway()
    wrong = []
    for entry in REFUSED:
        d = gw.check(
            entry["line"], entry.get("role", "mitigation"), writes_done=entry.get("writes_done", 0)
        )
        if d.allowed or d.code != entry["code"]:
            wrong.append(
                f"{entry['line']!r}: expected {entry['code']}, got "
                f"{'ALLOWED' if d.allowed else d.code} ({d.reason})"
            )
        else:
            assert d.reason
            assert "\n" not in d.reason
            assert not d.argv
    assert not wrong, "\n".join(wrong)


def test_no_ordinary_line_is_refused() -> None:
    gw = gateway()
    wrong = []
    for entry in ALLOWED:
        d = gw.check(entry["line"], entry.get("role", "mitigation"))
        if not d.allowed or d.effect != entry["effect"]:
            wrong.append(f"{entry['line']!r}: {d.code} {d.effect} ({d.reason})")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("entry", ALLOWED[:5], ids=lambda e: e["line"])
def test_the_argv_form_decides_like_the_line(entry: dict[str, Any]) -> None:
    gw = gateway()
    from stratus.tnr.shell import split_line  # noqa: PLC0415

    by_line = gw.check(entry["line"])
    by_argv = gw.check(list(split_line(entry["line"])))
    assert (by_line.allowed, by_line.argv) == (by_argv.allowed, by_argv.argv)
