"""Container image references: ``nginx``, ``nginx:1.25``, ``ghcr.io/org/app@sha256:…``."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

__all__ = ["ImageRef", "digest_of", "parse_image"]

_REFERENCE = re.compile(
    r"^(?P<name>[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?::[0-9]+)?"
    r"(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?(?:@(?P<digest>sha256:[a-f0-9]{64}))?$"
)


@dataclass(frozen=True)
class ImageRef:
    text: str  # as written in the pod spec
    repository: str  # fully qualified, e.g. docker.io/library/nginx
    tag: str  # "" when only a digest is given
    digest: str

    @property
    def qualified(self) -> str:
        """What containerd reports: docker.io/library/nginx:1.25."""
        if self.digest:
            return f"{self.repository}@{self.digest}"
        return f"{self.repository}:{self.tag}"


def parse_image(text: str) -> ImageRef | None:
    """Parse a reference; None if it is not a valid one (the kubelet's InvalidImageName)."""
    match = _REFERENCE.match(text.strip())
    if not match or text != text.strip():
        return None
    name = match.group("name")
    tag = match.group("tag") or ("" if match.group("digest") else "latest")
    return ImageRef(
        text=text, repository=qualify(name), tag=tag, digest=match.group("digest") or ""
    )


def qualify(name: str) -> str:
    first = name.split("/", 1)[0]
    if "/" not in name:
        return f"docker.io/library/{name}"
    if "." in first or ":" in first or first == "localhost":
        return name
    return f"docker.io/{name}"


def digest_of(repository: str, tag: str) -> str:
    """A stable digest for a declared tag, so image IDs look real and repeat across runs."""
    return "sha256:" + hashlib.sha256(f"{repository}:{tag}".encode()).hexdigest()
