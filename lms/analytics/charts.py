"""Server-rendered SVG charts: no JavaScript, sharp in print, and every one has a table next to it.

Colours are the Okabe–Ito palette (distinguishable with colour-blindness), and each series also
has its own dash pattern and marker shape, so colour is never the only cue.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
DASHES = ["", "6 3", "2 3", "8 3 2 3", "4 4", "1 2", "10 4", "3 6"]


@dataclass
class Series:
    name: str
    points: Sequence[tuple[float, float | None]]  # (x, y); None leaves a gap


def line_chart(
    *,
    title: str,
    series: Sequence[Series],
    x_min: float,
    x_max: float,
    y_min: float = 0.0,
    y_max: float = 1.0,
    x_label: str = "",
    y_label: str = "",
    y_percent: bool = False,
    x_ticks: Sequence[tuple[float, str]] | None = None,
    reference: Sequence[tuple[float, str]] = (),
    diagonal: bool = False,
    width: int = 640,
    height: int = 240,
    markers: bool = True,
) -> SafeString:
    left, right, top, bottom = 48, 12, 12, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    x_span = (x_max - x_min) or 1.0
    y_span = (y_max - y_min) or 1.0

    def sx(x: float) -> float:
        return left + (x - x_min) / x_span * plot_w

    def sy(y: float) -> float:
        return top + plot_h - (y - y_min) / y_span * plot_h

    parts: list[str] = []
    for i in range(5):
        value = y_min + y_span * i / 4
        label = f"{value:.0%}" if y_percent else (f"{value:g}" if y_span >= 4 else f"{value:.2f}")
        parts.append(f'<line class="grid" x1="{left}" x2="{left + plot_w}" y1="{sy(value):.1f}" y2="{sy(value):.1f}"/>'
                     f'<text class="tick" x="{left - 6}" y="{sy(value) + 4:.1f}" text-anchor="end">{label}</text>')
    if x_ticks is None:
        count = min(6, int(x_span) + 1)
        x_ticks = [(x_min + x_span * i / max(1, count - 1), f"{x_min + x_span * i / max(1, count - 1):.0f}")
                   for i in range(count)]
    for x, label in x_ticks:
        parts.append(f'<text class="tick" x="{sx(x):.1f}" y="{top + plot_h + 16}" text-anchor="middle">'
                     f"{escape(label)}</text>")
    parts.append(f'<line class="axis" x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}"/>'
                 f'<line class="axis" x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}"/>')
    if x_label:
        parts.append(f'<text class="label" x="{left + plot_w / 2:.1f}" y="{height - 4}" text-anchor="middle">'
                     f"{escape(x_label)}</text>")
    if y_label:
        parts.append(f'<text class="label" x="12" y="{top + plot_h / 2:.1f}" text-anchor="middle" '
                     f'transform="rotate(-90 12 {top + plot_h / 2:.1f})">{escape(y_label)}</text>')
    if diagonal:
        parts.append(f'<line class="reference" x1="{sx(x_min):.1f}" y1="{sy(y_min):.1f}" '
                     f'x2="{sx(x_max):.1f}" y2="{sy(y_max):.1f}"><title>{escape(_("Perfect calibration"))}</title></line>')
    for value, label in reference:
        parts.append(f'<line class="reference" x1="{left}" x2="{left + plot_w}" y1="{sy(value):.1f}" '
                     f'y2="{sy(value):.1f}"/><text class="tick" x="{left + plot_w - 2}" y="{sy(value) - 4:.1f}" '
                     f'text-anchor="end">{escape(label)}</text>')
    for index, s in enumerate(series):
        colour, dash = PALETTE[index % len(PALETTE)], DASHES[index % len(DASHES)]
        segments: list[list[tuple[float, float]]] = [[]]
        for x, y in s.points:
            if y is None:
                segments.append([])
            else:
                segments[-1].append((x, y))
        for segment in segments:
            if len(segment) > 1:
                path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in segment)
                parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                             f'stroke-dasharray="{dash}" points="{path}"/>')
        if markers and len(s.points) <= 60:
            for x, y in s.points:
                if y is not None:
                    parts.append(_marker(index, sx(x), sy(y), colour, _("%(series)s: %(value)s at %(x)s") % {"series": s.name, "value": _fmt(y, y_percent), "x": f"{x:g}"}))
    legend = "".join(
        format_html('<li><svg width="28" height="10" aria-hidden="true"><line x1="0" x2="28" y1="5" y2="5" '
                    'stroke="{}" stroke-width="2" stroke-dasharray="{}"/></svg> {}</li>',
                    PALETTE[i % len(PALETTE)], DASHES[i % len(DASHES)], s.name)
        for i, s in enumerate(series)
    )
    svg = (f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
           f'preserveAspectRatio="xMidYMid meet"><title>{escape(title)}</title>{"".join(parts)}</svg>')
    return mark_safe(f'<figure class="chart-figure">{svg}'  # noqa: S308 - every value above is escaped or numeric
                     f'<ul class="legend">{legend}</ul></figure>')


def _fmt(value: float, percent: bool) -> str:
    return f"{value:.0%}" if percent else f"{value:.2f}"


def _marker(index: int, x: float, y: float, colour: str, label: str) -> str:
    shape = index % 3
    title = f"<title>{escape(label)}</title>"
    if shape == 0:
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">{title}</circle>'
    if shape == 1:
        return f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6" fill="{colour}">{title}</rect>'
    return (f'<polygon points="{x:.1f},{y - 4:.1f} {x + 4:.1f},{y + 3:.1f} {x - 4:.1f},{y + 3:.1f}" '
            f'fill="{colour}">{title}</polygon>')


def nice_max(value: float) -> float:
    """An axis maximum at or above ``value`` whose four grid steps are round counts
    (1, 2, 3 or 5 times a power of ten; 2.5 from 25 up)."""
    if value <= 4:
        return 4.0
    quarter = value / 4
    magnitude = 10 ** math.floor(math.log10(quarter))
    steps = (1, 2, 2.5, 3, 5, 10) if magnitude >= 10 else (1, 2, 3, 5, 10)
    return 4 * next(step * magnitude for step in steps if step * magnitude >= quarter)


def mastery_class(value: float | None) -> str:
    """A heatmap cell's colour step (0–4), from a sequential colour-blind-safe scale."""
    if value is None:
        return "m-none"
    return f"m-{min(4, int(value * 5))}"
