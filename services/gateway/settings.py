from pydantic_settings import SettingsConfigDict

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
    #: A webhook subscription is disabled after this many failed attempts in a row.
    webhook_max_consecutive_failures: int = 5
    #: Attempts per delivery before it is given up (the first one included).
    webhook_max_attempts: int = 8
    #: Backoff before retry n (1, 2, …): base · 2^(n−1) seconds, capped, with full jitter.
    webhook_backoff_base_seconds: float = 1.0
    webhook_backoff_max_seconds: float = 3600.0
    webhook_timeout_seconds: float = 10.0
    #: Allow webhook URLs on loopback / private addresses (tests, local development only).
    webhook_allow_private: bool = False
    #: Seconds between webhook dispatch rounds when nothing wakes the dispatcher.
    webhook_poll_seconds: float = 1.0
    #: SSE: seconds between keep-alive comments on an idle stream.
    sse_keepalive_seconds: float = 15.0
