"""Evaluation HTTP API: thin routers over the use cases in ``service``."""

from services.evaluation.api import (
    accounts,
    evaluations,
    flags,
    indicators,
    labels,
    report,
    reports,
    strongholds,
)
from services.evaluation.models import directory
from shared.directory import directory_router

routers = [
    directory_router("evaluation", directory),
    indicators.router,
    reports.router,
    accounts.router,
    report.router,
    flags.router,
    evaluations.router,
    strongholds.router,
    labels.router,
]
