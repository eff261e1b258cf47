"""Programmes: a funder's base or project money (national, regional, EU, …). Never commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.funding.models import Programme, messaging
from services.funding.rules import authority
from services.funding.rules.periods import check_period
from services.funding.rules.violations import RuleViolation
from services.funding.schemas.calls import ProgrammeCreate
from services.funding.service.common import problem, require_funder
from shared.auth import Principal
from shared.clock import utcnow
from shared.errors import Problem
from shared.events import contracts as ev
from shared.events.outbox import record_event
from shared.queries import get_or_404, new_id, page


async def programmes_page(
    session: AsyncSession, funder: str | None, cursor: str | None, limit: int
) -> tuple[list[Programme], str | None]:
    """Programmes of every funder, or of ``funder``: (rows, next cursor)."""
    stmt = select(Programme)
    if funder:
        stmt = stmt.where(Programme.funder_id == funder)
    return await page(session, stmt, Programme.id, cursor, limit)


async def get_programme(session: AsyncSession, programme_id: str) -> Programme:
    return await get_or_404(session, Programme, programme_id, "programme")


async def create_programme(
    session: AsyncSession, data: ProgrammeCreate, principal: Principal
) -> Programme:
    funder = require_funder(principal, data.funder_id, "set up a programme")
    try:
        check_period(data.starts_on, data.ends_on, "programme period")
    except RuleViolation as exc:
        raise problem(exc, 422) from exc
    prog = Programme(
        id=new_id("prg"),
        funder_id=funder,
        name=data.name,
        kind=data.kind,
        source=data.source,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        priority_fields=list(data.priority_fields),
        description=data.description,
        created_at=utcnow(),
    )
    session.add(prog)
    await session.flush()
    await record_event(
        session,
        messaging,
        "funding.programme.created",
        ev.ProgrammeCreated(
            programme_id=prog.id,
            funder_id=funder,
            name=prog.name,
            kind=prog.kind,
            source=prog.source,
            starts_on=prog.starts_on,
            ends_on=prog.ends_on,
            priority_fields=prog.priority_fields,
        ),
        subject=prog.id,
    )
    return prog


async def own_programme(session: AsyncSession, programme_id: str, funder_id: str) -> Programme:
    prog = None if "\x00" in programme_id else await session.get(Programme, programme_id)
    if prog is None:
        raise Problem(422, "unknown-programme", f"No programme '{programme_id[:64]}'.")
    authority.check_owner(
        funder_id,
        prog.funder_id,
        "not-your-programme",
        "programme-used-by-its-funder",
        f"use programme {prog.id} (its funder)",
    )
    return prog
