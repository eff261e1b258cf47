"""Publishing the joint annual performance account (§4.1): FIVU/RTI freezes a year.

The draft of the year (``service.accounts.compute_draft``) is stored as the account's
``snapshot``, ``evaluation.account.published`` is recorded and the §4.3 flag rule runs over the
published accounts (``service.flags.evaluate_published``), all in the caller's transaction.
Never commits. A published account never changes (``service.accounts.account_view`` reads it
from the snapshot).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.evaluation.config import AccountConfig
from services.evaluation.models import Account, messaging
from services.evaluation.rules.authority import check_may_publish
from services.evaluation.schemas.accounts import AccountView
from services.evaluation.service import accounts
from services.evaluation.service.flags import evaluate_published
from shared.auth import Principal
from shared.clock import utcnow
from shared.errors import Problem
from shared.events import contracts as ev
from shared.events.outbox import record_event


async def publish_account(
    session: AsyncSession,
    year: int,
    principal: Principal,
    today: date,
    config: AccountConfig,
) -> AccountView:
    """FIVU/RTI freezes ``year``'s account (§4.1) and the §4.3 flag rule runs.

    403 for anyone else (``rules.authority.check_may_publish``); 422 for a year that has not begun;
    409 ``too-early`` before ``config.earliest_publication(year)`` (the year has not ended, or
    its late events may still come: an account is of the year as it was, and a published one
    never changes); 409 ``already-published`` for a second publication (also when two race:
    the second insert or update finds it published); 409 ``empty-account`` when no cluster is
    in it.
    """
    check_may_publish(principal.organisation_id)
    accounts.check_year(year, today)
    if year > today.year:
        raise Problem(422, "year-not-begun", f"The year {year} has not begun; nothing to publish.")
    earliest = config.earliest_publication(year)
    if today < earliest:
        raise Problem(
            409,
            "too-early",
            f"The account of {year} may be published from {earliest.isoformat()} on, after the "
            "year has ended and its late events have come in (§4.1); today is "
            f"{today.isoformat()}.",
            earliest=earliest.isoformat(),
        )
    stored = await session.get(Account, year)
    if stored is not None and stored.state == "published":
        raise _already(year, stored.published_at)
    view = await accounts.compute_draft(session, year, config=config)
    if not view.clusters:
        raise Problem(409, "empty-account", f"No active cluster is in the account of {year}.")
    now = utcnow()
    view = view.model_copy(
        update={
            "state": "published",
            "published_at": now,
            "published_by": principal.organisation_id,
        }
    )
    snapshot = view.model_dump(mode="json")
    if stored is None:
        session.add(
            Account(
                year=year,
                state="published",
                published_at=now,
                published_by=principal.organisation_id,
                snapshot=snapshot,
                version=1,
            )
        )
        try:
            await session.flush()
        except IntegrityError as exc:  # another publication of the year won the race
            raise _already(year, None) from exc
    else:
        done = await session.execute(
            update(Account)
            .where(Account.year == year, Account.state == "draft")
            .values(
                state="published",
                published_at=now,
                published_by=principal.organisation_id,
                snapshot=snapshot,
                version=Account.version + 1,
            )
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise _already(year, None)
    by_league = {name: 0 for name in accounts.LEAGUES}
    for c in view.clusters:
        by_league[c.league] = by_league.get(c.league, 0) + 1
    await record_event(
        session,
        messaging,
        "evaluation.account.published",
        ev.AccountPublished(
            year=year,
            published_by=principal.organisation_id,
            clusters=len(view.clusters),
            clusters_by_league=by_league,
            indicators=len(view.indicators),
        ),
        subject=str(year),
    )
    await evaluate_published(session, year, config)
    return view


def _already(year: int, when: datetime | None) -> Problem:
    extra: dict[str, Any] = {"published_at": when.isoformat()} if when else {}
    return Problem(
        409,
        "already-published",
        f"The account of {year} is already published; a published account does not change.",
        **extra,
    )
