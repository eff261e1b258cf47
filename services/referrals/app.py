"""The referrals service app."""

from pathlib import Path

import services.referrals as package
from services.referrals.api import routers
from services.referrals.consumers import SUBSCRIPTIONS
from services.referrals.models import messaging
from services.referrals.settings import ReferralsSettings
from shared.http import app_factory

create_app = app_factory(
    name="referrals",
    title="Klyngeforum Referral exchange",
    description=(package.__doc__ or "").split("\n\n", 1)[-1].strip(),
    settings_class=ReferralsSettings,
    routers=routers,
    tables=messaging,
    migrations_dir=Path(__file__).resolve().parent / "migrations",
    subscriptions=SUBSCRIPTIONS,
)
