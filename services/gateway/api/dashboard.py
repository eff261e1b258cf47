"""The dashboard at ``/`` (public, Danish by default, ``?lang=en``), its cards as fragments for
the page's own refresh, and the static files the pages use.

The data and their shaping are in ``service/dashboard.py``; the page is
``templates/dashboard.html`` with one template per card in ``templates/cards/``. A card whose
source fails says so; the page is still a 200.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from services.gateway.api.pages import LangQuery, env, html_page, page_context, static_response
from services.gateway.service import dashboard

router = APIRouter(tags=["dashboard"])

CardName = Literal["clusters", "funding", "calls", "flows", "account", "feed"]


def _refresh_delay_ms(request: Request) -> int:
    """After a relevant event the page waits until the cached data have surely expired, then
    fetches the card again."""
    return int((request.app.state.settings.dashboard_cache_seconds + 1) * 1000)


@router.get(
    "/",
    response_class=HTMLResponse,
    summary="The dashboard: clusters, funding, calls, referral flows, the account, live events",
    description="Server-rendered HTML of public data only (no account needed); Danish by "
    "default, English with `lang=en`. The live feed continues over "
    "`GET /gateway/v1/events` (Server-Sent Events).",
)
async def dashboard_page(request: Request, lang: LangQuery = "da") -> HTMLResponse:
    cards = await dashboard.card_views(request.app, lang)
    body = env.get_template("dashboard.html").render(
        **page_context(lang, "/", "dashboard"),
        cards=cards,
        refresh_delay_ms=_refresh_delay_ms(request),
    )
    return html_page(body, lang)


@router.get(
    "/gateway/dashboard/cards/{card}",
    response_class=HTMLResponse,
    include_in_schema=False,
)
async def dashboard_card(
    request: Request,
    card: Annotated[CardName, Path(description="Which card")],
    lang: LangQuery = "da",
) -> HTMLResponse:
    """One card as an HTML fragment (the page fetches it again after a relevant event)."""
    views = await dashboard.card_views(request.app, lang, (card,))
    body = env.get_template(f"cards/{card}.html").render(
        **page_context(lang, "/", "dashboard"),
        card=views[card],
        refresh_delay_ms=_refresh_delay_ms(request),
    )
    return html_page(body, lang)


@router.get("/gateway/static/{name}", include_in_schema=False)
async def static_file(name: str) -> Response:
    return static_response(name)
