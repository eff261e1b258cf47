"""The registry's settings (``REGISTRY_*``); the rule configuration built from them is in
``config.py``."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")

    service_name: str = "registry"
    #: PEM of the RS256 signing key. Empty: the key is kept in the registry's database
    #: (generated once), so every replica signs with the same key.
    signing_key_pem: str = ""
    token_lifetime_seconds: int = 3600
    # --- failed token requests (service/token_throttle.py), per process ---
    #: Failed attempts one client id may make in the window before it gets 429.
    token_failures_per_client: int = 10
    #: Failed attempts one client address may make in the window before it gets 429.
    token_failures_per_address: int = 50
    #: The sliding window the failures are counted in (seconds).
    token_failure_window_seconds: float = 60.0
    #: Load the reference parties (regions, municipalities, growth forums, …) at start-up.
    load_reference_data: bool = True
    #: Announce each reference party loaded as ``registry.organisation.registered``. The other
    #: services know the reference parties from ``shared.reference`` in any case (their
    #: directory lookups fall back to it); the events put them into their directory tables and
    #: tell partner systems. The test suite's own fixtures switch this off to spare every test
    #: the backlog of some 116 events; the registry's and the end-to-end tests keep it on.
    announce_reference_data: bool = True

    # --- §1 centre of gravity (see services/registry/rules/responsibility.py) ---
    #: Share of located members one growth-forum area must hold to be the centre of gravity.
    cog_threshold: float = 0.5
    #: Fewest members with a known municipality before a centre of gravity is derived.
    cog_min_members: int = 5
    # --- profile warnings (ECCP-style) ---
    profile_min_members: int = 15
    profile_min_helix_kinds: int = 2
    # --- §4.4 merger hints ---
    merger_small_members: int = 30
    merger_size_factor: float = 2.0
    #: Seconds between runs of the job that announces new merger hints once per pair
    #: (``registry.merger.suggested``); it also runs at start. 0: not in-process.
    merger_hint_interval_seconds: float = 300.0
