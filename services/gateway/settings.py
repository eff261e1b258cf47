from datetime import timedelta

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from services.gateway.rules.retries import DISABLE_AFTER, STANDARD_SCHEDULE
from shared.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    service_name: str = "gateway"
    #: Where the gateway reads the other services' public APIs for the dashboard and the
    #: merged docs (embedded mode: the same server; production: the ingress).
    upstream_url: str = "http://127.0.0.1:8000"
    #: Seconds one read of another service's API may take before the dashboard card gives up.
    upstream_timeout_seconds: float = 4.0
    #: The dashboard keeps what it gathered this many seconds (a busy page does not hammer
    #: the services; the live feed is not cached).
    dashboard_cache_seconds: float = 5.0
    #: Webhook retries (``rules.retries``): the delay in seconds before each retry after a
    #: failed attempt; after the last one the delivery is given up. Default: Standard
    #: Webhooks' recommended schedule, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (env: a JSON
    #: list, ``GATEWAY_WEBHOOK_RETRY_SCHEDULE_SECONDS='[5, 300, 1800]'``).
    webhook_retry_schedule_seconds: tuple[float, ...] = STANDARD_SCHEDULE
    #: Each delay is multiplied by a factor drawn in [1 − jitter, 1 + jitter] (0: exact).
    webhook_retry_jitter: float = Field(default=0.1, ge=0, lt=1)
    #: A subscription whose deliveries have failed (no success) for this long is disabled,
    #: and its owner gets ``gateway.webhook.disabled`` (env: seconds or ISO 8601, ``P5D``).
    webhook_disable_after: timedelta = DISABLE_AFTER
    webhook_timeout_seconds: float = 10.0
    #: Allow webhook URLs on loopback / private addresses (tests, local development only).
    webhook_allow_private: bool = False
    #: Seconds between webhook dispatch rounds when nothing wakes the dispatcher.
    webhook_poll_seconds: float = 1.0
    #: SSE: seconds between keep-alive comments on an idle stream.
    sse_keepalive_seconds: float = 15.0

    @field_validator("webhook_retry_schedule_seconds")
    @classmethod
    def _no_negative_delays(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if any(delay < 0 for delay in value):
            raise ValueError("retry delays are seconds >= 0")
        return value
