"""shared.charts: every chart is well-formed SVG, escapes what comes from data, and draws the
numbers it is given (hand-checked geometry)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from shared import charts

SVG = "{http://www.w3.org/2000/svg}"
EVIL = '<script>alert("x")</script> & Co'


def parse(svg: str) -> ET.Element:
    return ET.fromstring(str(svg))


def texts(root: ET.Element) -> list[str]:
    return ["".join(el.itertext()) for el in root.iter() if el.tag in (f"{SVG}text", f"{SVG}title")]


def test_numbers_in_danish_and_english() -> None:
    assert charts.fmt_number(1234.56, "da") == "1.234,6"
    assert charts.fmt_number(1234.56, "en") == "1,234.6"
    assert charts.fmt_number(12_345_678 / 1e6, "da") == "12,3"
    assert charts.fmt_number(None, "da") == "–"  # missing is never 0


def test_ticks_levels_and_colours() -> None:
    assert charts.nice_ticks(72.8) == [0, 20, 40, 60, 80]
    assert charts.nice_ticks(9) == [0, 2.5, 5, 7.5, 10]
    assert charts.nice_ticks(0) == [0.0, 1.0]
    assert [charts.heat_level(v, 10) for v in (0, 1, 2, 5, 10)] == [0, 1, 1, 3, 5]
    assert charts.sequential_colour(0, 9) == charts.SEQUENTIAL[0]
    assert charts.sequential_colour(9, 9) == charts.SEQUENTIAL[-1]
    assert charts.sequential_colour(1, 9) == charts.SEQUENTIAL[1]  # anything above 0 shows
    assert charts.quartiles([1.0, 2.0, 3.0, 4.0, 5.0]) == (2.0, 3.0, 4.0)
    # the text shades and the automatic text colour reach WCAG AA on their background
    for colour, shade in charts.TEXT_SHADES.items():
        assert colour in charts.OKABE_ITO
        assert charts.contrast(shade, "#ffffff") >= 4.5, shade
    for fill in (*charts.OKABE_ITO, *charts.SEQUENTIAL, charts.OTHER):
        assert charts.contrast(charts.text_on(fill), fill) >= 4.5, fill


def test_stacked_bars_are_proportional_and_escaped() -> None:
    svg = charts.stacked_bars(
        "b",
        EVIL,
        "desc",
        [charts.Category("r1", EVIL), charts.Category("r2", "Midt")],
        [charts.Series("a", "A", "#0072B2"), charts.Series("b", "B", "#E69F00")],
        {"r1": {"a": 2, "b": 2}, "r2": {"a": 1}},
        "da",
    )
    assert "<script>" not in svg
    root = parse(svg)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "b-t b-d"
    assert root.find(f"{SVG}title").text == EVIL  # the text survives escaping unchanged
    segs = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "seg"]
    widths = [float(r.get("width")) for r in segs]
    assert len(segs) == 3
    plot_w = 560 - 130 - 64  # the longest bar (4) fills the plot: 2 is half of it, 1 a quarter
    assert widths == pytest.approx([plot_w / 2, plot_w / 2, plot_w / 4], abs=0.1)
    titles = [r.find(f"{SVG}title").text for r in segs]
    assert titles == [f"{EVIL} – A: 2", f"{EVIL} – B: 2", "Midt – A: 1"]
    totals = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "total"]
    assert totals == ["4", "1"]


def test_stacked_columns_axis_and_totals() -> None:
    svg = charts.stacked_columns(
        "c",
        "Funding",
        "desc",
        [charts.Category("2024", "2024"), charts.Category("2025", "2025")],
        [charts.Series("x", "X & Y", "#0072B2"), charts.Series("o", "Others", charts.OTHER)],
        {"2024": {"x": 30.0, "o": 10.0}, "2025": {"x": 72.8}},
        "en",
        value_format=lambda v: charts.fmt_number(v, "en", 1),
        axis_format=lambda v: charts.fmt_number(v, "en", 0),
    )
    root = parse(svg)
    ticks = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "tick"]
    assert ticks[:5] == ["0", "20", "40", "60", "80"] and ticks[5:] == ["2024", "2025"]
    totals = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "total"]
    assert totals == ["40.0", "72.8"]
    heights = [float(r.get("height")) for r in root.iter(f"{SVG}rect") if r.get("class") == "seg"]
    assert heights[0] == pytest.approx(3 * heights[1], rel=0.01)  # 30 vs 10
    assert "X &amp; Y" in svg


def test_line_chart_breaks_at_missing_values() -> None:
    svg = charts.line_chart(
        "l",
        "Trend",
        "desc",
        [2021, 2022, 2023, 2024],
        [charts.LineSeries(EVIL, [10, 20, None, 40], "#0072B2", marker="square")],
        "da",
    )
    root = parse(svg)
    assert len(root.findall(f".//{SVG}polyline")) == 1  # 2021–2022; 2024 alone
    marks = root.findall(f".//{SVG}rect")
    assert [m.find(f"{SVG}title").text for m in marks] == [
        f"{EVIL} 2021: 10,0",
        f"{EVIL} 2022: 20,0",
        f"{EVIL} 2024: 40,0",
    ]
    assert f"{EVIL} 40,0" in texts(root)  # the direct label at the right


def test_sparkline_and_progress() -> None:
    assert charts.sparkline([None, None], "x") == ""
    root = parse(charts.sparkline([1, None, 3, 4], EVIL))
    assert root.find(f"{SVG}title").text == EVIL
    assert len(root.findall(f"{SVG}polyline")) == 1
    bar = parse(charts.progress_bar(3, 7, "3 af 7 har svaret", width=140))
    fill = next(r for r in bar.iter(f"{SVG}rect") if r.get("class") == "progress-fill")
    assert float(fill.get("width")) == pytest.approx(60.0)
    assert bar.get("aria-label") == "3 af 7 har svaret"
    zero = parse(charts.progress_bar(0, 0, "ingen"))
    assert [r.get("width") for r in zero.iter(f"{SVG}rect")][1] == "0"


def test_dot_box_strip_quartiles_and_tooltips() -> None:
    points = [charts.StripPoint(v, f"{EVIL}: {v}", f"k{v}") for v in (0.0, 25.0, 50.0, 75.0, 100.0)]
    svg = charts.dot_box_strip(
        "s",
        "Comparison",
        "desc",
        [charts.StripRow("Brobygger", "#0072B2", points), charts.StripRow("Tom", "#E69F00")],
        "da",
        axis_label="Score",
        no_data="ingen data",
    )
    root = parse(svg)
    box = next(r for r in root.iter(f"{SVG}rect") if r.get("class") == "box")
    left, plot_w = 190, 760 - 190 - 24
    assert float(box.get("x")) == pytest.approx(left + plot_w * 0.25, abs=0.1)
    assert float(box.get("width")) == pytest.approx(plot_w * 0.5, abs=0.2)
    dots = [c.find(f"{SVG}title").text for c in root.iter(f"{SVG}circle")]
    assert dots == [f"{EVIL}: {v}" for v in (0.0, 25.0, 50.0, 75.0, 100.0)]
    assert "ingen data" in texts(root) and "n = 0" in texts(root)


def test_region_map_colours_regions_by_value() -> None:
    values = {"1081": 1, "1082": 2, "1083": 3, "1084": 9, "1085": 0}
    names = {"1081": "Nordjylland", "1082": "Midtjylland", "1083": EVIL, "1084": "Hovedstaden"}
    svg = charts.region_map(
        "m", "Kort", "desc", values, names, schematic_note="Skematisk kort – ikke målfast"
    )
    root = parse(svg)
    regions = {p.get("data-region"): p for p in root.iter(f"{SVG}path")}
    assert sorted(regions) == ["1081", "1082", "1083", "1084", "1085"]
    fills = {code: p.get("fill") for code, p in regions.items()}
    assert fills["1085"] == charts.SEQUENTIAL[0] and fills["1084"] == charts.SEQUENTIAL[-1]
    # darker (a later step of the scale) for more clusters
    steps = [charts.SEQUENTIAL.index(fills[c]) for c in ("1085", "1081", "1082", "1083", "1084")]
    assert steps == sorted(steps)
    assert regions["1083"].find(f"{SVG}title").text == f"{EVIL}: 3"
    # Bornholm is drawn in the inset as part of Hovedstaden (two rings in its path)
    assert regions["1084"].get("d").count("M") == 2
    assert "Skematisk kort – ikke målfast" in texts(root)
    assert "1085" in texts(root)  # a region without a name shows its code
