"""The funding service app."""

from pathlib import Path

from fastapi import FastAPI

import services.funding as package
from services.funding.api import routers
from services.funding.consumers import SUBSCRIPTIONS
from services.funding.models import messaging
from services.funding.service.coordination_findings import sweep_ended
from services.funding.settings import FundingSettings
from shared.clock import today_of
from shared.http import PeriodicJob, app_factory


async def _findings(app: FastAPI) -> None:
    async with app.state.session_factory() as session, session.begin():
        await sweep_ended(session, today_of(app))


def _interval(settings: FundingSettings) -> float:
    return settings.findings_sweep_interval_seconds


create_app = app_factory(
    name="funding",
    title="Klyngeforum Funding coordination",
    description=(package.__doc__ or "").split("\n\n", 1)[-1].strip(),
    settings_class=FundingSettings,
    routers=routers,
    tables=messaging,
    migrations_dir=Path(__file__).resolve().parent / "migrations",
    subscriptions=SUBSCRIPTIONS,
    periodic=[PeriodicJob("funding-findings", _findings, _interval)],
)
