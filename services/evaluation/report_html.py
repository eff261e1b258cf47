"""The HTML report of the joint annual performance account (§4.1): one self-contained page.

§4.1 asks for one joint annual account of all clusters in the three leagues, compared within
each league and over the years. The JSON and CSV (``api/accounts.py``) are for systems; this
page is for people: per league a comparison chart (each function's composite per cluster as a
dot strip over its box plot, median marked), a trend chart (the league's median composites over
the years there are data for), the league's median of every indicator over the years as
sparklines, and a table of clusters with composites and coverage. Missing stays missing: it is
shown as "–", never as 0, and left out of the charts. The formula is printed as documented
(``rules.account.formula_text``). Danish by default, English with ``?lang=en``.

Built on the server: Jinja2 with autoescaping (``templates/account_report.html``), inline CSS,
charts as inline SVG drawn by ``shared.charts`` (no JavaScript, nothing fetched from
elsewhere). Every text that comes from data — cluster names above all — is escaped, in the SVG
too. Colours are the Okabe–Ito palette (distinguishable with the common colour-vision
deficiencies), and every series also differs by position, label or marker, not by colour alone.
Each chart has an SVG ``<title>``/``<desc>`` and each dot its own ``<title>``; tables have
captions and header scopes.

The data are the account service's (``service.account_report.account_report``, over
``service.accounts.account_view``): the published snapshot of a published year, a draft computed
now otherwise — the page says which. This module only draws them: no database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from services.evaluation.rules.account import OVERALL, formula_text
from services.evaluation.schemas.accounts import AccountCluster, AccountView, IndicatorOut
from services.evaluation.service.account_report import AccountReport
from shared import charts

Lang = Literal["da", "en"]
TEMPLATES = Path(__file__).resolve().parent / "templates"
MISSING = charts.MISSING

#: Okabe & Ito (2008), "Color Universal Design": safe for the common colour-vision deficiencies.
COLOURS = {
    "bridge_builder": "#0072B2",  # blue
    "regional_ecosystem": "#E69F00",  # orange
    "resources": "#009E73",  # bluish green
    OVERALL: "#000000",
}
#: Darker shades of the same hues for text (WCAG AA contrast ≥ 4.5 : 1 on white).
TEXT_COLOURS = {
    "bridge_builder": "#0072B2",
    "regional_ecosystem": "#8F5F00",
    "resources": "#007A5A",
    OVERALL: "#000000",
}
MARKERS = {"bridge_builder": "circle", "regional_ecosystem": "square", "resources": "diamond"}

LEAGUE_NAMES: dict[str, dict[Lang, str]] = {
    "world_class": {"da": "Klynger i verdensklasse", "en": "World-class clusters"},
    "national": {"da": "Nationale klynger", "en": "National clusters"},
    "emerging": {"da": "Spirende klynger", "en": "Emerging clusters"},
}
FUNCTION_NAMES: dict[str, dict[Lang, str]] = {
    "bridge_builder": {"da": "Brobygger", "en": "Bridge builder"},
    "regional_ecosystem": {"da": "Regionalt økosystem", "en": "Regional ecosystem"},
    "resources": {"da": "Ressourcer", "en": "Resources"},
    OVERALL: {"da": "Samlet", "en": "Overall"},
}

TEXT: dict[Lang, dict[str, str]] = {
    "da": {
        "title": "Fælles årligt performanceregnskab {year}",
        "subtitle": "Alle klynger i de tre ligaer, sammenlignet inden for deres liga (§4.1)",
        "draft": "Kladde",
        "draft_note": "Beregnet {when} ud fra de data, der er kommet ind; tallene kan ændre sig, "
        "indtil FIVU/RTI offentliggør regnskabet.",
        "published": "Offentliggjort",
        "published_note": "Offentliggjort {when} af {by}. Et offentliggjort regnskab ændres ikke.",
        "clusters": "klynger",
        "with_data": "med data",
        "indicators": "indikatorer",
        "contents": "Indhold",
        "comparison": "Sammenligning i ligaen",
        "comparison_desc": "Hver prik er en klynges sammensatte score (0–100) for en funktion; "
        "kassen spænder fra første til tredje kvartil, den tykke streg er medianen. "
        "Klynger uden score er udeladt.",
        "trend": "Udvikling",
        "trend_desc": "Ligaens median af de sammensatte scorer år for år. Scorerne er "
        "percentiler inden for ligaen, så medianen ligger af konstruktion nær 50; nøgletallene "
        "nedenfor viser, hvordan ligaens niveau udvikler sig.",
        "axis": "Sammensat score (gennemsnitlig percentil i ligaen, 0–100)",
        "trend_one_year": "Kun ét år med data indtil videre.",
        "key_figures": "Nøgletal: ligaens median år for år",
        "table": "Klynger",
        "table_caption": "{league} {year}: sammensatte scorer (0–100), under hver antallet af "
        "indikatorer med data; – betyder manglende data.",
        "with_data_col": "Med data",
        "cluster": "Klynge",
        "region": "Region",
        "percentile": "Percentil i ligaen (samlet)",
        "indicator": "Indikator",
        "median": "Median",
        "n": "n",
        "years": "År",
        "no_data": "ingen data",
        "no_clusters": "Ingen klynger i denne liga i {year}.",
        "formula": "Sådan regnes der",
        "formula_intro": "For hver indikator får en klynge en percentil inden for sin liga "
        "(mean-rank: andelen af klynger under den plus halvdelen af dem med samme værdi). "
        "En funktions score er gennemsnittet af klyngens percentiler for funktionens "
        "indikatorer med data (mindst {coverage} af dem), den samlede score gennemsnittet af "
        "funktionerne. For offentlig grundfinansiering tæller lavere som bedre (§4.3). "
        "Manglende data tæller aldrig som 0. Den dokumenterede formel (engelsk):",
        "downloads": "Data",
        "json": "JSON",
        "csv": "CSV",
        "language": "Sprog",
        "source": "Kilde: Klyngeforum, evalueringstjenesten. Siden er genereret {when}.",
        "unit_dkk": "kr.",
        "coverage": "dækning",
        "min": "min",
        "max": "maks",
    },
    "en": {
        "title": "Joint annual performance account {year}",
        "subtitle": "All clusters in the three leagues, compared within their league (§4.1)",
        "draft": "Draft",
        "draft_note": "Computed {when} from the data received so far; the figures may change "
        "until FIVU/RTI publishes the account.",
        "published": "Published",
        "published_note": "Published {when} by {by}. A published account does not change.",
        "clusters": "clusters",
        "with_data": "with data",
        "indicators": "indicators",
        "contents": "Contents",
        "comparison": "Comparison within the league",
        "comparison_desc": "Each dot is one cluster's composite score (0–100) for a function; "
        "the box spans the first to the third quartile, the thick line is the median. "
        "Clusters without a score are left out.",
        "trend": "Trend",
        "trend_desc": "The league's median composite scores year by year. The scores are "
        "percentiles within the league, so the median stays near 50 by construction; the key "
        "figures below show how the league's level moves over time.",
        "axis": "Composite score (mean percentile within the league, 0–100)",
        "trend_one_year": "Only one year with data so far.",
        "key_figures": "Key figures: the league's median year by year",
        "table": "Clusters",
        "table_caption": "{league} {year}: composite scores (0–100), under each the number of "
        "indicators with data; – means missing data.",
        "with_data_col": "With data",
        "cluster": "Cluster",
        "region": "Region",
        "percentile": "Percentile in the league (overall)",
        "indicator": "Indicator",
        "median": "Median",
        "n": "n",
        "years": "Years",
        "no_data": "no data",
        "no_clusters": "No clusters in this league in {year}.",
        "formula": "How it is computed",
        "formula_intro": "For each indicator a cluster gets a percentile within its league "
        "(mean rank: the share of clusters below it plus half of those with the same value). "
        "A function's score is the mean of the cluster's percentiles over the function's "
        "indicators with data (at least {coverage} of them), the overall score the mean of the "
        "functions. For public base funding lower counts as better (§4.3). Missing data never "
        "counts as 0. The documented formula:",
        "downloads": "Data",
        "json": "JSON",
        "csv": "CSV",
        "language": "Language",
        "source": "Source: Klyngeforum, evaluation service. Page generated {when}.",
        "unit_dkk": "DKK",
        "coverage": "coverage",
        "min": "min",
        "max": "max",
    },
}

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"], default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


# --- numbers ----------------------------------------------------------------------------------


def fmt(value: float | int | None, lang: Lang, digits: int = 1) -> str:
    """A number the way the language writes it (1.234,5 / 1,234.5); missing → "–"."""
    return charts.fmt_number(value, lang, digits)


def fmt_value(value: float | int | None, unit: str, lang: Lang) -> str:
    if value is None:
        return MISSING
    if unit == "share":
        return fmt(100 * value, lang, 1) + " %"
    digits = 0 if float(value).is_integer() or abs(value) >= 100 else 1
    text = fmt(value, lang, digits)
    if unit == "dkk":
        return f"{text} kr." if lang == "da" else f"DKK {text}"
    return text


# --- SVG (drawn by shared.charts) -------------------------------------------------------------


def comparison_svg(
    league: str,
    clusters: Sequence[AccountCluster],
    functions: Sequence[str],
    lang: Lang,
) -> Markup:
    """Dot strip over a box plot: one row per function (and overall), composites 0–100."""
    tx = TEXT[lang]
    rows = []
    for key in functions:
        points = [
            charts.StripPoint(
                comp.value, f"{c.name}: {fmt(comp.value, lang)}", f"{c.cluster_id}/{key}"
            )
            for c in clusters
            if (comp := c.composites.get(key)) is not None and comp.value is not None
        ]
        rows.append(
            charts.StripRow(
                label=FUNCTION_NAMES.get(key, {}).get(lang, key),
                colour=COLOURS.get(key, "#555555"),
                points=points,
                bold=key == OVERALL,
            )
        )
    name = LEAGUE_NAMES.get(league, {}).get(lang, league)
    return charts.dot_box_strip(
        f"cmp-{league}",
        f"{tx['comparison']}: {name}",
        tx["comparison_desc"],
        rows,
        lang,
        axis_label=tx["axis"],
        no_data=tx["no_data"],
        median_label=tx["median"],
        n_label=tx["n"],
    )


def trend_svg(
    league: str,
    years: Sequence[int],
    series: dict[str, list[float | None]],
    lang: Lang,
) -> Markup:
    """Lines of the league's median composites per function (and overall) over the years."""
    tx = TEXT[lang]
    name = LEAGUE_NAMES.get(league, {}).get(lang, league)
    lines = [
        charts.LineSeries(
            label=FUNCTION_NAMES.get(key, {}).get(lang, key),
            values=values,
            colour=COLOURS.get(key, "#555555"),
            text_colour=TEXT_COLOURS.get(key, "#333333"),
            marker=MARKERS.get(key, "circle"),
            stroke=3.2 if key == OVERALL else 2,
        )
        for key, values in series.items()
    ]
    return charts.line_chart(
        f"trend-{league}",
        f"{tx['trend']}: {name}",
        tx["trend_desc"],
        years,
        lines,
        lang,
        one_point_note=tx["trend_one_year"],
    )


def sparkline(years: Sequence[int], values: Sequence[float | None], label: str) -> Markup:
    """A small line of one indicator's league median over the years (gaps where missing)."""
    return charts.sparkline(values, label)


# --- the page ---------------------------------------------------------------------------------


@dataclass
class Row:
    name: str
    region: str
    composites: list[tuple[str, str]]  # (value, "present/total") per function + overall
    percentile: str
    missing_overall: bool


@dataclass
class KeyFigure:
    name: str
    median: str
    with_data: str
    spark: Markup


@dataclass
class LeagueSection:
    key: str
    name: str
    clusters: int
    with_data: int
    comparison: Markup
    trend: Markup
    rows: list[Row] = field(default_factory=list)
    key_figures: list[KeyFigure] = field(default_factory=list)
    caption: str = ""


def _rows(clusters: Sequence[AccountCluster], functions: Sequence[str], lang: Lang) -> list[Row]:
    def order(c: AccountCluster) -> tuple[int, float, str]:
        comp = c.composites.get(OVERALL)
        v = comp.value if comp is not None else None
        return (v is None, -(v or 0.0), c.name.casefold())

    rows = []
    for c in sorted(clusters, key=order):
        cells = []
        for key in functions:
            comp = c.composites.get(key)
            if comp is None:
                cells.append((MISSING, ""))
            else:
                cells.append((fmt(comp.value, lang), f"{comp.present}/{comp.total}"))
        overall = c.composites.get(OVERALL)
        rows.append(
            Row(
                name=c.name,
                region=c.region_name or c.region_code or MISSING,
                composites=cells,
                percentile=fmt(overall.percentile if overall else None, lang, 0),
                missing_overall=overall is None or overall.value is None,
            )
        )
    return rows


def _key_figures(
    league: str,
    indicators: Sequence[IndicatorOut],
    years: Sequence[int],
    views: dict[int, AccountView],
    lang: Lang,
) -> list[KeyFigure]:
    out = []
    this_year = years[-1]
    for ind in indicators:
        medians: list[float | None] = []
        for y in years:
            summary = next((lg for lg in views[y].leagues if lg.league == league), None)
            s = summary.indicators.get(ind.code) if summary else None
            medians.append(s.median if s is not None and s.with_data else None)
        current = next((lg for lg in views[this_year].leagues if lg.league == league), None)
        cs = current.indicators.get(ind.code) if current else None
        name = ind.name_da if lang == "da" else ind.name_en
        label = f"{name}: " + ", ".join(
            f"{y} {fmt_value(m, ind.unit, lang)}" for y, m in zip(years, medians, strict=True)
        )
        out.append(
            KeyFigure(
                name=name,
                median=fmt_value(medians[-1], ind.unit, lang),
                with_data=f"{cs.with_data if cs else 0}/{current.clusters if current else 0}",
                spark=sparkline(years, medians, label),
            )
        )
    return out


def render_account_report(
    report: AccountReport, today: date, lang: Lang = "da", *, base_path: str = ""
) -> str:
    """The page of ``report.year`` (``service.account_report.account_report`` loads it)."""
    year, view, years, views = report.year, report.view, report.years, report.views
    tx = TEXT[lang]
    functions = list(view.functions)  # the functions and OVERALL, in display order
    sections = []
    for summary in view.leagues:
        league = summary.league
        members = [c for c in view.clusters if c.league == league]
        series: dict[str, list[float | None]] = {}
        for key in functions:
            line: list[float | None] = []
            for y in years:
                s = next((lg for lg in views[y].leagues if lg.league == league), None)
                comp = s.composites.get(key) if s else None
                line.append(comp.median if comp is not None else None)
            series[key] = line
        name = LEAGUE_NAMES.get(league, {}).get(lang, league)
        sections.append(
            LeagueSection(
                key=league,
                name=name,
                clusters=summary.clusters,
                with_data=summary.clusters_with_data,
                comparison=comparison_svg(league, members, functions, lang),
                trend=trend_svg(league, years, series, lang),
                rows=_rows(members, functions, lang),
                key_figures=_key_figures(league, view.indicators, years, views, lang),
                caption=tx["table_caption"].format(league=name, year=year),
            )
        )

    def when(d: date | None) -> str:
        if d is None:
            return MISSING
        return d.strftime("%d.%m.%Y") if lang == "da" else d.strftime("%d %B %Y")

    if view.state == "published":
        state_note = tx["published_note"].format(
            when=when(view.published_at.date() if view.published_at else None),
            by=view.published_by or MISSING,
        )
    else:
        state_note = tx["draft_note"].format(when=when(view.computed_at.date()))
    template = _env.get_template("account_report.html")
    return template.render(
        lang=lang,
        t=tx,
        year=year,
        view=view,
        state_label=tx["published"] if view.state == "published" else tx["draft"],
        state_note=state_note,
        published_on=when(view.published_at.date()) if view.published_at else None,
        sections=sections,
        functions=[(k, FUNCTION_NAMES.get(k, {}).get(lang, k), COLOURS.get(k)) for k in functions],
        formula=formula_text(),
        formula_intro=tx["formula_intro"].format(coverage=f"{view.min_coverage * 100:.0f} %"),
        clusters_total=view.clusters_total,
        indicator_count=len(view.indicators),
        years=years,
        json_url=f"{base_path}/evaluation/v1/accounts/{year}",
        csv_url=f"{base_path}/evaluation/v1/accounts/{year}.csv",
        generated=when(today),
        missing=MISSING,
    )
