"""The gateway service app.

Besides what every service has (shared.http), the gateway runs the webhook dispatcher
(services.gateway.service.dispatch) while it serves: a task started after the common
lifespan has set up the database and NATS, woken when events are logged, and cancelled and
awaited before that lifespan closes them, so no task outlives the app.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI

import services.gateway as package
from services.gateway.api import routers
from services.gateway.consumers import SUBSCRIPTIONS
from services.gateway.models import messaging
from services.gateway.service.dispatch import Dispatcher
from services.gateway.settings import GatewaySettings
from shared.clock import now_of
from shared.events.tasks import cancel_and_wait
from shared.http import app_factory
from shared.settings import ServiceSettings

_create_service_app = app_factory(
    name="gateway",
    title="Klyngeforum Gateway",
    description=(package.__doc__ or "").split("\n\n", 1)[-1].strip(),
    settings_class=GatewaySettings,
    routers=routers,
    tables=messaging,
    migrations_dir=Path(__file__).resolve().parent / "migrations",
    subscriptions=SUBSCRIPTIONS,
)


def with_webhook_dispatcher(app: FastAPI) -> FastAPI:
    """Run :class:`Dispatcher` inside the app's lifespan (``webhook_poll_seconds`` <= 0: not
    in-process), on the app's clock (a test moves ``app.state.clock`` forward to follow the
    retry schedule over hours). The dispatcher is on ``app.state.webhook_dispatcher``."""
    common = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with common(app):
            settings: GatewaySettings = app.state.settings
            task: asyncio.Task[None] | None = None
            if settings.webhook_poll_seconds > 0:
                dispatcher = Dispatcher(
                    app.state.session_factory, settings, clock=lambda: now_of(app)
                )
                app.state.webhook_dispatcher = dispatcher
                task = asyncio.create_task(dispatcher.run(), name="gateway-webhooks")
            try:
                yield
            finally:
                if task is not None:
                    await cancel_and_wait(task)

    app.router.lifespan_context = lifespan
    return app


def create_app(
    settings: ServiceSettings | None = None,
    *,
    jwks_transport: httpx.AsyncBaseTransport | None = None,
    auto_migrate: bool = False,
) -> FastAPI:
    """Build the gateway app (settings default to the environment)."""
    app = _create_service_app(settings, jwks_transport=jwks_transport, auto_migrate=auto_migrate)
    return with_webhook_dispatcher(app)
