from datetime import date

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class FundingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FUNDING_", extra="ignore")

    service_name: str = "funding"
    #: Days a consulted party has to answer a dialogue request when the call gives no deadline.
    dialogue_days: int = 21
    #: Calls with at least this budget (DKK) are announced to Klyngeforum, as are all strategic
    #: calls (§3 "større projektansøgningsrunder med særlig relevans for klyngeområdet").
    announce_threshold_dkk: int = 10_000_000
    #: Fix "today" (e.g. FUNDING_TODAY=2014-03-01) for demonstrations and tests of deadlines;
    #: empty means the real date. Tests may also set ``app.state.clock`` to a callable.
    today: date | None = None
