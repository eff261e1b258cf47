"""The referrals service app."""

from pathlib import Path

from fastapi import FastAPI

import services.referrals as package
from services.referrals.api import routers
from services.referrals.consumers import SUBSCRIPTIONS
from services.referrals.models import messaging
from services.referrals.service.match_index import match_index
from services.referrals.service.sweeps import erase_expired_contacts, mark_overdue
from services.referrals.settings import ReferralsSettings
from shared.clock import now_of
from shared.http import PeriodicJob, app_factory


async def _overdue(app: FastAPI) -> None:
    async with app.state.session_factory() as session, session.begin():
        await mark_overdue(session, now_of(app), app.state.settings)


async def _retention(app: FastAPI) -> None:
    async with app.state.session_factory() as session, session.begin():
        await erase_expired_contacts(session, now_of(app), app.state.settings)


async def _refresh_match_index(app: FastAPI) -> None:
    """Build the match index at start and keep it warm, so a match rarely waits for a
    refresh (each match still refreshes first, so it never misses a change)."""
    async with app.state.session_factory() as session:
        await match_index(app).refresh(session, now_of(app))


def _interval(settings: ReferralsSettings) -> float:
    return settings.sweep_interval_seconds


def _match_interval(settings: ReferralsSettings) -> float:
    return settings.match_refresh_seconds


create_app = app_factory(
    name="referrals",
    title="Klyngeforum Referral exchange",
    description=(package.__doc__ or "").split("\n\n", 1)[-1].strip(),
    settings_class=ReferralsSettings,
    routers=routers,
    tables=messaging,
    migrations_dir=Path(__file__).resolve().parent / "migrations",
    subscriptions=SUBSCRIPTIONS,
    periodic=[
        PeriodicJob("referrals-overdue", _overdue, _interval),
        PeriodicJob("referrals-retention", _retention, _interval),
        PeriodicJob("referrals-match-index", _refresh_match_index, _match_interval),
    ],
)
