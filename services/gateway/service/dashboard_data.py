"""The dashboard's data: each card's gathering from the other services' public APIs and the
gateway's own tables, and the short-lived cache in front of it (``service.dashboard``).

- **clusters**: the registry's public list (``GET /registry/v1/clusters``, every page),
  counted per home region and league;
- **funding**: the funding service's public grants (``GET /funding/v1/grants``), each spread
  over the calendar years by ``shared.money.split_by_year`` — the same split as funding's
  timelines and evaluation's account (a terminated grant stops on its termination day);
- **calls**: planned, in-dialogue and open calls (``GET /funding/v1/calls?state=…``);
- **flows**: referrals sent in the last 12 months by region pair, counted in the gateway's own
  event log (``referrals.referral.sent`` carries regions, no personal data);
- **account**: the latest published performance account, else the latest draft
  (``GET /evaluation/v1/accounts`` and ``/accounts/{year}``).

Cards are gathered concurrently, each with the upstream timeout, and kept for
``GATEWAY_DASHBOARD_CACHE_SECONDS`` (one gathering at a time per card, so a busy page does not
hammer the services). A card whose source fails is a :class:`Gathered` with the reason.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import structlog
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.gateway.models import LoggedEvent, directory
from services.gateway.service.texts import REGION_CODES
from services.gateway.service.upstream import Upstream, UpstreamError, open_upstream
from shared.clock import now_of, utcnow
from shared.directory import lookup_organisations
from shared.money import split_by_year
from shared.reference import reference_parties

log = structlog.get_logger("gateway.dashboard")

#: The cards whose data are kept for a few seconds (the feed is always read fresh).
CACHED_CARDS = ("clusters", "funding", "calls", "flows", "account")
FUNDING_YEARS = 10
ACTIVE_CALL_STATES = ("open", "in_dialogue", "planned")
_SHORT_NAMES = {p.id: p.short_name for p in reference_parties() if p.short_name}


@dataclass
class Gathered:
    """One card's data, or why there are none."""

    data: Any = None
    error: str | None = None
    at: datetime = field(default_factory=utcnow)


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


def per_year(grant: dict[str, Any]) -> dict[int, int]:
    """A grant (as the funding API answers it) over calendar years: ``shared.money``'s split,
    the same as funding's timelines and evaluation's account, so all three agree to the krone."""
    terminated = grant.get("terminated_on")
    return split_by_year(
        grant["amount_dkk"],
        date.fromisoformat(grant["starts_on"]),
        date.fromisoformat(grant["ends_on"]),
        until=date.fromisoformat(terminated) if terminated else None,
    )


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
    now = now_of(app)

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
