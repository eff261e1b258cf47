"""Dot strips over box plots: every value of a group as a dot, with its quartiles and median."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from shared.charts.core import Lang, fmt_number, jitter, join, quartiles, svg_open


@dataclass(frozen=True)
class StripPoint:
    value: float
    #: The dot's tooltip (e.g. "Klynge A: 83,3").
    title: str
    #: Decides the dot's stable vertical jitter.
    key: str


@dataclass(frozen=True)
class StripRow:
    label: str
    colour: str
    points: Sequence[StripPoint] = field(default_factory=tuple)
    bold: bool = False


def dot_box_strip(
    uid: str,
    title: str,
    desc: str,
    rows: Sequence[StripRow],
    lang: Lang,
    *,
    axis_label: str,
    no_data: str,
    median_label: str = "Median",
    n_label: str = "n",
    domain: tuple[float, float] = (0.0, 100.0),
    ticks: Sequence[float] = (0, 25, 50, 75, 100),
    width: int = 760,
    left: int = 190,
) -> Markup:
    """One row per group: its values as jittered dots over a box from Q1 to Q3 and a median
    line; "n = …" under the label; a row without values says ``no_data``."""
    right, row_h, top = 24, 58, 30
    plot_w = width - left - right
    height = top + row_h * len(rows) + 52
    lo, hi = domain

    def x_of(v: float) -> float:
        return left + plot_w * (max(lo, min(hi, v)) - lo) / (hi - lo)

    parts = [svg_open(uid, width, height, title, desc)]
    for tick in ticks:
        x = x_of(tick)
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 8}" x2="{x:.1f}" y2="{height - 46}" class="grid"/>'
            f'<text x="{x:.1f}" y="{height - 30}" class="tick" text-anchor="middle">{tick}</text>'
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 8}" class="sub" text-anchor="middle">'
        f"{escape(axis_label)}</text>"
    )
    for i, row in enumerate(rows):
        y = top + row_h * i + row_h / 2
        weight = ' font-weight="700"' if row.bold else ""
        parts.append(
            f'<text x="{left - 12}" y="{y - 4:.1f}" text-anchor="end" class="label"{weight}>'
            f"{escape(row.label)}</text>"
            f'<text x="{left - 12}" y="{y + 12:.1f}" text-anchor="end" class="sub">'
            f"{escape(n_label)} = {len(row.points)}</text>"
        )
        if not row.points:
            parts.append(
                f'<text x="{left + 8}" y="{y + 4:.1f}" class="sub">{escape(no_data)}</text>'
            )
            continue
        q1, med, q3 = quartiles(sorted(p.value for p in row.points))
        parts.append(
            f'<rect x="{x_of(q1):.1f}" y="{y - 16:.1f}" width="{max(x_of(q3) - x_of(q1), 1):.1f}"'
            f' height="32" class="box"><title>Q1 {fmt_number(q1, lang)} – Q3 '
            f"{fmt_number(q3, lang)}</title></rect>"
        )
        for p in row.points:
            dy = jitter(p.key) * 11
            parts.append(
                f'<circle cx="{x_of(p.value):.1f}" cy="{y + dy:.1f}" r="4.2" fill="{row.colour}" '
                f'class="dot"><title>{escape(p.title)}</title></circle>'
            )
        parts.append(
            f'<line x1="{x_of(med):.1f}" y1="{y - 20:.1f}" x2="{x_of(med):.1f}" '
            f'y2="{y + 20:.1f}" class="median"><title>{escape(median_label)} '
            f"{fmt_number(med, lang)}</title></line>"
        )
    parts.append("</svg>")
    return join(parts)
