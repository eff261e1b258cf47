"""Gateway HTTP API: the dashboard, the event stream, webhooks and the merged docs."""

from services.gateway.api import dashboard, docs, events, webhooks
from services.gateway.models import directory
from shared.directory import directory_router

routers = [
    dashboard.router,
    docs.router,
    events.router,
    webhooks.router,
    directory_router("gateway", directory),
]
