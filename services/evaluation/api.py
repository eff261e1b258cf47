"""Evaluation HTTP API."""

from services.evaluation.models import directory
from shared.directory import directory_router

routers = [directory_router("evaluation", directory)]
