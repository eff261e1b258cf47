"""The organisation directory each consuming service keeps from registry events.

Funding, referrals, evaluation and the gateway each hold their own copy of the organisations
(``directory_organisations``), filled by their durable consumer ``<service>-directory`` from
``registry.organisation.registered`` and shown at ``GET /<service>/v1/organisations/{id}``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy import Column, DateTime, MetaData, String, Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import utcnow
from shared.db import session_dependency
from shared.errors import Problem
from shared.events.bus import Subscription
from shared.events.contracts import OrganisationRegistered
from shared.events.envelope import CloudEvent
from shared.reference import reference_parties


def directory_table(metadata: MetaData) -> Table:
    return Table(
        "directory_organisations",
        metadata,
        Column("id", String(64), primary_key=True),
        Column("name", String(300), nullable=False),
        Column("kind", String(40), nullable=False, index=True),
        Column("cvr", String(8), nullable=True),
        Column("code", String(8), nullable=True),
        Column("municipality_code", String(4), nullable=True),
        Column("region_code", String(4), nullable=True),
        Column("registered_at", DateTime(timezone=True), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
    )


class DirectoryOrganisation(BaseModel):
    id: str
    name: str
    kind: str
    cvr: str | None
    code: str | None
    municipality_code: str | None
    region_code: str | None
    registered_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class OrgInfo:
    id: str
    name: str
    kind: str
    cvr: str | None
    region_code: str | None
    municipality_code: str | None


async def lookup_organisations(
    session: AsyncSession, table: Table, ids: Iterable[str]
) -> dict[str, OrgInfo]:
    """Organisations by id: the service's directory (from registry events), then the shipped
    reference parties (so the well-known parties are known even before the events arrive)."""
    wanted = {i for i in ids if i}
    found: dict[str, OrgInfo] = {}
    if wanted:
        rows = await session.execute(select(table).where(table.c.id.in_(wanted)))
        for r in rows.mappings():
            found[r["id"]] = OrgInfo(
                r["id"], r["name"], r["kind"], r["cvr"], r["region_code"], r["municipality_code"]
            )
    for party in reference_parties():
        if party.id in wanted and party.id not in found:
            found[party.id] = OrgInfo(
                party.id, party.name, party.kind, None, party.region_code, party.municipality_code
            )
    return found


def directory_subscription(service: str, table: Table) -> Subscription:
    async def on_registered(session: AsyncSession, event: CloudEvent) -> None:
        data = OrganisationRegistered.model_validate(event.data)
        values = {
            "name": data.name,
            "kind": data.kind,
            "cvr": data.cvr,
            "code": data.code,
            "municipality_code": data.municipality_code,
            "region_code": data.region_code,
            "updated_at": utcnow(),
        }
        existing = (
            await session.execute(select(table.c.id).where(table.c.id == data.organisation_id))
        ).first()
        if existing:
            await session.execute(
                table.update().where(table.c.id == data.organisation_id).values(**values)
            )
        else:
            await session.execute(
                table.insert().values(id=data.organisation_id, registered_at=event.time, **values)
            )

    return Subscription(
        durable=f"{service}-directory",
        handlers={"registry.organisation.registered": on_registered},
    )


def directory_router(service: str, table: Table) -> APIRouter:
    router = APIRouter(prefix=f"/{service}/v1", tags=["directory"])

    @router.get(
        "/organisations/{organisation_id}",
        response_model=DirectoryOrganisation,
        summary="An organisation as this service knows it (from registry events; public)",
    )
    async def get_directory_organisation(
        organisation_id: str,
        session: Annotated[AsyncSession, Depends(session_dependency)],
    ) -> DirectoryOrganisation:
        row = (
            (await session.execute(select(table).where(table.c.id == organisation_id)))
            .mappings()
            .first()
        )
        if row is None:
            raise Problem(
                404,
                "not-found",
                f"The {service} service knows no organisation '{organisation_id}' (yet).",
            )
        return DirectoryOrganisation.model_validate(dict(row))

    return router
