"""Organisation, API-client and token endpoints (thin: parse, authorise, call service, shape)."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Header, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.models import idempotency_keys
from services.registry.rules.authority import SECRETARIAT_ID
from services.registry.schemas.organisations import (
    ClientCreate,
    ClientCreated,
    OrganisationCreate,
    OrganisationOut,
    OrgKind,
    TokenOut,
)
from services.registry.service import organisations as organisation_service
from services.registry.service.cluster_access import check
from services.registry.service.organisations import client_error
from services.registry.service.token_throttle import TokenThrottle, issue_token
from services.registry.tokens import Signer
from shared import idempotency
from shared.auth import Principal, require_scope
from shared.clock import now_of
from shared.db import session_dependency
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page

Session = Annotated[AsyncSession, Depends(session_dependency)]

router = APIRouter(prefix="/registry")


@router.get("/.well-known/jwks.json", tags=["auth"], summary="Public keys that sign access tokens")
async def jwks(request: Request) -> dict[str, Any]:
    signer: Signer = request.app.state.signer
    return signer.jwks()


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(authorization[6:]).decode()
        client_id, _, secret = decoded.partition(":")
    except (ValueError, UnicodeDecodeError):
        raise client_error("invalid_client", "The Basic credentials cannot be read.") from None
    return client_id, secret


@router.post(
    "/v1/oauth/token",
    tags=["auth"],
    response_model=TokenOut,
    summary="OAuth2 client credentials: exchange a client id and secret for an access token",
    description=(
        "Failed attempts (unknown client or wrong secret) are counted per client id and per "
        "client address; past the limit (by default 10 per client id, 50 per address, in a "
        "sliding minute) every request for that client or from that address answers 429 "
        "with `Retry-After` until the window has room again."
    ),
    responses={
        400: {"description": "Unsupported grant type or scope (problem+json)"},
        401: {"description": "Unknown client or wrong secret (problem+json)"},
        429: {
            "description": "Too many failed attempts for this client or from this address; "
            "`Retry-After` gives the seconds to wait (problem+json)",
            "headers": {"Retry-After": {"schema": {"type": "integer"}}},
        },
    },
)
async def token(
    request: Request,
    session: Session,
    grant_type: Annotated[str, Form()],
    client_id: Annotated[str | None, Form()] = None,
    client_secret: Annotated[str | None, Form()] = None,
    scope: Annotated[str | None, Form()] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> TokenOut:
    if grant_type != "client_credentials":
        raise client_error(
            "unsupported_grant_type", "Only grant_type=client_credentials is supported.", 400
        )
    basic = _basic_credentials(authorization)
    if basic:
        client_id, client_secret = basic
    if not client_id or not client_secret:
        raise client_error("invalid_client", "Give client_id and client_secret (form or Basic).")
    lifetime = request.app.state.settings.token_lifetime_seconds
    throttle: TokenThrottle = request.app.state.token_throttle
    access_token, scopes = await issue_token(
        session,
        request.app.state.signer,
        throttle,
        client_id=client_id,
        client_secret=client_secret,
        scope=scope,
        lifetime=lifetime,
        address=request.client.host if request.client else "unknown",
        now=now_of(request.app).timestamp(),
    )
    return TokenOut(access_token=access_token, expires_in=lifetime, scope=" ".join(scopes))


@router.get(
    "/v1/organisations",
    tags=["organisations"],
    response_model=Page[OrganisationOut],
    summary="List organisations (public)",
)
async def list_organisations(
    session: Session,
    kind: OrgKind | None = None,
    region: Annotated[str | None, Query(pattern=r"^\d{4}$", description="Region code")] = None,
    q: Annotated[
        str | None, Query(max_length=100, pattern=r"^[^\x00]*$", description="Part of the name")
    ] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[OrganisationOut]:
    rows, next_cursor = await organisation_service.list_organisations(
        session, kind=kind, region_code=region, q=q, cursor=cursor, limit=limit
    )
    return Page[OrganisationOut](
        items=[OrganisationOut.model_validate(r) for r in rows], next_cursor=next_cursor
    )


@router.get(
    "/v1/organisations/{organisation_id}",
    tags=["organisations"],
    response_model=OrganisationOut,
    summary="One organisation (public)",
)
async def get_organisation(session: Session, organisation_id: str) -> OrganisationOut:
    return OrganisationOut.model_validate(
        await organisation_service.get_organisation(session, organisation_id)
    )


@router.post(
    "/v1/organisations",
    tags=["organisations"],
    status_code=201,
    response_model=OrganisationOut,
    summary="Register an organisation (scope organisations:write)",
)
async def create_organisation(
    request: Request,
    session: Session,
    body: OrganisationCreate,
    principal: Annotated[Principal, Depends(require_scope("organisations:write"))],
    idempotency_key: Annotated[str | None, Header()] = None,
) -> Any:
    if body.kind == "label_issuer":
        # Label issuers are registered for it by the secretariat (issue 12).
        check(
            principal,
            "register_label_issuer",
            (SECRETARIAT_ID,),
            rule="register_label_issuer",
            kind="not-allowed",
            what="An organisation of kind label_issuer is registered by the secretariat",
        )

    async def create() -> dict[str, Any]:
        org = await organisation_service.register_organisation(session, body)
        return OrganisationOut.model_validate(org).model_dump(mode="json")

    return await idempotency.create_once(
        request, session, idempotency_keys, principal, idempotency_key, body, create
    )


@router.post(
    "/v1/clients",
    tags=["auth"],
    status_code=201,
    response_model=ClientCreated,
    summary="Create an API client for an organisation (scope clients:write)",
)
async def create_client(
    session: Session,
    body: ClientCreate,
    principal: Annotated[Principal, Depends(require_scope("clients:write"))],
) -> ClientCreated:
    client, secret = await organisation_service.create_client(session, body)
    return ClientCreated(
        client_id=client.client_id,
        name=client.name,
        organisation_id=client.organisation_id,
        scopes=client.scopes.split(),
        created_at=client.created_at,
        client_secret=secret,
    )
