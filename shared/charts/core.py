"""What every chart shares: numbers in Danish or English, colours, the SVG frame, statistics."""

from __future__ import annotations

import hashlib
import math
import statistics
from collections.abc import Sequence
from typing import Literal

from markupsafe import Markup, escape

Lang = Literal["da", "en"]
#: How a missing number is shown: never as 0.
MISSING = "–"

#: Okabe & Ito (2008), "Color Universal Design": distinguishable with the common colour-vision
#: deficiencies. Order: blue, orange, bluish green, reddish purple, sky blue, vermillion,
#: yellow, black.
OKABE_ITO: tuple[str, ...] = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
)
#: A darker shade of each palette colour for text on white (WCAG AA contrast ≥ 4.5 : 1).
TEXT_SHADES: dict[str, str] = {
    "#0072B2": "#0072B2",
    "#E69F00": "#8F5F00",
    "#009E73": "#007A5A",
    "#CC79A7": "#9E4A7D",
    "#56B4E9": "#1F6E9C",
    "#D55E00": "#A34800",
    "#F0E442": "#6E6500",
    "#000000": "#000000",
}
#: The rest ("others", "unknown"): a neutral grey.
OTHER = "#BBBBBB"
#: ColorBrewer "Blues", light to dark: a sequential scale that reads the same with the common
#: colour-vision deficiencies and in greyscale. The first step is "none".
SEQUENTIAL: tuple[str, ...] = ("#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c")


def fmt_number(value: float | None, lang: Lang, digits: int = 1) -> str:
    """A number the way the language writes it (1.234,5 / 1,234.5); missing → "–"."""
    if value is None:
        return MISSING
    text = f"{value:,.{digits}f}"
    if lang == "da":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def _luminance(colour: str) -> float:
    h = colour.lstrip("#")
    channels = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours (1 … 21)."""
    la, lb = _luminance(a), _luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def text_on(fill: str) -> str:
    """Black or white, whichever reads better on ``fill``."""
    return "#000000" if contrast(fill, "#000000") >= contrast(fill, "#ffffff") else "#ffffff"


def sequential_colour(value: float, maximum: float) -> str:
    """The step of :data:`SEQUENTIAL` for ``value`` on 0…``maximum`` (0 → the lightest)."""
    if value <= 0 or maximum <= 0:
        return SEQUENTIAL[0]
    steps = len(SEQUENTIAL) - 1
    return SEQUENTIAL[min(steps, max(1, math.ceil(steps * value / maximum)))]


def heat_level(value: float, maximum: float, levels: int = 5) -> int:
    """0 for nothing, else 1…``levels`` by the share of ``maximum`` (for heat-map tables)."""
    if value <= 0 or maximum <= 0:
        return 0
    return min(levels, max(1, math.ceil(levels * value / maximum)))


def nice_ticks(maximum: float, count: int = 5) -> list[float]:
    """Round axis ticks from 0 to at least ``maximum`` (steps of 1, 2, 2.5 or 5 × 10ⁿ)."""
    if maximum <= 0:
        return [0.0, 1.0]
    raw = maximum / max(1, count - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    top = math.ceil(maximum / step - 1e-9) * step
    n = round(top / step)
    return [round(i * step, 10) for i in range(n + 1)]


def quartiles(values: Sequence[float]) -> tuple[float, float, float]:
    """Q1, median, Q3 by linear interpolation (QUARTILE.INC); ``values`` sorted, not empty."""
    if len(values) == 1:
        return values[0], values[0], values[0]
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q2, q3


def jitter(key: str) -> float:
    """A stable offset in [−1, 1] for a dot (the same key lands in the same place)."""
    return int(hashlib.sha256(key.encode()).hexdigest()[:6], 16) / 0xFFFFFF * 2 - 1


def svg_open(uid: str, width: float, height: float, title: str, desc: str | None = None) -> str:
    """The opening of a chart: ``role="img"`` labelled by its ``<title>`` and ``<desc>``."""
    labelled = f"{uid}-t {uid}-d" if desc is not None else f"{uid}-t"
    head = (
        f'<svg class="chart" viewBox="0 0 {width:g} {height:g}" role="img" '
        f'aria-labelledby="{escape(labelled)}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{escape(uid)}-t">{escape(title)}</title>'
    )
    if desc is not None:
        head += f'<desc id="{escape(uid)}-d">{escape(desc)}</desc>'
    return head


def marker(kind: str, x: float, y: float, size: float, colour: str, title: str) -> str:
    """A point mark: ``circle``, ``square`` or ``diamond`` (so series differ by more than
    colour), with its own tooltip."""
    t = f"<title>{escape(title)}</title>"
    if kind == "square":
        s = size * 0.9
        return (
            f'<rect x="{x - s:.1f}" y="{y - s:.1f}" width="{2 * s:.1f}" height="{2 * s:.1f}" '
            f'fill="{colour}">{t}</rect>'
        )
    if kind == "diamond":
        s = size * 1.25
        pts = f"{x:.1f},{y - s:.1f} {x + s:.1f},{y:.1f} {x:.1f},{y + s:.1f} {x - s:.1f},{y:.1f}"
        return f'<polygon points="{pts}" fill="{colour}">{t}</polygon>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{size:.1f}" fill="{colour}">{t}</circle>'


def legend(
    items: Sequence[tuple[str, str]], x: float, y: float, *, gap: float = 22, width: float = 0
) -> tuple[str, float]:
    """Swatches with labels in a row from (x, y), wrapping at ``width`` when given.
    Returns the SVG and the y below the last row."""
    parts = ['<g class="legend">']
    cx, cy = x, y
    for colour, label in items:
        w = 18 + 7.2 * len(label)
        if width and cx > x and cx + w > x + width:
            cx, cy = x, cy + 20
        parts.append(
            f'<rect x="{cx:.1f}" y="{cy - 10:.1f}" width="12" height="12" fill="{colour}" '
            f'class="swatch"/><text x="{cx + 17:.1f}" y="{cy:.1f}" class="label">'
            f"{escape(label)}</text>"
        )
        cx += w + gap
    parts.append("</g>")
    return "".join(parts), cy + 20


def join(parts: Sequence[str]) -> Markup:
    """The chart as markup that an autoescaping template puts in as it is (every data text in
    it was escaped where it was written)."""
    return Markup("".join(parts))
