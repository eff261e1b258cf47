"""The gateway service app."""

from pathlib import Path

import services.gateway as package
from services.gateway.api import routers
from services.gateway.consumers import SUBSCRIPTIONS
from services.gateway.models import messaging
from services.gateway.settings import GatewaySettings
from shared.http import app_factory

create_app = app_factory(
    name="gateway",
    title="Klyngeforum Gateway",
    description=(package.__doc__ or "").split("\n\n", 1)[-1].strip(),
    settings_class=GatewaySettings,
    routers=routers,
    tables=messaging,
    migrations_dir=Path(__file__).resolve().parent / "migrations",
    subscriptions=SUBSCRIPTIONS,
)
