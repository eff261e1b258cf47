"""Bars: stacked (horizontal per category, or vertical columns such as years), and progress."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from shared.charts.core import Lang, fmt_number, join, legend, nice_ticks, svg_open, text_on


@dataclass(frozen=True)
class Category:
    key: str
    label: str


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    colour: str


def _formatter(lang: Lang, value_format: Callable[[float], str] | None) -> Callable[[float], str]:
    return value_format or (lambda v: fmt_number(v, lang, 0))


def stacked_bars(
    uid: str,
    title: str,
    desc: str,
    categories: Sequence[Category],
    series: Sequence[Series],
    values: Mapping[str, Mapping[str, float]],
    lang: Lang,
    *,
    value_format: Callable[[float], str] | None = None,
    show_legend: bool = True,
    width: int = 560,
    left: int = 130,
    row_h: int = 34,
) -> Markup:
    """One horizontal bar per category, its segments stacked in the order of ``series``;
    every segment has a tooltip and, where it is wide enough, its value written in it; the
    total follows the bar. ``values[category][series]``; absent means 0."""
    fmt = _formatter(lang, value_format)
    right, top = 64, 8
    totals = {c.key: sum(values.get(c.key, {}).get(s.key, 0) for s in series) for c in categories}
    maximum = max(totals.values(), default=0) or 1
    plot_w = width - left - right
    parts: list[str] = []
    y0: float = top
    if show_legend and len(series) > 1:
        svg_legend, y0 = legend([(s.colour, s.label) for s in series], left, top + 12, width=plot_w)
        parts.append(svg_legend)
        y0 += 2
    height = y0 + row_h * len(categories) + 6
    parts.insert(0, svg_open(uid, width, height, title, desc))
    for i, cat in enumerate(categories):
        y = y0 + row_h * i
        bar_h = row_h - 12
        parts.append(
            f'<text x="{left - 8}" y="{y + bar_h / 2 + 4:.1f}" text-anchor="end" class="label">'
            f"{escape(cat.label)}</text>"
        )
        x = float(left)
        for s in series:
            v = values.get(cat.key, {}).get(s.key, 0)
            if v <= 0:
                continue
            w = plot_w * v / maximum
            tip = f"{cat.label} – {s.label}: {fmt(v)}"
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 1):.1f}" height="{bar_h}" '
                f'fill="{escape(s.colour)}" class="seg"><title>{escape(tip)}</title></rect>'
            )
            text = fmt(v)
            if w >= 8 * len(text) + 8:
                parts.append(
                    f'<text x="{x + w / 2:.1f}" y="{y + bar_h / 2 + 4:.1f}" text-anchor="middle" '
                    f'class="in-bar" fill="{text_on(s.colour)}" aria-hidden="true">'
                    f"{escape(text)}</text>"
                )
            x += w
        parts.append(
            f'<text x="{x + 6:.1f}" y="{y + bar_h / 2 + 4:.1f}" class="total">'
            f"{escape(fmt(totals[cat.key]))}</text>"
        )
    parts.append("</svg>")
    return join(parts)


def stacked_columns(
    uid: str,
    title: str,
    desc: str,
    categories: Sequence[Category],
    series: Sequence[Series],
    values: Mapping[str, Mapping[str, float]],
    lang: Lang,
    *,
    value_format: Callable[[float], str] | None = None,
    axis_format: Callable[[float], str] | None = None,
    axis_label: str | None = None,
    width: int = 640,
    height: int = 300,
) -> Markup:
    """One column per category (e.g. years), segments stacked bottom-up in the order of
    ``series``, a rounded y axis from 0, totals above the columns, a legend below."""
    fmt = _formatter(lang, value_format)
    axis_fmt = axis_format or fmt
    left, right, top = 64, 12, 22
    totals = {c.key: sum(values.get(c.key, {}).get(s.key, 0) for s in series) for c in categories}
    ticks = nice_ticks(max(totals.values(), default=0))
    y_max = ticks[-1] or 1
    plot_w = width - left - right
    svg_legend, legend_bottom = legend([(s.colour, s.label) for s in series], left, 0, width=plot_w)
    legend_h = legend_bottom
    plot_h = height - top - 30 - legend_h
    n = max(1, len(categories))
    slot = plot_w / n
    bar_w = min(56.0, slot * 0.7)

    def y_of(v: float) -> float:
        return top + plot_h * (1 - v / y_max)

    parts = [svg_open(uid, width, height, title, desc)]
    for tick in ticks:
        y = y_of(tick)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">'
            f"{escape(axis_fmt(tick))}</text>"
        )
    if axis_label:
        parts.append(f'<text x="{left}" y="{top - 10}" class="sub">{escape(axis_label)}</text>')
    for i, cat in enumerate(categories):
        cx = left + slot * i + slot / 2
        x = cx - bar_w / 2
        base = y_of(0)
        for s in series:
            v = values.get(cat.key, {}).get(s.key, 0)
            if v <= 0:
                continue
            h = plot_h * v / y_max
            tip = f"{cat.label} – {s.label}: {fmt(v)}"
            parts.append(
                f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar_w:.1f}" height="{max(h, 1):.1f}"'
                f' fill="{escape(s.colour)}" class="seg"><title>{escape(tip)}</title></rect>'
            )
            base -= h
        if totals[cat.key] > 0:
            parts.append(
                f'<text x="{cx:.1f}" y="{base - 5:.1f}" class="total" text-anchor="middle">'
                f"{escape(fmt(totals[cat.key]))}</text>"
            )
        parts.append(
            f'<text x="{cx:.1f}" y="{top + plot_h + 16:.1f}" class="tick" text-anchor="middle">'
            f"{escape(cat.label)}</text>"
        )
    parts.append(
        f'<g transform="translate(0 {top + plot_h + 40:.1f})">{svg_legend}</g>' if series else ""
    )
    parts.append("</svg>")
    return join(parts)


def bar_chart(
    uid: str,
    title: str,
    desc: str,
    items: Sequence[tuple[str, float]],
    lang: Lang,
    *,
    colour: str = "#0072B2",
    value_format: Callable[[float], str] | None = None,
    width: int = 560,
    left: int = 130,
) -> Markup:
    """Plain horizontal bars, one per (label, value)."""
    categories = [Category(str(i), label) for i, (label, _v) in enumerate(items)]
    values = {str(i): {"v": v} for i, (_label, v) in enumerate(items)}
    return stacked_bars(
        uid,
        title,
        desc,
        categories,
        [Series("v", title, colour)],
        values,
        lang,
        value_format=value_format,
        show_legend=False,
        width=width,
        left=left,
    )


def progress_bar(done: int, total: int, label: str, *, width: int = 140) -> Markup:
    """A small bar of ``done`` out of ``total`` (e.g. dialogue answers), labelled for screen
    readers by ``label``."""
    height = 10
    share = done / total if total > 0 else 0.0
    filled = round(width * min(1.0, max(0.0, share)), 1)
    return Markup(
        f'<svg class="progress" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(label)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(label)}</title>'
        f'<rect x="0" y="0" width="{width}" height="{height}" rx="5" class="progress-track"/>'
        f'<rect x="0" y="0" width="{filled:g}" height="{height}" rx="5" class="progress-fill"/>'
        "</svg>"
    )
