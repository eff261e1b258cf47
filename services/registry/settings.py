from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")

    service_name: str = "registry"
    #: PEM of the RS256 signing key. Empty: the key is kept in the registry's database
    #: (generated once), so every replica signs with the same key.
    signing_key_pem: str = ""
    token_lifetime_seconds: int = 3600
    #: Load the reference parties (regions, municipalities, growth forums, …) at start-up.
    load_reference_data: bool = True
