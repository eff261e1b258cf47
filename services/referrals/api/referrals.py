"""Referrals API (§5): send, read, the closed loop, firm data by CVR, sweeps on demand.

Who may do what:

- every endpoint needs a token; a party (scope ``referrals:write``: growth houses, business
  service, cluster organisations, municipalities) acts only as its own organisation;
- a referral exists only for its two organisations: anyone else gets 404;
- the recipient accepts, rejects, starts, completes and fails; the sender cancels;
- a forum secretariat token with scope ``admin`` may export and erase a firm's data across
  all parties (GDPR requests) and run the sweeps now.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter, ValidationError

from services.referrals.api.common import (
    PREFIX,
    Cursor,
    IdempotencyKey,
    IfMatch,
    Limit,
    Party,
    Session,
    create_idempotently,
)
from services.referrals.rules.referrals import State
from services.referrals.schemas.referrals import (
    FirmErased,
    FirmExport,
    NoteIn,
    OutcomeIn,
    OverdueRun,
    ReasonIn,
    ReferralCreate,
    ReferralExport,
    ReferralOut,
    RetentionRun,
    TransitionOut,
)
from services.referrals.service import referrals as service
from services.referrals.service import sweeps
from shared.auth import Principal, current_principal, require_scope
from shared.dependencies import Now
from shared.errors import Problem
from shared.etag import with_etag
from shared.pagination import DEFAULT_LIMIT, Page
from shared.validation import Cvr

router = APIRouter(prefix=PREFIX, tags=["referrals"])
Admin = Annotated[Principal, Depends(require_scope("admin"))]

_CHANGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"description": "The action belongs to the other organisation"},
    404: {"description": "No such referral, or not one of yours"},
    409: {"description": "The current state does not allow it (the answer says what does)"},
    412: {"description": "Stale If-Match"},
    428: {"description": "If-Match missing"},
}


def _days(request: Request) -> Any:
    return service.clock_days(request.app.state.settings)


def _answer(referral: Any, principal: Principal, now: Any) -> JSONResponse:
    return with_etag(
        service.referral_out(referral, principal.organisation_id, now), referral.version
    )


# --- send and read ----------------------------------------------------------------------------


@router.post(
    "/referrals",
    status_code=201,
    response_model=ReferralOut,
    summary="Refer a firm to another organisation (Idempotency-Key supported)",
    responses={422: {"description": "Invalid, unknown recipient or service, no consent"}},
)
async def send_referral(
    request: Request,
    session: Session,
    body: ReferralCreate,
    principal: Party,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """From your organisation to `recipient_id`, with the firm, its need, the contact person
    and the consent they gave (§5: personal data is shared only with consent). The recipient
    must accept or reject within the configured working days; `referrals.referral.sent` is
    addressed to it (ids, places and fields only — no contact data)."""

    async def create() -> dict[str, Any]:
        referral = await service.send_referral(session, body, principal, now, _days(request))
        out = service.referral_out(referral, principal.organisation_id, now)
        return out.model_dump(mode="json")

    return await create_idempotently(request, session, principal, idempotency_key, body, create)


@router.get(
    "/referrals", response_model=Page[ReferralOut], summary="Referrals you sent or received"
)
async def list_referrals(
    session: Session,
    principal: Party,
    now: Now,
    role: Annotated[
        Literal["sent", "received"] | None, Query(description="Only those you sent / received")
    ] = None,
    state: State | None = None,
    overdue: Annotated[bool | None, Query(description="Only those (not) overdue")] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[ReferralOut]:
    rows, nxt = await service.list_referrals(
        session,
        principal.organisation_id,
        service.ListFilter(role=role, state=state, overdue=overdue),
        now,
        cursor,
        limit,
    )
    return Page[ReferralOut](
        items=[service.referral_out(r, principal.organisation_id, now) for r in rows],
        next_cursor=nxt,
    )


@router.get(
    "/referrals/{referral_id}",
    response_model=ReferralOut,
    summary="One referral (its two organisations only; ETag)",
    responses={404: {"description": "No such referral, or not one of yours"}},
)
async def get_referral(
    session: Session, referral_id: str, principal: Party, now: Now
) -> JSONResponse:
    referral, _role = await service.visible_referral(
        session, referral_id, principal.organisation_id
    )
    return _answer(referral, principal, now)


@router.get(
    "/referrals/{referral_id}/history",
    response_model=Page[TransitionOut],
    summary="Every change of a referral, oldest first (its two organisations only)",
    responses={404: {"description": "No such referral, or not one of yours"}},
)
async def referral_history(
    session: Session,
    referral_id: str,
    principal: Party,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[TransitionOut]:
    rows, nxt = await service.history(
        session, referral_id, principal.organisation_id, cursor, limit
    )
    return Page[TransitionOut](items=[service.transition_out(t) for t in rows], next_cursor=nxt)


# --- the closed loop --------------------------------------------------------------------------


async def _move(
    request: Request,
    session: Any,
    referral_id: str,
    action: str,
    principal: Principal,
    if_match: str | None,
    now: Any,
    step: service.Step,
) -> JSONResponse:
    referral = await service.move(
        session, referral_id, action, principal, if_match, now, _days(request), step
    )
    return _answer(referral, principal, now)


@router.post(
    "/referrals/{referral_id}/accept",
    response_model=ReferralOut,
    summary="Accept a referral sent to you (recipient; If-Match)",
    responses=_CHANGE_RESPONSES,
)
async def accept_referral(
    request: Request,
    session: Session,
    referral_id: str,
    principal: Party,
    now: Now,
    body: NoteIn | None = None,
    if_match: IfMatch = None,
) -> JSONResponse:
    step = service.Step(note=body.note if body else None)
    return await _move(request, session, referral_id, "accept", principal, if_match, now, step)


@router.post(
    "/referrals/{referral_id}/reject",
    response_model=ReferralOut,
    summary="Reject a referral sent to you, with a reason (recipient; If-Match)",
    responses=_CHANGE_RESPONSES,
)
async def reject_referral(
    request: Request,
    session: Session,
    referral_id: str,
    body: ReasonIn,
    principal: Party,
    now: Now,
    if_match: IfMatch = None,
) -> JSONResponse:
    """The sender reads the reason here (it stays out of `referrals.referral.rejected`, which
    carries only ids and facts): write why the offer does not fit, not about the person."""
    step = service.Step(reason=body.reason)
    return await _move(request, session, referral_id, "reject", principal, if_match, now, step)


@router.post(
    "/referrals/{referral_id}/start",
    response_model=ReferralOut,
    summary="Start work on an accepted referral (recipient; If-Match)",
    responses=_CHANGE_RESPONSES,
)
async def start_referral(
    request: Request,
    session: Session,
    referral_id: str,
    principal: Party,
    now: Now,
    body: NoteIn | None = None,
    if_match: IfMatch = None,
) -> JSONResponse:
    step = service.Step(note=body.note if body else None)
    return await _move(request, session, referral_id, "start", principal, if_match, now, step)


@router.post(
    "/referrals/{referral_id}/complete",
    response_model=ReferralOut,
    summary="Close the loop: complete with an outcome (recipient; If-Match)",
    responses=_CHANGE_RESPONSES,
)
async def complete_referral(
    request: Request,
    session: Session,
    referral_id: str,
    body: OutcomeIn,
    principal: Party,
    now: Now,
    if_match: IfMatch = None,
) -> JSONResponse:
    """The outcome text is for the sender (it stays in the referral); only
    `outcome_category` travels in `referrals.referral.completed`."""
    step = service.Step(outcome=body.outcome, outcome_category=body.outcome_category)
    return await _move(request, session, referral_id, "complete", principal, if_match, now, step)


@router.post(
    "/referrals/{referral_id}/fail",
    response_model=ReferralOut,
    summary="Work on the referral failed, with a reason (recipient; If-Match)",
    responses=_CHANGE_RESPONSES,
)
async def fail_referral(
    request: Request,
    session: Session,
    referral_id: str,
    body: ReasonIn,
    principal: Party,
    now: Now,
    if_match: IfMatch = None,
) -> JSONResponse:
    step = service.Step(reason=body.reason)
    return await _move(request, session, referral_id, "fail", principal, if_match, now, step)


@router.post(
    "/referrals/{referral_id}/cancel",
    response_model=ReferralOut,
    summary="Withdraw a referral before it is answered (sender; If-Match)",
    responses=_CHANGE_RESPONSES,
)
async def cancel_referral(
    request: Request,
    session: Session,
    referral_id: str,
    principal: Party,
    now: Now,
    body: NoteIn | None = None,
    if_match: IfMatch = None,
) -> JSONResponse:
    step = service.Step(note=body.note if body else None)
    return await _move(request, session, referral_id, "cancel", principal, if_match, now, step)


# --- firms: access and erasure on request (GDPR) ----------------------------------------------


def party_or_admin(principal: Principal = Depends(current_principal)) -> Principal:
    """A party acting for itself (``referrals:write``) or the forum secretariat (``admin``)."""
    if not (principal.has("referrals:write") or principal.has("admin")):
        raise Problem(
            403,
            "insufficient-scope",
            "This needs the scope 'referrals:write' (a party) or 'admin' (the forum "
            "secretariat), which your client does not hold.",
            required_scope="referrals:write",
        )
    return principal


PartyOrAdmin = Annotated[Principal, Depends(party_or_admin)]


_CVR = TypeAdapter(Cvr)


def _cvr(cvr: str) -> str:
    try:
        return _CVR.validate_python(cvr[:20])
    except ValidationError as exc:
        raise Problem(
            422, "invalid-cvr", f"'{cvr[:20]}' is not a CVR number: {exc.errors()[0]['msg']}"
        ) from None


@router.get(
    "/firms/{cvr}/referrals",
    response_model=FirmExport,
    tags=["privacy"],
    summary="Everything about a firm, by CVR: the referrals you are party to (admin: all)",
)
async def export_firm(session: Session, cvr: str, principal: PartyOrAdmin, now: Now) -> FirmExport:
    """For a firm's request to see its data (GDPR art. 15): every referral about the CVR that
    your organisation sent or received — a forum secretariat token with scope `admin` sees
    them all — with full data and history, as JSON."""
    number = _cvr(cvr)
    rows = await service.firm_referrals(session, number, principal)
    transitions = await service.all_transitions(session, [r.id for r in rows])
    return FirmExport(
        cvr=number,
        exported_at=now,
        count=len(rows),
        referrals=[
            ReferralExport(
                **service.referral_out(r, principal.organisation_id, now).model_dump(),
                history=[service.transition_out(t) for t in transitions[r.id]],
            )
            for r in rows
        ],
    )


@router.post(
    "/firms/{cvr}/erase",
    response_model=FirmErased,
    tags=["privacy"],
    summary="Erase a firm's data, by CVR, from the referrals you are party to (admin: all)",
)
async def erase_firm(session: Session, cvr: str, principal: PartyOrAdmin, now: Now) -> FirmErased:
    """For a firm's request to be forgotten (GDPR art. 17): the firm's name and CVR, the need,
    the contact person and the free-text reasons and notes are erased from every referral
    about the CVR that your organisation sent or received (`admin`: all);
    `erased_reason` becomes `request`. The anonymous facts stay for the statistics. Stored
    Idempotency-Key answers repeating those referrals are deleted too. Repeating it erases
    nothing more (the CVR is gone)."""
    number = _cvr(cvr)
    result = await sweeps.erase_firm(session, number, principal, now)
    return FirmErased(
        cvr=number,
        referrals_erased=len(result.referral_ids),
        referral_ids=result.referral_ids,
        idempotency_keys_deleted=result.idempotency_keys_deleted,
    )


# --- the sweeps, now (operators, tests) -------------------------------------------------------


@router.post(
    "/jobs/overdue/run",
    response_model=OverdueRun,
    tags=["operations"],
    summary="Run the overdue sweep now (scope admin)",
)
async def run_overdue(request: Request, session: Session, _admin: Admin, now: Now) -> OverdueRun:
    """What the periodic `referrals-overdue` job does: mark referrals whose owner did not act
    in time and send `referrals.referral.overdue` to both organisations. Safe to repeat."""
    result = await sweeps.mark_overdue(session, now, request.app.state.settings)
    return OverdueRun(
        ran_at=now,
        marked=len(result.referral_ids),
        referral_ids=result.referral_ids,
        events=result.events,
    )


@router.post(
    "/jobs/retention/run",
    response_model=RetentionRun,
    tags=["operations"],
    summary="Run the retention sweep now (scope admin)",
)
async def run_retention(
    request: Request, session: Session, _admin: Admin, now: Now
) -> RetentionRun:
    """What the periodic `referrals-retention` job does: erase the contact data of referrals
    unchanged for `contact_retention_days`, purge Idempotency-Key answers older than 48 h."""
    result = await sweeps.erase_expired_contacts(session, now, request.app.state.settings)
    return RetentionRun(
        ran_at=now,
        contacts_erased=len(result.referral_ids),
        referral_ids=result.referral_ids,
        idempotency_keys_purged=result.idempotency_keys_purged,
    )
