"""Organisations, API clients and access tokens. Use cases add rows and outbox events; the
request edge commits."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.models import ApiClient, Organisation, messaging
from services.registry.rules.scopes import ScopeNotAllowed, grantable_scopes, narrow_scopes
from services.registry.schemas.organisations import (
    REFERENCE_ONLY_KINDS,
    ClientCreate,
    OrganisationCreate,
)
from services.registry.tokens import Signer, hash_secret, new_client_credentials, secret_matches
from shared.clock import utcnow
from shared.errors import Problem
from shared.events.contracts import OrganisationRegistered
from shared.events.outbox import record_event
from shared.pagination import decode_cursor, encode_cursor
from shared.reference import Party, reference_parties, region_of_municipality


def organisation_registered(org: Organisation) -> OrganisationRegistered:
    """The payload of ``registry.organisation.registered`` (also used by the bulk import)."""
    return OrganisationRegistered(
        organisation_id=org.id,
        name=org.name,
        kind=org.kind,
        cvr=org.cvr,
        code=org.code,
        municipality_code=org.municipality_code,
        region_code=org.region_code,
    )


async def _announce(session: AsyncSession, org: Organisation) -> None:
    await record_event(
        session,
        messaging,
        "registry.organisation.registered",
        organisation_registered(org),
        subject=org.id,
    )


async def load_reference_parties(
    session: AsyncSession, parties: Iterable[Party] | None = None, *, announce: bool = True
) -> int:
    """Insert the reference organisations that are missing; each new one is announced
    (unless ``announce`` is false: see ``RegistrySettings.announce_reference_data``).

    Idempotent: running it again at every start-up adds nothing and sends nothing.
    """
    parties = list(parties if parties is not None else reference_parties())
    existing = set((await session.execute(select(Organisation.id))).scalars())
    new = [
        Organisation(
            id=party.id,
            name=party.name,
            kind=party.kind,
            short_name=party.short_name,
            code=party.code,
            municipality_code=party.municipality_code,
            region_code=party.region_code,
            reference=True,
            created_at=utcnow(),
        )
        for party in parties
        if party.id not in existing
    ]
    session.add_all(new)
    await session.flush()  # one batch: a hundred parties at every fresh start
    if announce:
        for org in new:
            await _announce(session, org)
    return len(new)


async def register_organisation(
    session: AsyncSession, data: OrganisationCreate, *, announce: bool = True
) -> Organisation:
    if data.kind in REFERENCE_ONLY_KINDS:
        raise Problem(
            422,
            "reference-kind",
            f"Organisations of kind '{data.kind}' come from the reference data and cannot be "
            "created through the API.",
        )
    if data.cvr:
        clash = (
            await session.execute(select(Organisation.id).where(Organisation.cvr == data.cvr))
        ).scalar()
        if clash:
            raise Problem(
                409,
                "cvr-taken",
                f"CVR {data.cvr} is already registered as organisation {clash}.",
                existing_id=clash,
            )
    org = Organisation(
        id=str(uuid.uuid4()),
        name=data.name,
        kind=data.kind,
        short_name=data.short_name,
        cvr=data.cvr,
        municipality_code=data.municipality_code,
        region_code=(
            region_of_municipality(data.municipality_code) if data.municipality_code else None
        ),
        website=str(data.website) if data.website else None,
        reference=False,
        created_at=utcnow(),
    )
    session.add(org)
    try:
        await session.flush()
    except IntegrityError as exc:
        # A concurrent request registered the same CVR after our check (unique constraint).
        if data.cvr:
            raise Problem(
                409, "cvr-taken", f"CVR {data.cvr} is already registered as another organisation."
            ) from exc
        raise
    if announce:
        await _announce(session, org)
    return org


async def get_organisation(session: AsyncSession, organisation_id: str) -> Organisation:
    # An id with NUL cannot exist (and PostgreSQL refuses to even compare it).
    org = None if "\x00" in organisation_id else await session.get(Organisation, organisation_id)
    if org is None:
        raise Problem(404, "not-found", f"No organisation with id '{organisation_id}'.")
    return org


async def list_organisations(
    session: AsyncSession,
    *,
    kind: str | None,
    region_code: str | None,
    q: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Organisation], str | None]:
    stmt = select(Organisation).order_by(Organisation.id).limit(limit + 1)
    if kind:
        stmt = stmt.where(Organisation.kind == kind)
    if region_code:
        stmt = stmt.where(Organisation.region_code == region_code)
    if q:
        # autoescape: '%' and '_' in the query are literal characters, not wildcards.
        stmt = stmt.where(Organisation.name.icontains(q, autoescape=True))
    after = decode_cursor(cursor, str)
    if after:
        stmt = stmt.where(Organisation.id > after[0])
    rows = list((await session.execute(stmt)).scalars())
    next_cursor = encode_cursor([rows[limit - 1].id]) if len(rows) > limit else None
    return rows[:limit], next_cursor


async def create_client(session: AsyncSession, data: ClientCreate) -> tuple[ApiClient, str]:
    org = await get_organisation(session, data.organisation_id)
    try:
        scopes = grantable_scopes(org.kind, data.scopes)
    except ScopeNotAllowed as exc:
        raise Problem(422, "scope-not-allowed", str(exc)) from exc
    client_id, secret = new_client_credentials()
    client = ApiClient(
        client_id=client_id,
        name=data.name,
        secret_hash=hash_secret(secret),
        organisation_id=org.id,
        scopes=" ".join(scopes),
        created_at=utcnow(),
    )
    session.add(client)
    await session.flush()
    return client, secret


def client_error(error: str, detail: str, status: int = 401) -> Problem:
    """problem+json that also carries RFC 6749's ``error`` member, so OAuth2 clients
    understand it."""
    headers = {"WWW-Authenticate": 'Basic realm="klyngeforum"'} if status == 401 else None
    return Problem(status, error.replace("_", "-"), detail, error=error, headers=headers)


async def grant_token(
    session: AsyncSession,
    signer: Signer,
    *,
    client_id: str,
    client_secret: str,
    scope: str | None,
    lifetime: int,
) -> tuple[str, list[str]]:
    """OAuth2 client credentials: a signed access token for the client's organisation, and
    the scopes it holds (``scope`` may narrow the client's own)."""
    client = None if "\x00" in client_id else await session.get(ApiClient, client_id)
    if (
        client is None
        or client.disabled_at
        or not secret_matches(client_secret, client.secret_hash)
    ):
        raise client_error("invalid_client", "Unknown client or wrong secret.")
    org = await session.get(Organisation, client.organisation_id)
    assert org is not None
    try:
        scopes = narrow_scopes(client.scopes.split(), scope)
    except ScopeNotAllowed as exc:
        raise client_error("invalid_scope", str(exc), 400) from exc
    access_token = signer.issue(
        client_id=client.client_id,
        organisation_id=org.id,
        organisation_kind=org.kind,
        scopes=scopes,
        lifetime=lifetime,
    )
    return access_token, scopes
