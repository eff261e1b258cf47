"""The registry service app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.registry.api import routers
from services.registry.config import RuleConfig
from services.registry.consumers import SUBSCRIPTIONS
from services.registry.models import messaging
from services.registry.service.merger_hints import announce_merger_hints
from services.registry.service.organisations import load_reference_parties
from services.registry.service.token_throttle import TokenThrottle
from services.registry.settings import RegistrySettings
from services.registry.tokens import Signer, load_or_create_signing_pem
from shared.http import PeriodicJob, app_factory

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


async def _prepare(app: FastAPI) -> None:
    """Signing key and reference parties, in one transaction before serving."""
    settings: RegistrySettings = app.state.settings
    app.state.rule_config = RuleConfig.from_settings(settings)
    app.state.token_throttle = TokenThrottle(
        settings.token_failures_per_client,
        settings.token_failures_per_address,
        settings.token_failure_window_seconds,
    )
    async with app.state.session_factory() as session, session.begin():
        pem = settings.signing_key_pem or await load_or_create_signing_pem(session)
        if settings.load_reference_data:
            await load_reference_parties(session, announce=settings.announce_reference_data)
    signer = Signer.from_pem(pem, issuer=settings.token_issuer, audience=settings.token_audience)
    app.state.signer = signer
    # The registry verifies its own tokens without a round trip to itself.
    app.state.verifier.use_keys(signer.jwks())


async def _merger_hints(app: FastAPI) -> None:
    """§4.4: announce the merger hints no one has been told of yet (once per pair)."""
    async with app.state.session_factory() as session, session.begin():
        await announce_merger_hints(session, app.state.rule_config)


def _merger_interval(settings: RegistrySettings) -> float:
    return settings.merger_hint_interval_seconds


create_app = app_factory(
    name="registry",
    title="Klyngeforum Registry",
    description=(
        "Organisations (authorities, growth forums, municipalities, cluster organisations, "
        "growth houses …), API clients and OAuth2 tokens."
    ),
    settings_class=RegistrySettings,
    routers=routers,
    tables=messaging,
    migrations_dir=MIGRATIONS,
    subscriptions=SUBSCRIPTIONS,
    on_startup=[_prepare],
    periodic=[PeriodicJob("registry-merger-hints", _merger_hints, _merger_interval)],
)
