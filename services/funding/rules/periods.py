"""A programme's or a grant's period: it does not end before it starts. Pure.

No § of its own: the §3 and §4.3 checks compare such periods, so they must be valid.
"""

from __future__ import annotations

from datetime import date

from services.funding.rules.violations import RuleViolation


def check_period(starts_on: date, ends_on: date, what: str = "period") -> None:
    if ends_on < starts_on:
        raise RuleViolation(
            "invalid-period", f"The {what} ends ({ends_on}) before it starts ({starts_on})."
        )
