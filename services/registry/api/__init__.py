"""Registry HTTP API (thin: parse, authorise, call service, shape the answer)."""

from services.registry.api.clusters import router as clusters_router
from services.registry.api.labels import router as labels_router
from services.registry.api.members import router as members_router
from services.registry.api.mergers import router as mergers_router
from services.registry.api.organisations import router as organisations_router
from services.registry.api.responsibility import router as responsibility_router
from services.registry.api.seats import router as seats_router

routers = [
    organisations_router,
    clusters_router,
    members_router,
    responsibility_router,
    seats_router,
    labels_router,
    mergers_router,
]
