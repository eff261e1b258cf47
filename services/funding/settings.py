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
    #: §4.3: base funding must decrease after a cluster's first N years of it.
    phase_down_years: int = 4
    #: §3: a cluster registered at most N years before its project money starts counts as a
    #: new organisation (parallel_organisation check).
    parallel_years: int = 3
    #: Seconds between runs of the findings sweep (a §2 warning ends with its grant's period);
    #: 0 or less: not in-process (an operator runs it on a schedule).
    findings_sweep_interval_seconds: float = 3600.0
    #: Fix "today" (e.g. FUNDING_TODAY=2014-03-01) for demonstrations and tests of deadlines;
    #: empty means the real date. Tests may also set ``app.state.clock`` to a callable.
    today: date | None = None
