"""The dashboard's cards shaped for the page: texts, charts and tables in Danish or English
from what ``service.dashboard_data`` gathered (``templates/cards/<name>.html`` render them).

A card whose source failed says which service and why; a card with no data says so. Each
card also tells the browser when to fetch it again: after which public events
(:data:`REFRESH_ON`) or every so often (:data:`REFRESH_EVERY`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from services.gateway.service import feed
from services.gateway.service.dashboard_data import ACTIVE_CALL_STATES, Gathered
from services.gateway.service.texts import (
    CALL_STATES,
    FUNCTIONS,
    LEAGUE_CODES,
    LEAGUES,
    REGION_CODES,
    REGIONS,
    SERVICE_NAMES,
    TEXT,
    Lang,
    label,
)
from shared import charts

#: The service each card reads (named when it fails).
SOURCES = {
    "clusters": "registry",
    "funding": "funding",
    "calls": "funding",
    "flows": "gateway",
    "account": "evaluation",
    "feed": "gateway",
}
#: Event types (prefixes) after which the browser fetches a card again.
REFRESH_ON = {
    "clusters": ("registry.cluster.",),
    "funding": ("funding.grant.",),
    "calls": ("funding.call.", "funding.dialogue."),
    "account": ("evaluation.account.",),
}
#: Cards the browser fetches again every so often (their events are not public).
REFRESH_EVERY = {"flows": 60}

FUNDING_TOP = 5
CALLS_SHOWN = 8
ACCOUNT_INDICATORS = 8
LEAGUE_COLOURS = {"world_class": "#0072B2", "national": "#E69F00", "emerging": "#009E73"}


@dataclass
class CardView:
    name: str
    title: str
    error: str | None = None
    lead: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    refresh_on: tuple[str, ...] = ()
    refresh_every: int = 0


def error_text(name: str, reason: str, lang: Lang) -> str:
    service = label(SERVICE_NAMES, SOURCES[name], lang)
    return TEXT[lang]["card_failed_detail"].format(service=service, reason=reason)


def _mdkk(value: float, lang: Lang, digits: int = 1) -> str:
    return charts.fmt_number(value / 1_000_000, lang, digits)


def clusters_view(g: Gathered, lang: Lang) -> CardView:
    tx = TEXT[lang]
    view = CardView("clusters", tx["clusters_title"])
    if g.error:
        view.error = error_text("clusters", g.error, lang)
        return view
    counts: dict[str, dict[str, int]] = g.data["counts"]
    totals = {code: sum(counts.get(code, {}).values()) for code in REGION_CODES}
    names = {code: label(REGIONS, code, lang) for code in REGION_CODES}
    tips = {}
    for code in REGION_CODES:
        parts = [
            f"{label(LEAGUES, lg, lang)} {counts.get(code, {}).get(lg, 0)}" for lg in LEAGUE_CODES
        ]
        tips[code] = f"{names[code]}: {totals[code]} ({', '.join(parts)})"
    view.lead = tx["clusters_lead"].format(total=g.data["total"])
    view.data["map"] = charts.region_map(
        "map-regions",
        tx["map_title"],
        tx["map_desc"],
        totals,
        names,
        tooltips=tips,
        schematic_note=tx["map_note"],
        legend_label=tx["map_legend"],
    )
    categories = [charts.Category(code, names[code]) for code in REGION_CODES]
    series = [
        charts.Series(lg, label(LEAGUES, lg, lang), LEAGUE_COLOURS[lg]) for lg in LEAGUE_CODES
    ]
    view.data["bars"] = charts.stacked_bars(
        "league-bars",
        tx["league_bars_title"],
        tx["league_bars_desc"],
        categories,
        series,
        counts,
        lang,
        width=420,
        left=128,
        row_h=36,
    )
    view.data["table"] = {
        "columns": [label(LEAGUES, lg, lang) for lg in LEAGUE_CODES],
        "rows": [
            (names[code], [counts.get(code, {}).get(lg, 0) for lg in LEAGUE_CODES], totals[code])
            for code in REGION_CODES
        ],
    }
    view.refresh_on = REFRESH_ON["clusters"]
    return view


def funding_view(g: Gathered, lang: Lang) -> CardView:
    tx = TEXT[lang]
    view = CardView("funding", tx["funding_title"], refresh_on=REFRESH_ON["funding"])
    if g.error:
        view.error = error_text("funding", g.error, lang)
        return view
    years: list[int] = g.data["years"]
    amounts: dict[int, dict[str, float]] = g.data["amounts"]
    names: dict[str, str] = g.data["names"]
    view.lead = tx["funding_lead"].format(
        grants=g.data["grants"],
        year=g.data["this_year"],
        amount=tx["amount_mdkk"].format(value=_mdkk(g.data["this_year_total"], lang)),
    )
    if not years:
        return view
    by_funder: dict[str, float] = defaultdict(float)
    for y in years:
        for funder, amount in amounts[y].items():
            by_funder[funder] += amount
    ranked = sorted(by_funder, key=lambda f: (-by_funder[f], names.get(f, f)))
    # six funders fit; from seven on, the smaller ones go together as "others"
    top = ranked if len(ranked) <= FUNDING_TOP + 1 else ranked[:FUNDING_TOP]
    rest = [f for f in ranked if f not in top]
    series = [charts.Series(f, names.get(f, f), charts.OKABE_ITO[i % 6]) for i, f in enumerate(top)]
    if rest:
        series.append(charts.Series("_others", tx["others"], charts.OTHER))
    values: dict[str, dict[str, float]] = {}
    for y in years:
        row = {f: amounts[y].get(f, 0.0) / 1_000_000 for f in top}
        if rest:
            row["_others"] = sum(amounts[y].get(f, 0.0) for f in rest) / 1_000_000
        values[str(y)] = row
    categories = [charts.Category(str(y), str(y)) for y in years]

    def axis(v: float) -> str:
        return charts.fmt_number(v, lang, 0 if float(v).is_integer() else 1)

    view.data["chart"] = charts.stacked_columns(
        "funding-years",
        tx["funding_title"],
        tx["funding_chart_desc"],
        categories,
        series,
        values,
        lang,
        value_format=lambda v: charts.fmt_number(v, lang, 1),
        axis_format=axis,
        axis_label=tx["mdkk"],
    )
    view.data["table"] = {
        "columns": [str(y) for y in years],
        "rows": [
            (s.label, [charts.fmt_number(values[str(y)].get(s.key, 0.0), lang, 1) for y in years])
            for s in series
        ],
        "totals": [charts.fmt_number(sum(values[str(y)].values()), lang, 1) for y in years],
    }
    return view


def calls_view(g: Gathered, lang: Lang) -> CardView:
    tx = TEXT[lang]
    view = CardView("calls", tx["calls_title"], refresh_on=REFRESH_ON["calls"])
    if g.error:
        view.error = error_text("calls", g.error, lang)
        return view
    calls: list[dict[str, Any]] = g.data["calls"]
    names: dict[str, str] = g.data["names"]
    by_state = {s: sum(1 for c in calls if c.get("state") == s) for s in ACTIVE_CALL_STATES}
    view.lead = tx["calls_lead"].format(**by_state)
    order = {s: i for i, s in enumerate(ACTIVE_CALL_STATES)}
    ordered = sorted(calls, key=lambda c: (order.get(c["state"], 9), c["closes_on"], c["id"]))
    items = []
    for c in ordered[:CALLS_SHOWN]:
        dialogue = c.get("dialogue")
        progress = None
        if dialogue and dialogue.get("parties"):
            asked, answered = len(dialogue["parties"]), len(dialogue.get("answered") or [])
            text = tx["dialogue_progress"].format(answered=answered, asked=asked)
            progress = {
                "text": text,
                "bar": charts.progress_bar(answered, asked, text),
                "deadline": feed.format_date(dialogue["deadline"], lang)
                if dialogue.get("deadline")
                else None,
                "closed": bool(dialogue.get("closed_at")),
            }
        tags = [tx.get(c.get("scope", ""), c.get("scope", "")), tx.get(c.get("kind", ""), "")]
        if c.get("strategic"):
            tags.append(tx["strategic"])
        items.append(
            {
                "id": c["id"],
                "title": c["title"],
                "funder": names.get(c["funder_id"], c["funder_id"]),
                "state": c["state"],
                "state_label": label(CALL_STATES, c["state"], lang),
                "budget": tx["amount_mdkk"].format(value=_mdkk(c["budget_dkk"], lang)),
                "opens": tx["opens"].format(date=feed.format_date(c["opens_on"], lang)),
                "closes": tx["closes"].format(date=feed.format_date(c["closes_on"], lang)),
                "tags": [t for t in tags if t],
                "dialogue": progress,
            }
        )
    view.data["items"] = items
    view.data["more"] = max(0, len(ordered) - CALLS_SHOWN)
    return view


def flows_view(g: Gathered, lang: Lang) -> CardView:
    tx = TEXT[lang]
    view = CardView("flows", tx["flows_title"], refresh_every=REFRESH_EVERY["flows"])
    if g.error:
        view.error = error_text("flows", g.error, lang)
        return view
    # region codes as they are; anything else (a recipient without a region) as ""
    matrix: dict[str, dict[str, int]] = {}
    for f, row in g.data["matrix"].items():
        for r, n in row.items():
            fk, rk = (f if f in REGIONS else ""), (r if r in REGIONS else "")
            matrix.setdefault(fk, {})[rk] = matrix.get(fk, {}).get(rk, 0) + n
    total = sum(n for row in matrix.values() for n in row.values())
    cross = sum(n for f, row in matrix.items() for r, n in row.items() if f and r and f != r)
    share = f"{charts.fmt_number(100 * cross / total, lang, 0)} %" if total else charts.MISSING
    if total:
        view.lead = tx["flows_lead"].format(total=total, share=share)
    columns = list(REGION_CODES) + ([""] if any("" in row for row in matrix.values()) else [])
    row_codes = list(REGION_CODES) + ([""] if "" in matrix else [])
    maximum = max((n for row in matrix.values() for n in row.values()), default=0)

    def name(code: str) -> str:
        return label(REGIONS, code, lang) if code else tx["unknown"]

    rows: list[dict[str, Any]] = []
    for f in row_codes:
        cells: list[dict[str, Any]] = []
        for r in columns:
            n = matrix.get(f, {}).get(r, 0)
            cells.append({"n": n, "level": charts.heat_level(n, maximum), "diagonal": f == r})
        rows.append({"name": name(f), "cells": cells, "total": sum(c["n"] for c in cells)})
    view.data["columns"] = [name(c) for c in columns]
    view.data["rows"] = rows
    view.data["col_totals"] = [sum(r["cells"][i]["n"] for r in rows) for i in range(len(columns))]
    view.data["total"] = total
    return view


def account_view(g: Gathered, lang: Lang) -> CardView:
    tx = TEXT[lang]
    view = CardView("account", tx["account_title"], refresh_on=REFRESH_ON["account"])
    if g.error:
        view.error = error_text("account", g.error, lang)
        return view
    data = g.data
    if not data:
        return view
    published = data["state"] == "published"
    state = (
        tx["published"].format(date=feed.format_date(data["published_at"], lang))
        if published and data.get("published_at")
        else tx["draft"]
    )
    view.lead = tx["account_lead"].format(
        year=data["year"], state=state, clusters=data["clusters_total"]
    )
    leagues = list(data["leagues"])
    view.data["year"] = data["year"]
    view.data["draft"] = not published

    def median(lg: dict[str, Any], key: str) -> float | None:
        value = ((lg.get("composites") or {}).get(key) or {}).get("median")
        return float(value) if value is not None else None

    # a function whose composite is missing in every league is left out (missing is not 0)
    functions = [
        f
        for f in data["functions"]
        if f != "overall" and any(median(lg, f) is not None for lg in leagues)
    ]
    view.data["functions"] = [label(FUNCTIONS, f, lang) for f in functions]
    view.data["leagues"] = [
        {
            "name": label(LEAGUES, lg["league"], lang),
            "key": lg["league"],
            "clusters": lg["clusters"],
            "with_data": lg["clusters_with_data"],
            "overall": charts.fmt_number(median(lg, "overall"), lang),
            "functions": [charts.fmt_number(median(lg, f), lang) for f in functions],
        }
        for lg in leagues
    ]
    indicators = []
    for ind in data["indicators"]:
        medians = []
        any_data = False
        for lg in leagues:
            s = (lg.get("indicators") or {}).get(ind["code"]) or {}
            m = s.get("median") if s.get("with_data") else None
            any_data = any_data or m is not None
            medians.append(_indicator_value(m, ind.get("unit", "count"), lang))
        if any_data:
            name = ind.get("name_da") if lang == "da" else ind.get("name_en")
            indicators.append({"name": name or ind["code"], "medians": medians})
    view.data["indicators"] = indicators[:ACCOUNT_INDICATORS]
    view.data["report_url"] = f"/evaluation/v1/accounts/{data['year']}/report.html" + (
        "?lang=en" if lang == "en" else ""
    )
    return view


def _indicator_value(value: float | None, unit: str, lang: Lang) -> str:
    if value is None:
        return charts.MISSING
    if unit == "share":
        return charts.fmt_number(100 * value, lang, 1) + " %"
    if unit == "dkk":
        return TEXT[lang]["amount_mdkk"].format(value=_mdkk(value, lang))
    digits = 0 if float(value).is_integer() or abs(value) >= 100 else 1
    return charts.fmt_number(value, lang, digits)


SHAPERS: dict[str, Callable[[Gathered, Lang], CardView]] = {
    "clusters": clusters_view,
    "funding": funding_view,
    "calls": calls_view,
    "flows": flows_view,
    "account": account_view,
}
