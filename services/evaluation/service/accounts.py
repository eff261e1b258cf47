"""The joint annual performance account (§4.1): draft computed on read, published frozen.

Public entry points (the JSON and CSV endpoints and the HTML report use the same ones):

- :func:`account_view` — ``await account_view(session, year, today)`` → :class:`AccountView`:
  the published snapshot of ``year`` when FIVU/RTI has published it, otherwise a **draft**
  computed now by ``rules.account.compute_account`` over every *active* cluster of the three
  leagues (world class, national, emerging), with the values of ``year`` and ``year − 1`` from
  ``indicator_values`` (reported and derived; the member indicators of a year without a
  registry event resolved from the latest earlier snapshot, ``service.derived``). Optional
  ``league`` filter and a keyset page (``cursor``, ``limit``); without ``limit`` every cluster.
- :func:`account_years` and :func:`is_published`.

Publishing (FIVU/RTI freezes the year, the §4.3 flag rule runs) is ``service.account_publish``;
the CSV lines are ``service.account_csv``.

A published account never changes: reports for its year are refused (409) and later events
still update ``indicator_values`` but the account is read from the snapshot. The league of a
cluster is its league as of the account's year, from evaluation's league history, never
today's league projected backwards; the members are the year's member snapshot (or the latest
earlier one, ``service.derived``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.evaluation.config import AccountConfig
from services.evaluation.models import Account, EvalCluster, IndicatorValue
from services.evaluation.rules import account as rules
from services.evaluation.rules.indicators import FUNCTIONS, INDICATORS, Indicator
from services.evaluation.schemas.accounts import (
    AccountCluster,
    AccountView,
    AccountYear,
    CellOut,
    CompositeOut,
    CompositeSummaryOut,
    IndicatorOut,
    IndicatorSummaryOut,
    LeagueOut,
)
from services.evaluation.service.clusters import clusters_of_year
from services.evaluation.service.derived import MEMBER_CODES, member_fallback
from shared.clock import utcnow
from shared.errors import Problem
from shared.pagination import decode_cursor, encode_cursor
from shared.reference import region_by_code

#: The three leagues in display order (§1).
LEAGUES: tuple[str, ...] = ("world_class", "national", "emerging")
FIRST_YEAR = 2000
#: The HTML report needs every cluster on one page.
MAX_ACCOUNT_LIMIT = 5000

Number = float | int
YearValues = dict[str, dict[str, Number]]


def check_year(year: int, today: date) -> None:
    if not FIRST_YEAR <= year <= today.year + 1:
        raise Problem(
            422,
            "invalid-year",
            f"year must be between {FIRST_YEAR} and {today.year + 1}, not {year}.",
        )


def indicator_out(ind: Indicator) -> IndicatorOut:
    return IndicatorOut(
        code=ind.code,
        name_da=ind.name_da,
        name_en=ind.name_en,
        unit=ind.unit,
        source=ind.source,
        function=ind.function,
        higher_is_better=ind.higher_is_better,
        description_en=ind.description_en,
        derived_from=ind.derived_from,
    )


# --- loading --------------------------------------------------------------------------------


async def account_clusters(session: AsyncSession, year: int) -> dict[str, tuple[EvalCluster, str]]:
    """cluster id → (cluster, league at the end of ``year``): the active clusters that existed
    in ``year`` and were then in one of the three leagues."""
    return {
        c.id: (c, league)
        for c, league in await clusters_of_year(session, year)
        if league in LEAGUES
    }


async def year_values(
    session: AsyncSession, year: int, codes: Sequence[str]
) -> tuple[YearValues, YearValues]:
    """cluster → code → value for ``year`` and ``year − 1`` (one scan of the two years' rows),
    the member indicators of a year without a snapshot resolved from the latest earlier one."""
    current: YearValues = {}
    previous: YearValues = {}
    rows = await session.execute(
        select(
            IndicatorValue.cluster_id,
            IndicatorValue.year,
            IndicatorValue.indicator,
            IndicatorValue.value,
        ).where(IndicatorValue.year.in_((year, year - 1)))
    )
    wanted = set(codes)
    for cid, y, code, value in rows:
        if code in wanted:
            (current if y == year else previous).setdefault(cid, {})[code] = value
    members = [c for c in MEMBER_CODES if c in wanted]
    if members:
        for y, target in ((year, current), (year - 1, previous)):
            for cid, vals in (await member_fallback(session, y)).items():
                row = target.setdefault(cid, {})
                for code in members:
                    if (v := vals.get(code)) is not None:
                        row[code] = v
    return current, previous


# --- shaping --------------------------------------------------------------------------------


def _num(value: Number | None, whole: bool) -> Number | None:
    """Counts and DKK amounts that are whole are shown as integers (12, not 12.0)."""
    if whole and value is not None and value == int(value):
        return int(value)
    return value


def _key(c: AccountCluster) -> tuple[int, str, str]:
    league = LEAGUES.index(c.league) if c.league in LEAGUES else len(LEAGUES)
    return (league, c.name.casefold(), c.cluster_id)


def shape_account(
    account: rules.Account,
    clusters: Sequence[EvalCluster],
    *,
    year: int,
    indicators: Sequence[Indicator],
    config: AccountConfig,
) -> AccountView:
    """The computed account as the API shows it (every cluster, every indicator)."""
    regions = region_by_code()
    whole = {i.code: i.unit != "share" for i in indicators}
    functions = [f for f in FUNCTIONS if any(i.function == f for i in indicators)]
    out: list[AccountCluster] = []
    for cluster in clusters:
        entry = account.clusters.get(cluster.id)
        if entry is None:
            continue
        values: dict[str, CellOut] = {}
        for code in account.indicators:
            cell = entry.cell(code)
            w = whole[code]
            values[code] = CellOut(
                _num(cell.value, w), cell.percentile, _num(cell.change, w), cell.change_relative
            )
        composites = {
            key: CompositeOut(comp.value, comp.coverage, comp.present, comp.total, comp.percentile)
            for key, comp in entry.composites.items()
        }
        region = regions.get(cluster.home_region_code)
        out.append(
            AccountCluster.model_construct(
                cluster_id=cluster.id,
                name=cluster.name,
                league=entry.league,
                region_code=cluster.home_region_code,
                region_name=region.name if region else None,
                values=values,
                composites=composites,
            )
        )
    out.sort(key=_key)
    leagues = [
        _league_out(account.leagues[name], config)
        for name in sorted(account.leagues, key=lambda n: LEAGUES.index(n))
    ]
    return AccountView(
        year=year,
        state="draft",
        computed_at=utcnow(),
        formula=rules.formula_text(),
        min_coverage=config.min_coverage,
        flag_quartile=config.flag_quartile,
        functions=[*functions, rules.OVERALL],
        indicators=[indicator_out(i) for i in indicators],
        leagues=leagues,
        clusters=out,
        clusters_total=len(out),
        next_cursor=None,
    )


def _league_out(summary: rules.LeagueSummary, config: AccountConfig) -> LeagueOut:
    return LeagueOut(
        league=summary.league,
        clusters=summary.clusters,
        clusters_with_data=summary.clusters_with_data,
        indicators={
            code: IndicatorSummaryOut(with_data=s.with_data, q1=s.q1, median=s.median, q3=s.q3)
            for code, s in summary.indicators.items()
        },
        composites={
            key: CompositeSummaryOut(
                with_data=len(values),
                median=summary.composite_median(key),
                bottom_cut=summary.bottom_cut(key, config.flag_quartile),
            )
            for key, values in summary.composite_values.items()
        },
    )


# --- the view ---------------------------------------------------------------------------------


async def compute_draft(
    session: AsyncSession,
    year: int,
    *,
    config: AccountConfig,
    indicators: Sequence[Indicator] = INDICATORS,
) -> AccountView:
    """Compute ``year``'s account now from the stored values (every cluster)."""
    of_year = await account_clusters(session, year)
    clusters = [c for c, _ in of_year.values()]
    codes = [i.code for i in indicators]
    current, previous = await year_values(session, year, codes)
    account = rules.compute_account(
        {cid: league for cid, (_, league) in of_year.items()},
        current,
        previous,
        year=year,
        indicators=indicators,
        min_coverage=config.min_coverage,
    )
    return shape_account(account, clusters, year=year, indicators=indicators, config=config)


async def account_view(
    session: AsyncSession,
    year: int,
    today: date,
    *,
    config: AccountConfig | None = None,
    league: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
    indicators: Sequence[Indicator] = INDICATORS,
) -> AccountView:
    """The account of ``year`` as the API shows it.

    Published → the frozen snapshot (``state='published'``, ``published_at``/``by``); else a
    draft computed now (``state='draft'``). ``clusters`` are ordered by league (world class,
    national, emerging), then name; ``league`` keeps one league's clusters (the league
    summaries stay complete); ``limit`` (≤ 5,000) pages them with ``cursor``/``next_cursor``
    — without ``limit`` all clusters come at once (the HTML report). ``today`` bounds the year
    (2000 … next year; else Problem 422). ``indicators`` overrides the catalogue of a *draft*
    (the benchmark's 40 indicators). Raises Problem 422 for a bad cursor or league.
    """
    check_year(year, today)
    if league is not None and league not in LEAGUES:
        raise Problem(422, "invalid-league", f"league must be one of {', '.join(LEAGUES)}.")
    config = config or AccountConfig()
    stored = await session.get(Account, year)
    if stored is not None and stored.state == "published" and stored.snapshot is not None:
        view = AccountView.model_validate(stored.snapshot)
    else:
        view = await compute_draft(session, year, config=config, indicators=indicators)
    return _page(view, league, cursor, limit)


def _page(
    view: AccountView, league: str | None, cursor: str | None, limit: int | None
) -> AccountView:
    items = view.clusters
    if league is not None:
        items = [c for c in items if c.league == league]
    after = decode_cursor(cursor, int, str, str)
    if after is not None:
        key = (after[0], after[1], after[2])
        items = [c for c in items if _key(c) > key]
    next_cursor = None
    if limit is not None and len(items) > limit:
        items = items[:limit]
        next_cursor = encode_cursor(list(_key(items[-1])))
    return view.model_copy(update={"clusters": items, "next_cursor": next_cursor})


async def account_years(session: AsyncSession) -> list[AccountYear]:
    """Years with values or a stored account, newest first, with their state."""
    counts = dict(
        (
            await session.execute(
                select(
                    IndicatorValue.year, func.count(distinct(IndicatorValue.cluster_id))
                ).group_by(IndicatorValue.year)
            )
        ).all()
    )
    stored = {a.year: a for a in (await session.execute(select(Account))).scalars()}
    out = []
    for year in sorted(set(counts) | set(stored), reverse=True):
        a = stored.get(year)
        published = a is not None and a.state == "published"
        out.append(
            AccountYear(
                year=year,
                state="published" if published else "draft",
                published_at=a.published_at if published and a else None,
                published_by=a.published_by if published and a else None,
                clusters_with_values=int(counts.get(year, 0)),
            )
        )
    return out


async def is_published(session: AsyncSession, year: int) -> bool:
    stored = await session.get(Account, year)
    return stored is not None and stored.state == "published"
