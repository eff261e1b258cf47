"""Server-side SVG charts for the suite's pages: small, accessible, self-contained.

Every chart is SVG markup (``markupsafe.Markup``, so an autoescaping Jinja2 template puts it in
as it is) drawn on the server: no JavaScript, nothing fetched from elsewhere. Each has
``role="img"`` with a ``<title>`` and ``<desc>`` it is labelled by, and each mark its own
``<title>`` as a tooltip. Every text that comes from data is escaped where it is written.
Colours are the Okabe–Ito palette (categories) and ColorBrewer "Blues" (amounts), both readable
with the common colour-vision deficiencies; series also differ by position, label or marker.
The page styles the classes (``grid``, ``tick``, ``label``, ``sub``, ``seg``, ``total``, …).

- :mod:`shared.charts.core`: number formatting, palettes, contrast, ticks, quartiles, frame.
- :mod:`shared.charts.bars`: stacked bars and columns, plain bars, progress bars.
- :mod:`shared.charts.lines`: line charts over years, sparklines.
- :mod:`shared.charts.strips`: dot strips over box plots.
- :mod:`shared.charts.regions`: a schematic map of Denmark's five regions.
"""

from shared.charts.bars import (
    Category,
    Series,
    bar_chart,
    progress_bar,
    stacked_bars,
    stacked_columns,
)
from shared.charts.core import (
    MISSING,
    OKABE_ITO,
    OTHER,
    SEQUENTIAL,
    TEXT_SHADES,
    Lang,
    contrast,
    fmt_number,
    heat_level,
    jitter,
    legend,
    marker,
    nice_ticks,
    quartiles,
    sequential_colour,
    svg_open,
    text_on,
)
from shared.charts.lines import LineSeries, line_chart, sparkline
from shared.charts.regions import REGION_SHAPES, region_map
from shared.charts.strips import StripPoint, StripRow, dot_box_strip

__all__ = [
    "MISSING",
    "OKABE_ITO",
    "OTHER",
    "REGION_SHAPES",
    "SEQUENTIAL",
    "TEXT_SHADES",
    "Category",
    "Lang",
    "LineSeries",
    "Series",
    "StripPoint",
    "StripRow",
    "bar_chart",
    "contrast",
    "dot_box_strip",
    "fmt_number",
    "heat_level",
    "jitter",
    "legend",
    "line_chart",
    "marker",
    "nice_ticks",
    "progress_bar",
    "quartiles",
    "region_map",
    "sequential_colour",
    "sparkline",
    "stacked_bars",
    "stacked_columns",
    "svg_open",
    "text_on",
]
