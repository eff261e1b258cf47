"""Gateway HTTP API."""

from services.gateway.models import directory
from shared.directory import directory_router

routers = [directory_router("gateway", directory)]
