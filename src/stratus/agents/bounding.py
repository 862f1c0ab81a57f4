"""Bounded observations: whatever a tool hands to a model is cut to a size and says what was
cut, so a chatty log or a cluster-wide listing never floods a context window."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Limits", "Observation", "bound"]


class Limits(BaseModel):
    """Defaults: 120 lines and 8000 characters per observation, lines cut at 400 characters."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    max_lines: int = Field(120, ge=1)
    max_chars: int = Field(8000, ge=100)
    max_line_chars: int = Field(400, ge=40)


@dataclass(frozen=True)
class Observation:
    """What a tool returns: its text (already bounded) and what was cut from it."""

    tool: str
    text: str
    cut_lines: int = 0
    cut_chars: int = 0
    error: bool = False

    @property
    def truncated(self) -> bool:
        return self.cut_lines > 0 or self.cut_chars > 0

    def __str__(self) -> str:
        return self.text


def bound(
    tool: str, text: str, limits: Limits, *, error: bool = False, hint: str = ""
) -> Observation:
    """``text`` cut to ``limits``: the first lines that fit, each line shortened, then one
    line saying how much was cut (and ``hint``: how to ask for less)."""
    lines = text.splitlines()
    kept: list[str] = []
    size = 0
    shortened = 0
    for raw in lines[: limits.max_lines]:
        line = raw
        if len(raw) > limits.max_line_chars:
            shortened += len(raw) - limits.max_line_chars
            line = raw[: limits.max_line_chars] + " …"
        if size + len(line) + 1 > limits.max_chars:
            break
        kept.append(line)
        size += len(line) + 1
    cut_lines = len(lines) - len(kept)
    cut_chars = sum(len(line) + 1 for line in lines[len(kept) :]) + shortened
    body = "\n".join(kept)
    if cut_lines or shortened:
        note = f"[cut: {cut_lines} more lines, {_size(cut_chars)} not shown"
        note += f"; {hint}]" if hint else "]"
        body = f"{body}\n{note}" if body else note
    return Observation(tool, body, cut_lines, cut_chars, error)


def _size(chars: int) -> str:
    return f"{chars / 1000:.1f} kB" if chars >= 1000 else f"{chars} characters"
