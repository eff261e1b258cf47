"""A schematic map of Denmark's five regions, each coloured by a number (a choropleth).

The outlines are drawn by hand from a few dozen coastal points each (longitude, latitude) —
recognisable, not surveyed: the map says "schematic" and is meant to locate, not to measure.
Bornholm (Region Hovedstaden) sits in an inset box in the upper right, as on most maps of
Denmark. Region codes are Danmarks Statistik's (1081 Nordjylland … 1085 Sjælland).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from markupsafe import Markup, escape

from shared.charts.core import SEQUENTIAL, join, sequential_colour, svg_open

Point = tuple[float, float]

# Shared borders (west → east), so neighbouring regions meet without gaps.
_NORD_MIDT: list[Point] = [
    (8.19, 56.69),
    (8.55, 56.58),
    (9.05, 56.58),
    (9.35, 56.52),
    (9.75, 56.60),
    (10.05, 56.68),
    (10.30, 56.70),
]
_MIDT_SYD: list[Point] = [(8.19, 55.81), (8.75, 55.78), (9.15, 55.70), (9.45, 55.80), (9.85, 55.70)]
_HOVED_SJAEL: list[Point] = [(11.90, 55.74), (12.05, 55.72), (12.15, 55.66), (12.35, 55.61)]

_NORDJYLLAND = [
    *_NORD_MIDT,
    (10.30, 56.80),
    (10.31, 57.00),
    (10.53, 57.33),
    (10.54, 57.44),
    (10.65, 57.75),
    (10.25, 57.62),
    (9.96, 57.59),
    (9.80, 57.48),
    (9.70, 57.37),
    (9.58, 57.25),
    (9.35, 57.17),
    (9.03, 57.15),
    (8.62, 57.12),
    (8.50, 57.04),
    (8.30, 56.85),
]
_MIDTJYLLAND = [
    *_MIDT_SYD,
    (10.02, 55.71),
    (9.87, 55.86),
    (10.10, 55.85),
    (10.22, 55.95),
    (10.22, 56.15),
    (10.45, 56.27),
    (10.55, 56.10),
    (10.68, 56.20),
    (10.93, 56.41),
    (10.95, 56.45),
    (10.55, 56.55),
    (10.30, 56.62),
    *reversed(_NORD_MIDT),
    (8.17, 56.62),
    (8.12, 56.52),
    (8.12, 56.37),
    (8.11, 56.10),
    (8.12, 55.99),
]
_SYDDANMARK_JYLLAND = [
    *reversed(_MIDT_SYD),
    (8.08, 55.56),
    (8.45, 55.47),
    (8.62, 55.33),
    (8.65, 55.15),
    (8.65, 54.91),
    (9.42, 54.83),
    (9.60, 54.87),
    (9.70, 54.85),
    (9.95, 54.85),
    (10.05, 54.98),
    (9.85, 55.07),
    (9.55, 55.05),
    (9.55, 55.25),
    (9.50, 55.49),
    (9.75, 55.57),
    (9.55, 55.71),
]
_FUNEN = [
    (9.73, 55.50),
    (10.09, 55.57),
    (10.30, 55.60),
    (10.45, 55.50),
    (10.63, 55.62),
    (10.66, 55.45),
    (10.81, 55.31),
    (10.78, 55.15),
    (10.61, 55.06),
    (10.24, 55.10),
    (10.03, 55.13),
    (9.89, 55.27),
]
_LANGELAND = [(10.68, 55.08), (10.76, 55.08), (10.95, 54.78), (10.88, 54.72), (10.70, 54.92)]
_HOVEDSTADEN = [
    *_HOVED_SJAEL,
    (12.50, 55.63),
    (12.65, 55.57),
    (12.68, 55.63),
    (12.60, 55.69),
    (12.60, 55.77),
    (12.57, 55.85),
    (12.54, 55.96),
    (12.62, 56.04),
    (12.46, 56.09),
    (12.31, 56.12),
    (12.07, 56.06),
    (11.85, 55.97),
    (11.88, 55.85),
]
_SJAELLAND = [
    *_HOVED_SJAEL,
    (12.25, 55.55),
    (12.20, 55.45),
    (12.45, 55.30),
    (12.20, 55.22),
    (12.05, 55.12),
    (12.17, 54.99),
    (11.90, 55.00),
    (11.65, 55.18),
    (11.29, 55.25),
    (11.14, 55.33),
    (11.10, 55.52),
    (11.10, 55.68),
    (10.87, 55.74),
    (11.15, 55.72),
    (11.45, 55.85),
    (11.30, 55.98),
    (11.55, 55.96),
    (11.76, 55.95),
    (11.70, 55.80),
    (11.72, 55.72),
    (11.85, 55.70),
]
_LOLLAND_FALSTER = [
    (10.95, 54.85),
    (11.30, 54.95),
    (11.75, 54.95),
    (11.90, 54.98),
    (12.05, 54.95),
    (12.15, 54.85),
    (11.95, 54.57),
    (11.80, 54.65),
    (11.50, 54.63),
    (11.20, 54.72),
    (11.00, 54.75),
]
_MOEN = [(12.20, 55.00), (12.40, 55.05), (12.55, 54.97), (12.35, 54.93), (12.20, 54.94)]
_BORNHOLM = [
    (14.68, 55.19),
    (14.78, 55.29),
    (14.98, 55.25),
    (15.15, 55.13),
    (15.08, 55.00),
    (14.82, 54.99),
    (14.70, 55.07),
]

#: Region code → its land polygons (Bornholm apart: it is drawn in the inset).
REGION_SHAPES: dict[str, list[list[Point]]] = {
    "1081": [_NORDJYLLAND],
    "1082": [_MIDTJYLLAND],
    "1083": [_SYDDANMARK_JYLLAND, _FUNEN, _LANGELAND],
    "1084": [_HOVEDSTADEN],
    "1085": [_SJAELLAND, _LOLLAND_FALSTER, _MOEN],
}

_SCALE = 100.0  # map units per degree of latitude
_COS = math.cos(math.radians(56.0))  # east–west shrink at Denmark's latitude
_WEST, _NORTH = 7.85, 57.90
_PAD = 10.0


def _project(lon: float, lat: float) -> tuple[float, float]:
    return (lon - _WEST) * _COS * _SCALE + _PAD, (_NORTH - lat) * _SCALE + _PAD


def _path(points: list[Point], dx: float = 0.0, dy: float = 0.0) -> str:
    xy = [_project(lon, lat) for lon, lat in points]
    return "M" + " L".join(f"{x + dx:.1f},{y + dy:.1f}" for x, y in xy) + " Z"


# Where each region's name and number go (longitude, latitude); Hovedstaden's label sits in
# the sea east of Zealand with a leader line, as the region is too small to hold it.
_LABELS: dict[str, Point] = {
    "1081": (9.75, 57.16),
    "1082": (9.30, 56.22),
    "1083": (8.95, 55.32),
    "1084": (13.30, 56.27),
    "1085": (11.62, 55.47),
}
_LEADER: tuple[Point, Point] = ((13.00, 56.18), (12.40, 55.90))
# The Bornholm inset: a box in the upper right; the island moved into it.
_INSET_X, _INSET_Y, _INSET_W, _INSET_H = 282.0, 14.0, 74.0, 66.0


def _inset_shift() -> tuple[float, float]:
    xs, ys = zip(*(_project(lon, lat) for lon, lat in _BORNHOLM), strict=True)
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    return _INSET_X + _INSET_W / 2 - cx, _INSET_Y + _INSET_H / 2 + 6 - cy


WIDTH, HEIGHT = 366, 352


def region_map(
    uid: str,
    title: str,
    desc: str,
    values: Mapping[str, float],
    names: Mapping[str, str],
    *,
    value_labels: Mapping[str, str] | None = None,
    tooltips: Mapping[str, str] | None = None,
    schematic_note: str = "Schematic map",
    legend_label: str = "",
    maximum: float | None = None,
) -> Markup:
    """The five regions filled on the sequential scale by ``values`` (region code → number),
    each labelled with its name (``names``) and value (``value_labels`` or the number); each
    region has a tooltip (``tooltips``) and a ``data-region`` attribute. A small legend shows
    the scale from 0 to the maximum."""
    top = max(values.values(), default=0) if maximum is None else maximum
    labels = value_labels or {code: f"{values.get(code, 0):g}" for code in REGION_SHAPES}
    tips = tooltips or {}
    parts = [svg_open(uid, WIDTH, HEIGHT, title, desc)]
    parts.append('<g class="regions">')
    dx, dy = _inset_shift()
    for code, shapes in REGION_SHAPES.items():
        fill = sequential_colour(values.get(code, 0), top)
        tip = tips.get(code, f"{names.get(code, code)}: {labels.get(code, '')}")
        d = " ".join(_path(shape) for shape in shapes)
        if code == "1084":
            d += " " + _path(_BORNHOLM, dx, dy)
        parts.append(
            f'<path d="{d}" fill="{fill}" class="region" data-region="{escape(code)}">'
            f"<title>{escape(tip)}</title></path>"
        )
    parts.append("</g>")
    parts.append(
        f'<rect x="{_INSET_X}" y="{_INSET_Y}" width="{_INSET_W}" height="{_INSET_H}" '
        f'class="inset"/><text x="{_INSET_X + 5}" y="{_INSET_Y + 12}" class="sub">Bornholm</text>'
    )
    (x1, y1), (x2, y2) = (_project(*_LEADER[0]), _project(*_LEADER[1]))
    parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" class="leader"/>')
    for code, (lon, lat) in _LABELS.items():
        # dark text with a white halo reads on every step of the scale and on the sea
        x, y = _project(lon, lat)
        halo = 'fill="#1b2a3a" stroke="#ffffff" stroke-width="3" paint-order="stroke"'
        parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" class="map-name" {halo} '
            f'stroke-linejoin="round" aria-hidden="true">{escape(names.get(code, code))}</text>'
            f'<text x="{x:.1f}" y="{y + 19:.1f}" text-anchor="middle" class="map-value" {halo} '
            f'stroke-linejoin="round" aria-hidden="true">{escape(labels.get(code, ""))}</text>'
        )
    # legend: the scale's steps, 0 … maximum
    lx, ly, step = 14.0, HEIGHT - 22.0, 22.0
    for i, colour in enumerate(SEQUENTIAL):
        parts.append(
            f'<rect x="{lx + i * step:.1f}" y="{ly}" width="{step}" height="10" '
            f'fill="{colour}" class="scale"/>'
        )
    parts.append(
        f'<text x="{lx}" y="{ly - 4}" class="sub">{escape(legend_label)}</text>'
        f'<text x="{lx}" y="{ly + 21}" class="tick">0</text>'
        f'<text x="{lx + len(SEQUENTIAL) * step:.1f}" y="{ly + 21}" class="tick" '
        f'text-anchor="end">{escape(f"{top:g}")}</text>'
        f'<text x="{WIDTH - 8}" y="{HEIGHT - 8}" class="sub" text-anchor="end">'
        f"{escape(schematic_note)}</text>"
    )
    parts.append("</svg>")
    return join(parts)
