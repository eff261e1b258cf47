"""The data of the account's HTML report (§4.1): the year's account and the years before it.

``report_html.render_account_report`` draws the page from what :func:`account_report` loads:
the account of the report's year (``service.accounts.account_view``: the published snapshot,
or a draft computed now) and those of up to ``TREND_YEARS`` years with data up to it, for the
trend charts. Never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.evaluation.config import AccountConfig
from services.evaluation.schemas.accounts import AccountView
from services.evaluation.service import accounts
from shared.errors import Problem

#: At most this many years in the trend charts (the report's year and the ones before it).
TREND_YEARS = 10


@dataclass(frozen=True)
class AccountReport:
    year: int
    #: The account of ``year``.
    view: AccountView
    #: The years of the trend charts, oldest first, ``year`` last.
    years: list[int]
    #: The account of each of ``years``.
    views: dict[int, AccountView]


async def account_report(
    session: AsyncSession, year: int, today: date, config: AccountConfig
) -> AccountReport:
    """The accounts the page of ``year`` shows. Problem 422 for a year out of range, 404 for a
    year without any data (no indicator values and no stored account)."""
    accounts.check_year(year, today)
    known = sorted(y.year for y in await accounts.account_years(session))
    if year not in known:
        raise Problem(
            404,
            "no-account",
            f"There is no account for {year}: no values have been reported or derived for it."
            + (f" Years with data: {', '.join(map(str, known))}." if known else ""),
            years=known,
        )
    view = await accounts.account_view(session, year, today, config=config)
    years = [y for y in known if y <= year][-TREND_YEARS:]
    views = {year: view}
    for y in years:
        if y not in views:
            views[y] = await accounts.account_view(session, y, today, config=config)
    return AccountReport(year=year, view=view, years=years, views=views)
