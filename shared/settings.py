"""Settings every service shares. Defaults describe the embedded, one-command mode."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT_ROOT / "var"


class ServiceSettings(BaseSettings):
    """Base class; each service subclasses it with its own env prefix (``REGISTRY_`` …),
    e.g. ``FUNDING_DATABASE_URL``, ``FUNDING_NATS_URL``, ``FUNDING_JWKS_URL``."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    service_name: str = "service"
    database_url: str = ""
    nats_url: str = "nats://127.0.0.1:4222"
    #: Where the registry publishes its signing keys; verifiers fetch them lazily.
    jwks_url: str = "http://127.0.0.1:8000/registry/.well-known/jwks.json"
    token_issuer: str = "klyngeforum-registry"
    token_audience: str = "klyngeforum"
    #: Start the outbox relay and the event consumers in the lifespan.
    messaging_enabled: bool = True
    #: Seconds between outbox polls when nothing wakes the relay.
    relay_poll_interval: float = 1.0
    #: A consumed message that fails this many times is parked, not retried again.
    max_deliveries: int = 5
    log_level: str = "INFO"
    log_json: bool = True
    #: Append logs to this file instead of stderr (the embedded run uses var/klyngeforum.log).
    log_file: str = ""

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{VAR_DIR / (self.service_name + '.db')}"
