"""The whole suite in one process: five service apps behind one ASGI dispatcher.

Each service keeps its own paths (``/registry/…``, ``/funding/…``), so a request reaches the
app whose prefix it carries, exactly as an ingress would route it in production. Anything
else (``/``, ``/docs``, ``/asyncapi.json``, static files) goes to the gateway.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from services.evaluation.app import create_app as create_evaluation
from services.evaluation.settings import EvaluationSettings
from services.funding.app import create_app as create_funding
from services.funding.settings import FundingSettings
from services.gateway.app import create_app as create_gateway
from services.gateway.settings import GatewaySettings
from services.referrals.app import create_app as create_referrals
from services.referrals.settings import ReferralsSettings
from services.registry.app import create_app as create_registry
from services.registry.settings import RegistrySettings
from shared.settings import ServiceSettings

SERVICES: dict[str, tuple[Any, type[ServiceSettings]]] = {
    "registry": (create_registry, RegistrySettings),
    "funding": (create_funding, FundingSettings),
    "referrals": (create_referrals, ReferralsSettings),
    "evaluation": (create_evaluation, EvaluationSettings),
    "gateway": (create_gateway, GatewaySettings),
}


def migrations_dir(service: str) -> Path:
    return Path(__file__).resolve().parent / service / "migrations"


def build_apps(
    settings: Mapping[str, ServiceSettings],
    *,
    jwks_transport: httpx.AsyncBaseTransport | None = None,
) -> dict[str, FastAPI]:
    """Create every service app from its settings (registry first: it owns the keys)."""
    apps: dict[str, FastAPI] = {}
    for name, (factory, _cls) in SERVICES.items():
        apps[name] = factory(settings[name], jwks_transport=jwks_transport)
    return apps


class SuiteDispatcher:
    """ASGI app routing by first path segment; runs every app's lifespan."""

    def __init__(self, apps: Mapping[str, FastAPI], default: str = "gateway") -> None:
        self.apps = dict(apps)
        self.default = default

    def app_for(self, path: str) -> FastAPI:
        first = path.lstrip("/").split("/", 1)[0]
        return self.apps.get(first, self.apps[self.default])

    @asynccontextmanager
    async def lifespans(self) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for app in self.apps.values():
                await stack.enter_async_context(app.router.lifespan_context(app))
            yield

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        await self.app_for(scope.get("path", "/"))(scope, receive, send)

    async def _lifespan(self, receive: Any, send: Any) -> None:
        message = await receive()
        assert message["type"] == "lifespan.startup"
        stack = AsyncExitStack()
        try:
            await stack.enter_async_context(self.lifespans())
        except BaseException as exc:
            await send({"type": "lifespan.startup.failed", "message": repr(exc)})
            raise
        await send({"type": "lifespan.startup.complete"})
        message = await receive()
        assert message["type"] == "lifespan.shutdown"
        try:
            await stack.aclose()
        finally:
            await send({"type": "lifespan.shutdown.complete"})
