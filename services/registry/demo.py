"""Demo organisations and one API client per organisation kind, for the embedded run.

The organisations are fictitious (marked "demo"); their CVR numbers pass the check digit but
belong to nobody we know of. Loading is idempotent: a second run adds nothing and reuses the
clients recorded in ``var/demo-clients.json`` as long as they still exist.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry import service
from services.registry.models import ApiClient, Organisation
from services.registry.schemas import ClientCreate, OrganisationCreate

DEMO_ORGANISATIONS: tuple[OrganisationCreate, ...] = (
    OrganisationCreate(
        name="Klynge for Grøn Energi (demo)",
        kind="cluster_organisation",
        cvr="31200458",
        municipality_code="0751",
        short_name="Grøn Energi",
    ),
    OrganisationCreate(
        name="Fødevareklyngen Nord (demo)",
        kind="cluster_organisation",
        cvr="38774115",
        municipality_code="0851",
    ),
    OrganisationCreate(
        name="Sundhedsteknologisk Netværk (demo)",
        kind="cluster_organisation",
        cvr="29543909",
        municipality_code="0101",
    ),
    OrganisationCreate(
        name="Erhvervshus Midtjylland (demo)",
        kind="growth_house",
        cvr="40118233",
        municipality_code="0730",
    ),
    OrganisationCreate(
        name="Erhvervshus Hovedstaden (demo)",
        kind="growth_house",
        cvr="33662173",
        municipality_code="0101",
    ),
    OrganisationCreate(
        name="Erhvervsservice Aarhus (demo)",
        kind="business_service",
        cvr="25881400",
        municipality_code="0751",
    ),
    OrganisationCreate(
        name="Jysk Teknisk Universitet (demo)",
        kind="knowledge_institution",
        cvr="41500921",
        municipality_code="0751",
    ),
)

#: Which organisation each demo client acts as: one per organisation kind.
DEMO_CLIENT_ORGANISATIONS: dict[str, str] = {
    "forum_secretariat": "klyngeforum",
    "ministry": "fivu-rti",
    "growth_forum": "vaekstforum-midtjylland",
    "region": "region-1082",
    "municipality": "kommune-0751",
    "municipal_association": "kl",
    # the rest are demo organisations, found by CVR
    "cluster_organisation": "cvr:31200458",
    "growth_house": "cvr:40118233",
    "business_service": "cvr:25881400",
    "knowledge_institution": "cvr:41500921",
}


@dataclass
class DemoClient:
    organisation_kind: str
    organisation_id: str
    organisation_name: str
    client_id: str
    client_secret: str
    scopes: list[str]


async def load_demo_organisations(session: AsyncSession) -> int:
    known = set((await session.execute(select(Organisation.cvr))).scalars())
    added = 0
    for demo in DEMO_ORGANISATIONS:
        if demo.cvr not in known:
            await service.register_organisation(session, demo)
            added += 1
    return added


async def _resolve(session: AsyncSession, ref: str) -> Organisation:
    if ref.startswith("cvr:"):
        org = (
            await session.execute(select(Organisation).where(Organisation.cvr == ref[4:]))
        ).scalar_one()
        return org
    return await service.get_organisation(session, ref)


def read_demo_clients(path: Path) -> list[DemoClient]:
    if not path.exists():
        return []
    return [DemoClient(**item) for item in json.loads(path.read_text(encoding="utf-8"))]


def write_demo_clients(path: Path, clients: list[DemoClient]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps([asdict(c) for c in clients], indent=2, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")


async def ensure_demo_clients(
    session: AsyncSession, previous: list[DemoClient]
) -> list[DemoClient]:
    """One client per organisation kind; reuse the ``previous`` ones that still exist."""
    by_kind = {c.organisation_kind: c for c in previous}
    clients: list[DemoClient] = []
    for kind, ref in DEMO_CLIENT_ORGANISATIONS.items():
        org = await _resolve(session, ref)
        old = by_kind.get(kind)
        if old and await session.get(ApiClient, old.client_id) is not None:
            clients.append(old)
            continue
        client, secret = await service.create_client(
            session, ClientCreate(organisation_id=org.id, name=f"demo {kind}")
        )
        clients.append(
            DemoClient(kind, org.id, org.name, client.client_id, secret, client.scopes.split())
        )
    return clients
