"""Kubeconfig files pointing clients at an emulated cloud."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

__all__ = ["CONTEXT_NAME", "kubeconfig", "write_kubeconfig"]

CONTEXT_NAME = "stratus-sim"


def kubeconfig(server: str, namespace: str = "default") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": CONTEXT_NAME, "cluster": {"server": server}}],
        "users": [{"name": CONTEXT_NAME, "user": {"token": "stratus-sim"}}],
        "contexts": [
            {
                "name": CONTEXT_NAME,
                "context": {"cluster": CONTEXT_NAME, "user": CONTEXT_NAME, "namespace": namespace},
            }
        ],
        "current-context": CONTEXT_NAME,
        "preferences": {},
    }


def write_kubeconfig(path: Path, server: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(kubeconfig(server), sort_keys=False))
    path.chmod(0o600)
    return path
