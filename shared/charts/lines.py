"""Line charts over years (labelled directly at the right) and sparklines."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from shared.charts.core import Lang, fmt_number, join, marker, svg_open


@dataclass(frozen=True)
class LineSeries:
    label: str
    #: One value per x label; None breaks the line (missing is not zero).
    values: Sequence[float | None]
    colour: str
    #: The label's colour (a darker shade of ``colour`` with AA contrast on white).
    text_colour: str = "#333333"
    #: circle | square | diamond: series differ by their marks too, not by colour alone.
    marker: str = "circle"
    stroke: float = 2


def line_chart(
    uid: str,
    title: str,
    desc: str,
    x_labels: Sequence[str | int],
    series: Sequence[LineSeries],
    lang: Lang,
    *,
    y_max: float = 100.0,
    ticks: Sequence[float] = (0, 25, 50, 75, 100),
    value_format: Callable[[float], str] | None = None,
    one_point_note: str | None = None,
    width: int = 760,
    height: int = 250,
    label_width: int = 230,
) -> Markup:
    """Lines over the x labels from 0 to ``y_max``; each point has a tooltip, each line a
    direct label with its last value (nudged apart so labels never overlap). With a single x
    label, ``one_point_note`` is written into the plot."""
    fmt = value_format or (lambda v: fmt_number(v, lang))
    left, right, top, bottom = 48, label_width, 18, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(x_labels)

    def x_of(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y_of(v: float) -> float:
        return top + plot_h * (1 - max(0.0, min(y_max, v)) / y_max)

    parts = [svg_open(uid, width, height, title, desc)]
    for tick in ticks:
        y = y_of(tick)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{left - 8}" y="{y + 4:.1f}" class="tick" text-anchor="end">{tick}</text>'
        )
    for i, x_label in enumerate(x_labels):
        parts.append(
            f'<text x="{x_of(i):.1f}" y="{height - 12}" class="tick" text-anchor="middle">'
            f"{escape(x_label)}</text>"
        )
    label_slots: list[tuple[float, str, str]] = []
    for s in series:
        runs: list[list[tuple[float, float]]] = [[]]
        for i, v in enumerate(s.values):
            if v is None:
                runs.append([])
            else:
                runs[-1].append((x_of(i), y_of(v)))
        for run in runs:
            if len(run) > 1:
                pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                parts.append(
                    f'<polyline points="{pts}" fill="none" stroke="{s.colour}" '
                    f'stroke-width="{s.stroke:g}"/>'
                )
        for i, v in enumerate(s.values):
            if v is not None:
                point_title = f"{s.label} {x_labels[i]}: {fmt(v)}"
                parts.append(marker(s.marker, x_of(i), y_of(v), 4.2, s.colour, point_title))
        last = next(((i, v) for i, v in reversed(list(enumerate(s.values))) if v is not None), None)
        if last is not None:
            label_slots.append((y_of(last[1]), f"{s.label} {fmt(last[1])}", s.text_colour))
    label_slots.sort()
    placed: list[float] = []
    for y, text, colour in label_slots:
        y = max(y, placed[-1] + 15) if placed else y
        placed.append(y)
        parts.append(
            f'<text x="{left + plot_w + 10}" y="{y + 4:.1f}" class="label" fill="{colour}">'
            f"{escape(text)}</text>"
        )
    if n == 1 and one_point_note:
        parts.append(
            f'<text x="{left + 8}" y="{top + 14}" class="sub">{escape(one_point_note)}</text>'
        )
    parts.append("</svg>")
    return join(parts)


def sparkline(values: Sequence[float | None], label: str, width: int = 132) -> Markup:
    """A small line (gaps where missing) with a dot on the last value; empty without values."""
    height, pad = 30, 4
    present = [v for v in values if v is not None]
    if not present:
        return Markup("")
    lo, hi = min(present), max(present)
    span = (hi - lo) or 1.0
    n = len(values)

    def x_of(i: int) -> float:
        return pad + ((width - 2 * pad) * i / (n - 1) if n > 1 else (width - 2 * pad) / 2)

    def y_of(v: float) -> float:
        return height - pad - (height - 2 * pad) * ((v - lo) / span if hi != lo else 0.5)

    runs: list[list[str]] = [[]]
    for i, v in enumerate(values):
        if v is None:
            runs.append([])
        else:
            runs[-1].append(f"{x_of(i):.1f},{y_of(v):.1f}")
    parts = [
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" xmlns="http://www.w3.org/2000/svg"><title>{escape(label)}</title>'
    ]
    for run in runs:
        if len(run) > 1:
            parts.append(f'<polyline points="{" ".join(run)}" fill="none" class="spark-line"/>')
    last = next(((i, v) for i, v in reversed(list(enumerate(values))) if v is not None), None)
    if last is not None:
        parts.append(
            f'<circle cx="{x_of(last[0]):.1f}" cy="{y_of(last[1]):.1f}" r="2.6" class="spark-dot"/>'
        )
    parts.append("</svg>")
    return join(parts)
