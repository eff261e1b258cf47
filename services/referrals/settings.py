from datetime import date

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class ReferralsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REFERRALS_", extra="ignore")

    service_name: str = "referrals"
    #: Working days the recipient has to accept or reject a new referral (state ``requested``).
    answer_working_days: int = 5
    #: Working days from acceptance until work must have started (``accepted``).
    start_working_days: int = 10
    #: Working days from the start until the referral must be completed or failed.
    close_working_days: int = 60
    #: Contact data (name, e-mail, phone, who gave consent) of a referral is erased this many
    #: days after its last change; the anonymous facts stay for the statistics.
    contact_retention_days: int = 365
    #: Seconds between runs of the overdue and retention sweeps (0: do not run them in-process).
    sweep_interval_seconds: float = 60.0
    #: Seconds between background refreshes of this replica's match index (it is also built
    #: at start); 0: only matches refresh it.
    match_refresh_seconds: float = 30.0
    #: Fix "today" (e.g. REFERRALS_TODAY=2026-03-01) for demonstrations; empty: the real date.
    today: date | None = None
