"""Grants, coordinated-financing agreements and the 360Giving export. Never commits."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.funding.models import Agreement, Call, FundingCluster, Grant, messaging
from services.funding.rules import authority
from services.funding.rules.grants import (
    GRANTABLE_CALL_STATES,
    check_base_basis,
    check_budget,
    grant_identifier,
    org_identifier,
)
from services.funding.rules.periods import check_period
from services.funding.rules.violations import RuleViolation
from services.funding.schemas.grants import (
    GrantCreate,
    GrantTerminate,
    GrantUpdate,
)
from services.funding.service.common import (
    organisations,
    problem,
    require_clusters,
    require_funder,
)
from services.funding.service.coordination_findings import reevaluate
from services.funding.service.programmes import own_programme
from services.funding.service.recommendations import mark_acted
from shared.auth import Principal
from shared.clock import utcnow
from shared.errors import Problem
from shared.etag import require_if_match
from shared.events import contracts as ev
from shared.events.outbox import record_event
from shared.queries import get_or_404, new_id, page

# --- grants ---------------------------------------------------------------------------------


def grant_facts(grant: Grant) -> dict[str, Any]:
    return {
        "grant_id": grant.id,
        "funder_id": grant.funder_id,
        "cluster_id": grant.cluster_id,
        "programme_id": grant.programme_id,
        "call_id": grant.call_id,
        "agreement_id": grant.agreement_id,
        "kind": grant.kind,
        "amount_dkk": grant.amount_dkk,
        "starts_on": grant.starts_on,
        "ends_on": grant.ends_on,
        "activities": list(grant.activities),
        "status": grant.status,
    }


async def _check_agreement(
    session: AsyncSession, agreement_id: str, funder: str, cluster_id: str
) -> None:
    agreement = None if "\x00" in agreement_id else await session.get(Agreement, agreement_id)
    if agreement is None:
        raise Problem(422, "unknown-agreement", f"No agreement '{agreement_id[:64]}'.")
    if agreement.state not in ("proposed", "in_force"):
        raise Problem(
            422,
            "agreement-not-in-force",
            f"Agreement {agreement.id} was {agreement.state}; a grant cannot rest on it.",
        )
    if funder not in agreement.party_ids:
        raise Problem(
            422,
            "not-a-party",
            f"{funder} is not a party to agreement {agreement.id} "
            f"({', '.join(agreement.party_ids)}).",
        )
    covered = (
        agreement.cluster_id == cluster_id
        if agreement.kind == "co_financing"
        else any(
            cluster_id in p.get("cluster_ids", [])
            for p in agreement.parties
            if p["party_id"] == funder
        )
    )
    if not covered:
        raise Problem(
            422,
            "agreement-does-not-cover",
            f"Agreement {agreement.id} does not cover cluster {cluster_id} for {funder}.",
        )


def _check_societal_task(cluster: FundingCluster, task: str) -> None:
    """§2: a grant names a societal task the cluster carries (the registry's list); one the
    registry does not find supportable is accepted, and raises a finding."""
    carried = [str(t["task"]) for t in cluster.societal_tasks or ()]
    if task not in carried:
        raise Problem(
            422,
            "unknown-societal-task",
            f"Cluster {cluster.id} carries no societal task '{task}' "
            f"(it carries: {', '.join(carried) or 'none'}).",
            carried=carried,
        )


async def _call_for_update(session: AsyncSession, call_id: str) -> Call | None:
    """The call, its row locked until the transaction ends: two grants awarded at once under
    one call are counted against its budget one after the other (PostgreSQL; SQLite writes
    one transaction at a time anyway)."""
    if "\x00" in call_id:
        return None
    return await session.get(Call, call_id, with_for_update=True)


async def _check_budget(
    session: AsyncSession, call: Call, amount_dkk: int, without: str | None = None
) -> None:
    """§4.1: the call's grants (every one awarded under it, terminated ones included: they
    were awarded) never add up to more than its budget; 409 naming what remains."""
    stmt = select(Grant.amount_dkk).where(Grant.call_id == call.id)
    if without:
        stmt = stmt.where(Grant.id != without)
    granted = list((await session.execute(stmt)).scalars())
    try:
        check_budget(call.budget_dkk, granted, amount_dkk)
    except RuleViolation as exc:
        raise problem(exc, 409) from exc


async def grants_page(
    session: AsyncSession,
    funder: str | None,
    cluster: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Grant], str | None]:
    """Grants of every funder, or of ``funder``, or to ``cluster``: (rows, next cursor)."""
    stmt = select(Grant)
    if funder:
        stmt = stmt.where(Grant.funder_id == funder)
    if cluster:
        stmt = stmt.where(Grant.cluster_id == cluster)
    return await page(session, stmt, Grant.id, cursor, limit)


async def get_grant(session: AsyncSession, grant_id: str) -> Grant:
    return await get_or_404(session, Grant, grant_id, "grant")


async def award_grant(
    session: AsyncSession, data: GrantCreate, principal: Principal, today: date
) -> Grant:
    funder = require_funder(principal, data.funder_id, "award a grant")
    prog = await own_programme(session, data.programme_id, funder)
    kind = data.kind or prog.kind
    if kind != prog.kind:
        raise Problem(
            422,
            "kind-mismatch",
            f"Programme {prog.id} gives {prog.kind} funding; this grant says {kind}.",
        )
    found = await require_clusters(session, [data.cluster_id])
    if data.societal_task:
        _check_societal_task(found[data.cluster_id], data.societal_task)
    call = None
    if data.call_id:
        call = await _call_for_update(session, data.call_id)
        if call is None or call.funder_id != funder or call.programme_id != prog.id:
            raise Problem(
                422,
                "unknown-call",
                f"No call '{data.call_id[:64]}' of yours under programme {prog.id}.",
            )
        if call.state not in GRANTABLE_CALL_STATES:
            raise Problem(
                409,
                "call-not-decided",
                f"Grants under call {call.id} are recorded once it has closed or been decided "
                f"(it is {call.state}).",
                current_state=call.state,
            )
    try:
        check_base_basis(kind, call.state if call else None, data.exemption_reason)
    except RuleViolation as exc:
        raise problem(exc, 409 if exc.kind == "call-not-decided" else 422) from exc
    if call is not None:
        await _check_budget(session, call, data.amount_dkk)
    if data.agreement_id:
        await _check_agreement(session, data.agreement_id, funder, data.cluster_id)
    now = utcnow()
    grant = Grant(
        id=new_id("grt"),
        funder_id=funder,
        cluster_id=data.cluster_id,
        programme_id=prog.id,
        call_id=data.call_id,
        agreement_id=data.agreement_id,
        kind=kind,
        title=data.title,
        description=data.description,
        amount_dkk=data.amount_dkk,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        activities=list(data.activities),
        exemption_reason=data.exemption_reason,
        societal_task=data.societal_task,
        awarded_on=data.awarded_on or today,
        status="active",
        created_at=now,
        updated_at=now,
        version=1,
    )
    session.add(grant)
    await session.flush()
    await record_event(
        session,
        messaging,
        "funding.grant.awarded",
        ev.GrantAwarded(**grant_facts(grant)),
        subject=grant.id,
    )
    await reevaluate(session, [grant.cluster_id], "funding.grant.awarded", today)
    return grant


async def _own_grant(session: AsyncSession, grant_id: str, principal: Principal) -> Grant:
    grant = await get_or_404(session, Grant, grant_id, "grant")
    authority.check_owner(
        principal.organisation_id,
        grant.funder_id,
        "not-your-grant",
        "grant-changed-by-its-funder",
        "change this grant (its funder)",
    )
    return grant


async def amend_grant(
    session: AsyncSession,
    grant_id: str,
    data: GrantUpdate,
    principal: Principal,
    if_match: str | None,
) -> Grant:
    grant = await _own_grant(session, grant_id, principal)
    require_if_match(if_match, grant.version)
    if grant.status != "active":
        raise Problem(409, "grant-terminated", f"Grant {grant.id} was terminated.")
    changes = data.model_dump(exclude_unset=True)
    starts = changes.get("starts_on", grant.starts_on)
    ends = changes.get("ends_on", grant.ends_on)
    try:
        check_period(starts, ends, "grant period")
    except RuleViolation as exc:
        raise problem(exc, 422) from exc
    if changes.get("agreement_id"):
        await _check_agreement(session, changes["agreement_id"], grant.funder_id, grant.cluster_id)
    changed = [k for k, v in changes.items() if getattr(grant, k) != v]
    if "amount_dkk" in changed and grant.call_id:
        call = await _call_for_update(session, grant.call_id)
        assert call is not None
        await _check_budget(session, call, changes["amount_dkk"], without=grant.id)
    for key in changed:
        setattr(grant, key, changes[key])
    if changed:
        grant.updated_at = utcnow()
        grant.version += 1
        await session.flush()
        await record_event(
            session,
            messaging,
            "funding.grant.amended",
            ev.GrantAmended(**grant_facts(grant), changed=changed),
            subject=grant.id,
        )
        await mark_acted(session, grant.id, "amended")
        await reevaluate(session, [grant.cluster_id], "funding.grant.amended")
    return grant


async def terminate_grant(
    session: AsyncSession,
    grant_id: str,
    data: GrantTerminate,
    principal: Principal,
    if_match: str | None,
) -> Grant:
    grant = await _own_grant(session, grant_id, principal)
    require_if_match(if_match, grant.version)
    if grant.status != "active":
        raise Problem(409, "grant-terminated", f"Grant {grant.id} was already terminated.")
    if not grant.starts_on <= data.terminated_on <= grant.ends_on:
        raise Problem(
            422,
            "invalid-termination-date",
            f"terminated_on must lie in the grant period {grant.starts_on}–{grant.ends_on}.",
        )
    grant.status = "terminated"
    grant.terminated_on = data.terminated_on
    grant.termination_reason = data.reason
    grant.updated_at = utcnow()
    grant.version += 1
    await session.flush()
    await record_event(
        session,
        messaging,
        "funding.grant.terminated",
        ev.GrantTerminated(
            **grant_facts(grant), terminated_on=data.terminated_on, reason=data.reason
        ),
        subject=grant.id,
    )
    await mark_acted(session, grant.id, "terminated")
    await reevaluate(session, [grant.cluster_id], "funding.grant.terminated")
    return grant


# --- 360Giving ------------------------------------------------------------------------------


def _award_basis(g: Grant) -> dict[str, str]:
    """§3, §4.1: how the grant was awarded — under a call (competition), on a recorded
    exemption from competition (with its reason), or neither (project money)."""
    if g.call_id:
        return {"vocabulary": "klyngeforum-award-basis", "code": "call", "title": g.call_id}
    if g.exemption_reason:
        return {
            "vocabulary": "klyngeforum-award-basis",
            "code": "exemption",
            "title": f"Exempt from competition: {g.exemption_reason}",
        }
    return {"vocabulary": "klyngeforum-award-basis", "code": "direct", "title": "No call"}


async def giving360(session: AsyncSession) -> dict[str, Any]:
    """Grants in the 360Giving Data Standard's JSON shape ({"grants": [...]})."""
    grants = list((await session.execute(select(Grant).order_by(Grant.id))).scalars())
    orgs = await organisations(
        session, {g.cluster_id for g in grants} | {g.funder_id for g in grants}
    )

    def org(org_id: str) -> dict[str, str]:
        info = orgs.get(org_id)
        return {
            "id": org_identifier(org_id, info.cvr if info else None),
            "name": info.name if info else org_id,
        }

    out = []
    for g in grants:
        end = g.terminated_on or g.ends_on
        out.append(
            {
                "id": grant_identifier(g.id),
                "title": g.title,
                "description": g.description or g.title,
                "currency": "DKK",
                "amountAwarded": g.amount_dkk,
                "awardDate": g.awarded_on.isoformat(),
                "recipientOrganization": [org(g.cluster_id)],
                "fundingOrganization": [org(g.funder_id)],
                "plannedDates": [
                    {
                        "startDate": g.starts_on.isoformat(),
                        "endDate": end.isoformat(),
                        "duration": max(1, round((end - g.starts_on).days / 30.44)),
                    }
                ],
                "grantProgramme": [{"code": g.programme_id}],
                "classifications": [
                    {"vocabulary": "klyngeforum-grant-kind", "code": g.kind, "title": g.kind},
                    _award_basis(g),
                ],
            }
        )
    return {"grants": out}
