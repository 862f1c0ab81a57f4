"""Fixtures for the emulated cloud's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ServedCloud

SHOP = Path(__file__).parent / "manifests" / "shop.yaml"


@pytest.fixture
def shop(served: ServedCloud) -> ServedCloud:
    """A served cloud with the shop manifest applied through kubectl and settled."""
    served.kubectl.run("apply", "-f", str(SHOP))
    served.settle(40)
    return served
