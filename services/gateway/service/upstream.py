"""The other services' public APIs, as the gateway reads them for the dashboard and the docs.

The gateway never imports another service's modules (docs/architecture.md): it reads what any
partner could read, over HTTP, from ``GATEWAY_UPSTREAM_URL`` (embedded mode: the same server;
production: the ingress). When the app was built with a ``jwks_transport`` (tests: an ASGI
transport to the whole suite), the same transport carries these requests, so no network is
needed. Only public endpoints are read, without a token.

Every failure — a refused connection, a timeout, an error status, an answer that is not JSON
— is an :class:`UpstreamError` with a short reason, so a dashboard card can say what went
wrong instead of failing the page.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import structlog
from fastapi import FastAPI

log = structlog.get_logger("gateway.upstream")

#: Follow at most this many pages of a list (at 1,000 items a page: 50,000 items).
MAX_PAGES = 50
PAGE_LIMIT = 1000


class UpstreamError(Exception):
    """A public API of another service could not be read."""

    def __init__(self, path: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
        self.status = status


@dataclass
class Upstream:
    """A client for the other services' public APIs (one per gathering; see :func:`open`)."""

    client: httpx.AsyncClient

    async def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        try:
            resp = await self.client.get(path, params=params)
        except httpx.TimeoutException as exc:
            raise UpstreamError(path, "timed out") from exc
        except httpx.HTTPError as exc:
            raise UpstreamError(path, f"not reachable: {type(exc).__name__}") from exc
        except Exception as exc:  # an in-process transport passes the app's own error on
            raise UpstreamError(path, f"failed: {type(exc).__name__}") from exc
        if resp.status_code != 200:
            raise UpstreamError(path, f"answered {resp.status_code}", resp.status_code)
        try:
            return resp.json()
        except ValueError as exc:
            raise UpstreamError(path, "answered something that is not JSON") from exc

    async def all_items(
        self, path: str, params: dict[str, Any] | None = None, *, max_pages: int = MAX_PAGES
    ) -> list[dict[str, Any]]:
        """Every item of a cursor-paginated list (``items``, ``next_cursor``)."""
        items: list[dict[str, Any]] = []
        query = {**(params or {}), "limit": PAGE_LIMIT}
        for _ in range(max_pages):
            page = await self.get_json(path, query)
            if not isinstance(page, dict) or not isinstance(page.get("items"), list):
                raise UpstreamError(path, "answered something that is not a list page")
            items.extend(page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                return items
            query = {**query, "cursor": cursor}
        log.warning("upstream_list_truncated", path=path, pages=max_pages, items=len(items))
        return items


def transport_of(app: FastAPI) -> httpx.AsyncBaseTransport | None:
    """The transport the app was built with (``create_app(jwks_transport=…)``), if any: the
    JWKS verifier holds it."""
    verifier = getattr(app.state, "verifier", None)
    return getattr(verifier, "transport", None)


@asynccontextmanager
async def open_upstream(app: FastAPI) -> AsyncIterator[Upstream]:
    settings = app.state.settings
    timeout = httpx.Timeout(settings.upstream_timeout_seconds)
    async with httpx.AsyncClient(
        base_url=settings.upstream_url.rstrip("/"),
        transport=transport_of(app),
        timeout=timeout,
        headers={"Accept": "application/json", "User-Agent": "klyngeforum-gateway"},
        follow_redirects=False,
    ) as client:
        yield Upstream(client)
