"""The funding service app."""

from pathlib import Path

from services.funding.api import routers
from services.funding.consumers import SUBSCRIPTIONS
from services.funding.models import messaging
from services.funding.settings import FundingSettings
from shared.http import app_factory

create_app = app_factory(
    name="funding",
    title="Klyngeforum Funding coordination",
    description="Programmes, calls with dialogue, grants, agreements and coordination checks (§3, §4).",
    settings_class=FundingSettings,
    routers=routers,
    tables=messaging,
    migrations_dir=Path(__file__).resolve().parent / "migrations",
    subscriptions=SUBSCRIPTIONS,
)
