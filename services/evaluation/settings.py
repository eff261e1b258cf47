"""The evaluation service's settings (``EVALUATION_*``); the configuration objects built from
them (``AccountConfig``: the joint account and the §4.3 flag rule) are in ``config.py``."""

from __future__ import annotations

from datetime import date

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class EvaluationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EVALUATION_", extra="ignore")

    service_name: str = "evaluation"
    #: §4.3 flag rule: bottom share of the league (0.25 = bottom quartile) …
    flag_quartile: float = 0.25
    #: … in this many consecutive published accounts.
    flag_consecutive_years: int = 3
    #: §4.1, accounts as they were: the account of year Y may be published from this day
    #: (month-day) of year Y + 1 on — after the year has ended and its late events came in.
    account_publish_from: str = "03-01"
    #: A function's composite needs at least this share of its indicators present.
    composite_min_coverage: float = 0.5
    #: Days after the due date before an evaluation counts as overdue is 0; it is "due" this
    #: many days before its due date (evaluation.evaluation.due is sent then).
    evaluation_notice_days: int = 30
    #: The final evaluation falls due this many days after the grant ends.
    final_grace_days: int = 0
    #: evaluation.label.expiring is sent this many days before an ESCA label runs out.
    label_notice_days: int = 90
    #: §4.2 strongholds: the fewest regions a year's employment statistics must cover before
    #: size and focus stars (top 10 % of the regions) are given (rules/strongholds.py).
    strongholds_min_regions: int = Field(20, ge=1)
    #: Seconds between the evaluation and label sweeps (0: do not run them in-process).
    sweep_interval_seconds: float = 60.0
    #: Fix "today" (e.g. EVALUATION_TODAY=2026-03-01) for demonstrations; empty: the real date.
    today: date | None = None
