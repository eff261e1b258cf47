"""The funding service app."""

from pathlib import Path

import services.funding as package
from services.funding.api import routers
from services.funding.consumers import SUBSCRIPTIONS
from services.funding.models import messaging
from services.funding.settings import FundingSettings
from shared.http import app_factory

create_app = app_factory(
    name="funding",
    title="Klyngeforum Funding coordination",
    description=(package.__doc__ or "").split("\n\n", 1)[-1].strip(),
    settings_class=FundingSettings,
    routers=routers,
    tables=messaging,
    migrations_dir=Path(__file__).resolve().parent / "migrations",
    subscriptions=SUBSCRIPTIONS,
)
