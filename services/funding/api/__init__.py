"""Funding coordination HTTP API (thin: parse, authorise, call service, shape the answer)."""

from services.funding.api.agreements import router as agreements_router
from services.funding.api.calls import router as calls_router
from services.funding.api.findings import router as findings_router
from services.funding.api.grants import router as grants_router
from services.funding.api.recommendations import router as recommendations_router
from services.funding.api.timeline import router as timeline_router
from services.funding.models import directory
from shared.directory import directory_router

routers = [
    directory_router("funding", directory),
    calls_router,
    grants_router,
    agreements_router,
    findings_router,
    recommendations_router,
    timeline_router,
]
