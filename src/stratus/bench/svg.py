"""Plots as inline SVG text (no library, no network): a line chart for μ over time, grouped
bars for success rates, and strip plots for distributions. Colours come from one palette
keyed by series, so an agent keeps its colour across plots."""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

__all__ = ["PALETTE", "Series", "bars", "colour", "line_chart", "strips"]

PALETTE = ("#4269d0", "#efb118", "#ff725c", "#6cc5b0", "#3ca951", "#ff8ab7", "#a463f2", "#97bbf5")
_FONT = 'font-family="system-ui, sans-serif" font-size="11"'


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


@dataclass(frozen=True)
class Series:
    """Points (x, y); ``step`` draws a step line (the visible μ holds between boundaries);
    ``width`` the stroke; ``dots`` marks each point."""

    name: str
    points: Sequence[tuple[float, float]]
    colour: str
    step: bool = False
    width: float = 1.5
    dots: bool = False
    dash: str = ""


def _frame(width: int, height: int, body: list[str], title: str) -> str:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" {_FONT}>'
    )
    return "\n".join([head, f"<title>{escape(title)}</title>", *body, "</svg>"])


def line_chart(
    series: Sequence[Series], *, title: str, width: int = 360, height: int = 180, y_label: str = "μ"
) -> str:
    """Infinite values are drawn at the top edge and labelled ∞."""
    left, right, top, bottom = 36, 8, 20, 24
    finite = [y for s in series for _, y in s.points if math.isfinite(y)]
    xs = [x for s in series for x, _ in s.points] or [0.0, 1.0]
    y_max = max([*finite, 1.0]) * 1.1
    x_min, x_max = min(xs), max(*xs, min(xs) + 1.0)
    inner_w, inner_h = width - left - right, height - top - bottom

    def px(x: float) -> float:
        return left + (x - x_min) / (x_max - x_min) * inner_w

    def py(y: float) -> float:
        return top + inner_h * (1 - (min(y, y_max) if math.isfinite(y) else y_max) / y_max)

    body = [f'<text x="{left}" y="13" font-weight="600">{escape(title)}</text>']
    body += _axes(left, top, inner_w, inner_h, x_min, x_max, y_max, y_label)
    for s in series:
        pts: list[tuple[float, float]] = []
        for i, (x, y) in enumerate(s.points):
            if s.step and i:
                pts.append((px(x), pts[-1][1]))
            pts.append((px(x), py(y)))
        if pts:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
            body.append(
                f'<polyline fill="none" stroke="{s.colour}" stroke-width="{s.width}"{dash} '
                f'points="{path}"><title>{escape(s.name)}</title></polyline>'
            )
        for x, y in s.points if s.dots else ():
            label = "∞" if math.isinf(y) else f"{y:g}"
            body.append(
                f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="2.5" fill="{s.colour}">'
                f"<title>{escape(s.name)}: t={x:g}s μ={label}</title></circle>"
            )
    body += _legend([(s.name, s.colour) for s in series], width - right, top)
    return _frame(width, height, body, title)


def _axes(
    left: float, top: float, w: float, h: float, x0: float, x1: float, y1: float, y_label: str
) -> list[str]:
    return [
        f'<line x1="{left}" y1="{top + h}" x2="{left + w}" y2="{top + h}" stroke="#888"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + h}" stroke="#888"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{y1:.3g}</text>',
        f'<text x="{left - 4}" y="{top + h}" text-anchor="end">0</text>',
        f'<text x="{left - 24}" y="{top + h / 2}" transform="rotate(-90 {left - 24} '
        f'{top + h / 2})" text-anchor="middle">{escape(y_label)}</text>',
        f'<text x="{left}" y="{top + h + 14}">{x0:.0f}s</text>',
        f'<text x="{left + w}" y="{top + h + 14}" text-anchor="end">{x1:.0f}s</text>',
    ]


def _legend(items: Sequence[tuple[str, str]], right: float, top: float) -> list[str]:
    out = []
    for i, (name, fill) in enumerate(items):
        y = top + 4 + 13 * i
        out.append(f'<rect x="{right - 118}" y="{y - 8}" width="9" height="9" fill="{fill}"/>')
        out.append(f'<text x="{right - 105}" y="{y}">{escape(name[:18])}</text>')
    return out


def bars(
    groups: Sequence[str],
    names: Sequence[str],
    values: Mapping[tuple[str, str], float],
    *,
    title: str,
    width: int = 720,
    bar_height: int = 10,
) -> str:
    """Horizontal grouped bars of rates in [0, 1]: one group per ``groups`` item, one bar per
    ``names`` item (missing pairs are left out)."""
    left, top, right = 170, 24, 60
    per_group = bar_height * len(names) + 8
    height = top + per_group * len(groups) + 14 * len(names) + 10
    inner = width - left - right
    body = [f'<text x="4" y="14" font-weight="600">{escape(title)}</text>']
    for gi, g in enumerate(groups):
        y0 = top + gi * per_group
        body.append(
            f'<text x="{left - 6}" y="{y0 + per_group / 2}" text-anchor="end">{escape(g)}</text>'
        )
        for ni, name in enumerate(names):
            value = values.get((g, name))
            if value is None or math.isnan(value):
                continue
            y = y0 + ni * bar_height
            w = max(1.0, inner * value)
            body.append(
                f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_height - 2}" '
                f'fill="{colour(ni)}"><title>{escape(g)} / {escape(name)}: {100 * value:.1f}%'
                "</title></rect>"
            )
            body.append(
                f'<text x="{left + w + 3:.1f}" y="{y + bar_height - 3}">{100 * value:.0f}%</text>'
            )
    legend_top = top + per_group * len(groups) + 6
    for ni, name in enumerate(names):
        y = legend_top + 14 * ni
        body.append(f'<rect x="{left}" y="{y}" width="9" height="9" fill="{colour(ni)}"/>')
        body.append(f'<text x="{left + 14}" y="{y + 9}">{escape(name)}</text>')
    return _frame(width, int(height), body, title)


def strips(
    names: Sequence[str],
    values: Mapping[str, Sequence[float]],
    *,
    title: str,
    unit: str,
    width: int = 720,
) -> str:
    """One row of dots per name (each value a dot, its median a bar), on a shared axis."""
    left, top, right, row = 170, 24, 20, 22
    finite = [v for name in names for v in values.get(name, ()) if math.isfinite(v)]
    top_value = max([*finite, 1e-9])
    inner = width - left - right
    height = top + row * len(names) + 26
    body = [f'<text x="4" y="14" font-weight="600">{escape(title)}</text>']
    for i, name in enumerate(names):
        y = top + i * row + row / 2
        body.append(f'<text x="{left - 6}" y="{y + 4}" text-anchor="end">{escape(name)}</text>')
        items = [v for v in values.get(name, ()) if math.isfinite(v)]
        for j, v in enumerate(items):
            jitter = ((j * 7919) % 11 - 5) * 0.9
            x = left + inner * v / top_value
            body.append(
                f'<circle cx="{x:.1f}" cy="{y + jitter:.1f}" r="2.5" fill="{colour(i)}" '
                f'fill-opacity="0.6"><title>{v:g} {escape(unit)}</title></circle>'
            )
        if items:
            x = left + inner * statistics.median(items) / top_value
            body.append(
                f'<line x1="{x:.1f}" y1="{y - 8}" x2="{x:.1f}" y2="{y + 8}" stroke="#222" '
                f'stroke-width="2"><title>median {statistics.median(items):g} {escape(unit)}'
                "</title></line>"
            )
    axis_y = top + row * len(names) + 4
    body.append(
        f'<line x1="{left}" y1="{axis_y}" x2="{left + inner}" y2="{axis_y}" stroke="#888"/>'
    )
    body.append(f'<text x="{left}" y="{axis_y + 14}">0</text>')
    label = f"{top_value:.3g} {escape(unit)}"
    body.append(f'<text x="{left + inner}" y="{axis_y + 14}" text-anchor="end">{label}</text>')
    return _frame(width, int(height), body, title)
