"""Referral exchange HTTP API: thin routers over the use cases in ``service``."""

from services.referrals.api import activities, flows, joint_events, match, referrals, services
from services.referrals.models import directory
from shared.directory import directory_router

routers = [
    directory_router("referrals", directory),
    services.router,
    activities.router,
    joint_events.router,
    referrals.router,
    match.router,
    flows.router,
]
