"""One set of docs for the whole suite (public).

- ``GET /docs``: every service's HTTP API on one page — operations by tag with parameters,
  bodies and answers, and the schemas — rendered on the server from each service's
  ``/<service>/openapi.json``, with links to each service's own interactive page;
- ``GET /openapi-merged.json``: one OpenAPI document of all of them, tagged by service;
- ``GET /asyncapi.json``: the AsyncAPI 3 document of every event type (``shared.events.catalog``);
- ``GET /events-catalog``: every event type with its producer, visibility and payload fields.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from services.gateway.api.pages import LangQuery, env, html_page, page_context
from services.gateway.service import docs
from shared.events.catalog import asyncapi_document

router = APIRouter(tags=["docs"])


@router.get(
    "/docs",
    response_class=HTMLResponse,
    summary="Every service's API on one page (HTML, from their OpenAPI documents)",
)
async def api_docs(request: Request, lang: LangQuery = "da") -> HTMLResponse:
    fetched = await docs.fetch_openapi(request.app)
    references = [docs.reference(service, doc) for service, doc in fetched.items()]
    body = env.get_template("docs.html").render(
        **page_context(lang, "/docs", "docs"), references=references
    )
    return html_page(body, lang)


@router.get(
    "/openapi-merged.json",
    summary="One OpenAPI document of every service (operations tagged by service)",
    response_model=None,
)
async def openapi_merged(request: Request) -> JSONResponse:
    """Paths as they are (each service's live under `/<service>/…`); component schemas named
    `<service>.<Name>`. A service that did not answer is listed in
    `info.x-missing-services`."""
    merged = docs.merge_openapi(await docs.fetch_openapi(request.app))
    return JSONResponse(merged, headers={"Cache-Control": "no-cache"})


@router.get(
    "/asyncapi.json",
    summary="AsyncAPI 3 document of every event type of the suite",
)
async def asyncapi_all() -> dict[str, Any]:
    """Each message is a CloudEvents 1.0 envelope whose `data` is the payload schema;
    `x-addressed` marks events that go to one organisation only."""
    return asyncapi_document()


@router.get(
    "/events-catalog",
    response_class=HTMLResponse,
    summary="Every event type with its producer, visibility and payload (HTML)",
)
async def events_catalog(lang: LangQuery = "da") -> HTMLResponse:
    types = docs.event_catalog()
    producers = list(dict.fromkeys(t.producer for t in types))
    body = env.get_template("events_catalog.html").render(
        **page_context(lang, "/events-catalog", "catalog"), types=types, producers=producers
    )
    return html_page(body, lang)
