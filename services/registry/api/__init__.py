"""Registry HTTP API (thin: parse, authorise, call service, shape the answer)."""

from services.registry.api.clusters import router as clusters_router
from services.registry.api.organisations import router as organisations_router

routers = [organisations_router, clusters_router]
