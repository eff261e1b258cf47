"""The dashboard at ``/``: each card's data gathered (``service.dashboard_data``) and shaped
for the page (``service.dashboard_cards``); the live feed read fresh (``service.feed``).

Six cards, each from public data only (the page works without an account):

- **clusters**: active clusters per home region and league — the registry's public list
  (``GET /registry/v1/clusters``, every page);
- **funding**: grants per calendar year and funder — the funding service's public grants
  (``GET /funding/v1/grants``), each spread over the years by ``shared.money.split_by_year``
  as the funding service's own timelines do (a terminated grant stops on its termination day);
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

import structlog
from fastapi import FastAPI

from services.gateway.service import feed
from services.gateway.service.dashboard_cards import SHAPERS, CardView, error_text
from services.gateway.service.dashboard_data import gather
from services.gateway.service.texts import TEXT, Lang

log = structlog.get_logger("gateway.dashboard")

CARDS = ("clusters", "funding", "calls", "flows", "account", "feed")


async def feed_view(app: FastAPI, lang: Lang) -> CardView:
    """The live feed's card: the newest public events, read fresh (never cached) in a short
    read-only session of its own — the page is no request with a unit of work to share."""
    tx = TEXT[lang]
    view = CardView("feed", tx["feed_title"], lead=tx["feed_lead"])
    try:
        async with app.state.session_factory() as session:
            items = await feed.newest_public(session, lang)
    except Exception as exc:  # the feed never fails the page
        log.exception("dashboard_feed_failed")
        view.error = error_text("feed", type(exc).__name__, lang)
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
