"""Sweeps over referrals: the overdue clock and the retention of personal data (§5), and the
erasure of a firm's data on request. Never commits: the caller's transaction does.

Each sweep is safe on several replicas at once and when run twice: it selects candidates,
locks them on PostgreSQL (``FOR UPDATE SKIP LOCKED``, so two replicas split the work instead
of waiting for each other), and changes each row with an ``UPDATE … WHERE`` that re-checks
the condition in the same transaction — a row another run already changed is skipped, and
only a row this run changed gets its events. (SQLite runs one writer at a time.)

**What is erased.** Contact data — ``contact_name``, ``contact_email``, ``contact_phone``
and ``consent_given_by`` — is personal data. So is, in practice, the free text: the need is
written about the firm's situation, and for a sole trader or an entrepreneur not yet
registered it describes a person ("Hanne wants to start selling her jam abroad"); the
reason, outcome and history notes are written by people about that case and often name the
contact. All of them are erased. What stays are the anonymous facts the flow statistics use:
sender and recipient, places, states, times, fields, employees, outcome category. The firm's
name and CVR belong to a business and stay until the firm asks (``erase_firm``), which also
removes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.referrals.models import Referral, ReferralTransition, idempotency_keys, messaging
from services.referrals.rules import referrals as rules
from services.referrals.service.referrals import about_firm, clock_days, facts, owner_id
from shared.auth import Principal
from shared.events import contracts as ev
from shared.events.outbox import record_event

#: Referrals changed per sweep run; the next run continues with the rest.
BATCH = 500
#: Stored Idempotency-Key answers are kept this long: they repeat the referral, contact data
#: included, and a client retries within minutes, not days.
IDEMPOTENCY_TTL = timedelta(hours=48)

#: The columns an erasure empties (see the module docstring).
_CONTACT_ERASED: dict[str, Any] = {
    "contact_name": None,
    "contact_email": None,
    "contact_phone": None,
    "consent_given_by": None,
    "need": None,
    "reason": None,
    "outcome": None,
}
_FIRM_ERASED: dict[str, Any] = {**_CONTACT_ERASED, "firm_name": None, "firm_cvr": None}


def _locked(session: AsyncSession, stmt: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return stmt.with_for_update(skip_locked=True)
    return stmt


# --- overdue ----------------------------------------------------------------------------------


@dataclass
class OverdueResult:
    referral_ids: list[str] = field(default_factory=list)
    events: int = 0


async def mark_overdue(session: AsyncSession, now: datetime, settings: Any) -> OverdueResult:
    """Referrals whose owner did not act by ``due_at``: set ``overdue_at`` once per state and
    send ``referrals.referral.overdue`` twice — to the owner, who must act, and to the other
    party, who waits (§5: the sender learns that nothing happened)."""
    days = clock_days(settings)
    condition = and_(
        Referral.state.in_(sorted(rules.OPEN_STATES)),
        Referral.due_at.is_not(None),
        Referral.due_at < now,
        Referral.overdue_at.is_(None),
    )
    stmt = _locked(
        session, select(Referral).where(condition).order_by(Referral.due_at).limit(BATCH)
    )
    result = OverdueResult()
    for referral in list((await session.execute(stmt)).scalars()):
        changed = await session.execute(
            update(Referral)
            .where(Referral.id == referral.id, Referral.version == referral.version, condition)
            .values(overdue_at=now, version=Referral.version + 1)
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            continue  # another run (or a transition) got there first
        await session.refresh(referral)
        owner = owner_id(referral)
        assert owner is not None  # open states have an owner
        other = referral.sender_id if owner == referral.recipient_id else referral.recipient_id
        session.add(
            ReferralTransition(
                referral_id=referral.id,
                from_state=referral.state,
                to_state=referral.state,
                actor_id=None,
                note=f"overdue: {owner} did not act within "
                f"{days.for_state(referral.state)} working days",
                at=now,
            )
        )
        payload = ev.ReferralOverdue(
            **facts(referral),
            owner_id=owner,
            working_days=days.for_state(referral.state) or 0,
        )
        for recipient in (owner, other):
            await record_event(
                session,
                messaging,
                "referrals.referral.overdue",
                payload,
                subject=referral.id,
                recipient=recipient,
            )
            result.events += 1
        result.referral_ids.append(referral.id)
    return result


# --- erasure ----------------------------------------------------------------------------------


async def _erase(
    session: AsyncSession,
    ids: list[str],
    recheck: Any,
    values: dict[str, Any],
    now: datetime,
    reason: str,
) -> list[str]:
    """Erase ``values`` from each referral in ``ids`` that still meets ``recheck``, and the
    notes of its history. Returns the ids actually erased."""
    erased: list[str] = []
    for referral_id in ids:
        changed = await session.execute(
            update(Referral)
            .where(Referral.id == referral_id, recheck)
            .values(
                **values,
                contact_erased_at=now,
                erased_reason=reason,
                version=Referral.version + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount == 1:  # type: ignore[attr-defined]
            erased.append(referral_id)
    if erased:
        await session.execute(
            update(ReferralTransition)
            .where(ReferralTransition.referral_id.in_(erased))
            .values(note=None)
            .execution_options(synchronize_session=False)
        )
    return erased


async def _forget_answers(session: AsyncSession, referral_ids: list[str]) -> int:
    """Delete stored Idempotency-Key answers that repeat these referrals."""
    if not referral_ids:
        return 0
    table = idempotency_keys
    result = await session.execute(
        delete(table).where(table.c.body["id"].as_string().in_(referral_ids))
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


@dataclass
class RetentionResult:
    referral_ids: list[str] = field(default_factory=list)
    idempotency_keys_purged: int = 0


async def erase_expired_contacts(
    session: AsyncSession, now: datetime, settings: Any
) -> RetentionResult:
    """Erase the personal data of referrals whose last change (``state_changed_at``) is older
    than ``contact_retention_days`` (see the module docstring for what goes and what stays),
    and purge stored Idempotency-Key answers older than 48 hours (they repeat contact data)."""
    cutoff = now - timedelta(days=settings.contact_retention_days)
    condition = and_(Referral.state_changed_at < cutoff, Referral.contact_erased_at.is_(None))
    stmt = _locked(
        session,
        select(Referral.id).where(condition).order_by(Referral.state_changed_at).limit(BATCH),
    )
    ids = list((await session.execute(stmt)).scalars())
    result = RetentionResult()
    result.referral_ids = await _erase(session, ids, condition, _CONTACT_ERASED, now, "retention")
    purged = await session.execute(
        delete(idempotency_keys).where(idempotency_keys.c.created_at < now - IDEMPOTENCY_TTL)
    )
    result.idempotency_keys_purged = int(purged.rowcount or 0)  # type: ignore[attr-defined]
    return result


@dataclass
class FirmErasure:
    referral_ids: list[str] = field(default_factory=list)
    idempotency_keys_deleted: int = 0


async def erase_firm(
    session: AsyncSession, cvr: str, principal: Principal, now: datetime
) -> FirmErasure:
    """Erase, on the firm's request, its name, CVR, need and contact data from every
    referral about ``cvr`` the caller may see (``about_firm``), and the stored
    Idempotency-Key answers that repeat them. Anonymous facts stay, as with retention."""
    condition = about_firm(cvr, principal)
    stmt = _locked(session, select(Referral.id).where(condition).order_by(Referral.id))
    ids = list((await session.execute(stmt)).scalars())
    out = FirmErasure()
    out.referral_ids = await _erase(session, ids, condition, _FIRM_ERASED, now, "request")
    out.idempotency_keys_deleted = await _forget_answers(session, out.referral_ids)
    return out
