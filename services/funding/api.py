"""Funding coordination HTTP API."""

from services.funding.models import directory
from shared.directory import directory_router

routers = [directory_router("funding", directory)]
