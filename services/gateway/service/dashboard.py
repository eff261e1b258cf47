"""The dashboard at ``/``: gathering each card's data and shaping it for the page.

Six cards, each from public data only (the page works without an account):

- **clusters**: active clusters per home region and league — the registry's public list
  (``GET /registry/v1/clusters``, every page);
- **funding**: grants per calendar year and funder — the funding service's public grants
  (``GET /funding/v1/grants``), each spread over the years by days as the funding service's
  own timelines do (a terminated grant stops on its termination day);
- **calls**: planned, in-dialogue and open calls with their dialogue's progress
  (``GET /funding/v1/calls?state=…``);
- **flows**: referrals between regions in the last 12 months — counted from the gateway's own
  event log (``referrals.referral.sent`` carries the firm's and the recipient's region, no
  personal data; the counts reveal nothing about a firm or a person);
- **account**: the latest published performance account, else the latest draft, by league
  (``GET /evaluation/v1/accounts`` and ``/accounts/{year}``);
- **feed**: the newest public events (``service.feed``), continued live by the browser.

Cards are gathered concurrently, each with the upstream timeout, and kept for
``GATEWAY_DASHBOARD_CACHE_SECONDS`` (one gathering at a time per card, so a busy page does not
hammer the services). A card whose source fails says so; the page never fails for it.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import structlog
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.gateway.models import LoggedEvent, directory
from services.gateway.service import feed
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
from services.gateway.service.upstream import Upstream, UpstreamError, open_upstream
from shared import charts
from shared.directory import lookup_organisations
from shared.reference import reference_parties

log = structlog.get_logger("gateway.dashboard")

CARDS = ("clusters", "funding", "calls", "flows", "account", "feed")
#: The cards whose data are kept for a few seconds (the feed is always read fresh).
CACHED_CARDS = ("clusters", "funding", "calls", "flows", "account")
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
FUNDING_YEARS = 10
CALLS_SHOWN = 8
ACCOUNT_INDICATORS = 8
ACTIVE_CALL_STATES = ("open", "in_dialogue", "planned")
_SHORT_NAMES = {p.id: p.short_name for p in reference_parties() if p.short_name}
LEAGUE_COLOURS = {"world_class": "#0072B2", "national": "#E69F00", "emerging": "#009E73"}


# --- gathering ------------------------------------------------------------------------------


@dataclass
class Gathered:
    """One card's data, or why there are none."""

    data: Any = None
    error: str | None = None
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass
class _Entry:
    gathered: Gathered
    expires: float


class DashboardCache:
    """Each card's last gathering, kept ``ttl`` seconds; one gathering per card at a time."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self._locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def get(self, name: str, ttl: float, load: Callable[[], Awaitable[Gathered]]) -> Gathered:
        entry = self._entries.get(name)
        if entry and entry.expires > time.monotonic():
            return entry.gathered
        async with self._locks[name]:
            entry = self._entries.get(name)
            if entry and entry.expires > time.monotonic():
                return entry.gathered
            gathered = await load()
            self._entries[name] = _Entry(gathered, time.monotonic() + ttl)
            return gathered

    def clear(self) -> None:
        self._entries.clear()


def cache_of(app: FastAPI) -> DashboardCache:
    cache = getattr(app.state, "dashboard_cache", None)
    if cache is None:
        cache = app.state.dashboard_cache = DashboardCache()
    return cache


async def _names(factory: async_sessionmaker[AsyncSession], ids: set[str]) -> dict[str, str]:
    """Organisation names (short names for the well-known parties) from the directory."""
    async with factory() as session:
        found = await lookup_organisations(session, directory, ids)
    return {i: _SHORT_NAMES.get(i) or (found[i].name if i in found else i) for i in ids}


async def gather_clusters(up: Upstream) -> dict[str, Any]:
    items = await up.all_items("/registry/v1/clusters")
    counts: dict[str, dict[str, int]] = {code: {} for code in REGION_CODES}
    for c in items:
        region = c.get("home_region_code")
        row = counts.setdefault(region if region in counts else "", {})
        row[c.get("league") or ""] = row.get(c.get("league") or "", 0) + 1
    return {"counts": counts, "total": len(items)}


def per_year(grant: dict[str, Any]) -> dict[int, float]:
    """A grant's amount over its planned days by calendar year; a terminated grant stops on
    its termination day (as the funding service's timelines, ``funding/timeline.py``)."""
    starts, ends = date.fromisoformat(grant["starts_on"]), date.fromisoformat(grant["ends_on"])
    last = ends
    if grant.get("terminated_on"):
        last = min(ends, date.fromisoformat(grant["terminated_on"]))
    total_days = (ends - starts).days + 1
    out: dict[int, float] = {}
    for year in range(starts.year, last.year + 1):
        start, end = max(starts, date(year, 1, 1)), min(last, date(year, 12, 31))
        if end >= start:
            out[year] = grant["amount_dkk"] * ((end - start).days + 1) / total_days
    return out


async def gather_funding(
    up: Upstream, factory: async_sessionmaker[AsyncSession], today: date
) -> dict[str, Any]:
    grants = await up.all_items("/funding/v1/grants")
    amounts: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for g in grants:
        for year, amount in per_year(g).items():
            amounts[year][g["funder_id"]] += amount
    years = sorted(y for y, row in amounts.items() if sum(row.values()) > 0)
    if len(years) > FUNDING_YEARS:
        window = [y for y in years if today.year - 6 <= y <= today.year + 3]
        years = window or years[-FUNDING_YEARS:]
    funders = {f for y in years for f in amounts[y]}
    names = await _names(factory, funders)
    return {
        "grants": len(grants),
        "years": years,
        "amounts": {y: dict(amounts[y]) for y in years},
        "names": names,
        "this_year": today.year,
        "this_year_total": sum(amounts[today.year].values()) if today.year in amounts else 0.0,
    }


async def gather_calls(up: Upstream, factory: async_sessionmaker[AsyncSession]) -> dict[str, Any]:
    pages = await asyncio.gather(
        *(up.all_items("/funding/v1/calls", {"state": s}) for s in ACTIVE_CALL_STATES)
    )
    calls = [c for page in pages for c in page]
    names = await _names(factory, {c["funder_id"] for c in calls})
    return {"calls": calls, "names": names}


async def gather_account(up: Upstream) -> dict[str, Any] | None:
    years = (await up.get_json("/evaluation/v1/accounts")).get("items") or []
    if not years:
        return None
    published = [y for y in years if y.get("state") == "published"]
    chosen = max(published or years, key=lambda y: y["year"])
    view = await up.get_json(f"/evaluation/v1/accounts/{chosen['year']}", {"limit": 1})
    return {
        "year": view["year"],
        "state": view["state"],
        "published_at": view.get("published_at"),
        "clusters_total": view.get("clusters_total", 0),
        "functions": view.get("functions", []),
        "indicators": view.get("indicators", []),
        "leagues": view.get("leagues", []),
    }


async def gather_flows(factory: async_sessionmaker[AsyncSession], now: datetime) -> dict[str, Any]:
    """Referrals sent in the last 12 months by (firm's region, recipient's region), counted
    in the database (the events carry regions, no personal data)."""
    firm = LoggedEvent.envelope[("data", "firm_region_code")].as_string()
    recipient = LoggedEvent.envelope[("data", "recipient_region_code")].as_string()
    stmt = (
        select(firm, recipient, func.count())
        .where(
            LoggedEvent.type == "referrals.referral.sent",
            LoggedEvent.time >= now - timedelta(days=365),
        )
        .group_by(firm, recipient)
    )
    async with factory() as session:
        rows = (await session.execute(stmt)).all()
    matrix: dict[str, dict[str, int]] = {}
    for f, r, n in rows:
        matrix.setdefault(f or "", {})[r or ""] = int(n)
    return {"matrix": matrix}


async def gather(app: FastAPI, names: tuple[str, ...] = CACHED_CARDS) -> dict[str, Gathered]:
    """The cards' data (from the cache while fresh), gathered concurrently."""
    settings = app.state.settings
    factory = app.state.session_factory
    cache = cache_of(app)
    now = datetime.now(UTC)

    async def one(name: str) -> Gathered:
        async def load() -> Gathered:
            try:
                async with open_upstream(app) as up:
                    if name == "clusters":
                        data: Any = await gather_clusters(up)
                    elif name == "funding":
                        data = await gather_funding(up, factory, now.date())
                    elif name == "calls":
                        data = await gather_calls(up, factory)
                    elif name == "account":
                        data = await gather_account(up)
                    else:
                        data = await gather_flows(factory, now)
                return Gathered(data=data)
            except UpstreamError as exc:
                log.warning("dashboard_card_failed", card=name, reason=str(exc))
                return Gathered(error=exc.reason)
            except Exception as exc:  # a card never fails the page
                log.exception("dashboard_card_failed", card=name)
                return Gathered(error=type(exc).__name__)

        deadline = settings.upstream_timeout_seconds * 3

        async def bounded() -> Gathered:
            try:
                return await asyncio.wait_for(load(), deadline)
            except TimeoutError:
                return Gathered(error="timed out")

        return await cache.get(name, settings.dashboard_cache_seconds, bounded)

    results = await asyncio.gather(*(one(n) for n in names))
    return dict(zip(names, results, strict=True))


# --- shaping --------------------------------------------------------------------------------


@dataclass
class CardView:
    name: str
    title: str
    error: str | None = None
    lead: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    refresh_on: tuple[str, ...] = ()
    refresh_every: int = 0


def _error_text(name: str, reason: str, lang: Lang) -> str:
    service = label(SERVICE_NAMES, SOURCES[name], lang)
    return TEXT[lang]["card_failed_detail"].format(service=service, reason=reason)


def _mdkk(value: float, lang: Lang, digits: int = 1) -> str:
    return charts.fmt_number(value / 1_000_000, lang, digits)


def clusters_view(g: Gathered, lang: Lang) -> CardView:
    tx = TEXT[lang]
    view = CardView("clusters", tx["clusters_title"])
    if g.error:
        view.error = _error_text("clusters", g.error, lang)
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
        view.error = _error_text("funding", g.error, lang)
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
        view.error = _error_text("calls", g.error, lang)
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
        view.error = _error_text("flows", g.error, lang)
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
        view.error = _error_text("account", g.error, lang)
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


async def feed_view(app: FastAPI, lang: Lang) -> CardView:
    tx = TEXT[lang]
    view = CardView("feed", tx["feed_title"], lead=tx["feed_lead"])
    try:
        async with app.state.session_factory() as session:
            items = await feed.newest_public(session, lang)
    except Exception as exc:  # the feed never fails the page
        log.exception("dashboard_feed_failed")
        view.error = _error_text("feed", type(exc).__name__, lang)
        items = []
    view.data["items"] = items
    view.data["after"] = max((i.seq for i in items), default=0)
    view.data["types"] = " ".join(feed.public_types())
    view.data["labels"] = {t: feed.type_label(t, lang) for t in feed.public_types()}
    return view


async def card_views(
    app: FastAPI, lang: Lang, names: tuple[str, ...] = CARDS
) -> dict[str, CardView]:
    """The views of ``names`` (default: every card), in that order."""
    gathered = await gather(app, tuple(n for n in names if n in SHAPERS))
    views: dict[str, CardView] = {}
    for name in names:
        if name == "feed":
            views[name] = await feed_view(app, lang)
        else:
            views[name] = SHAPERS[name](gathered[name], lang)
    return views
