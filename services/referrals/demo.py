"""Demo content of the referral exchange for the embedded run (``make run``).

The referrals service learns the demo organisations and clusters from the registry's events,
so the loader first waits until its directory has them; then, through the same use cases the
API calls, acting as each organisation, it publishes a service per demo cluster (from its
fields, ``demo_data.FIELD_OFFERS``), the growth houses' and the business service's usual
services, a few upcoming activities (their announcements go out as events, as they would),
about forty referrals of the last ten months, moved along the closed loop at plausible
times (fictitious firms and contact persons), and one joint event Erhvervshus Nordjylland has
proposed to Fødevareklyngen Nord and that waits for the cluster's answer (its
``referrals.joint_event.proposed`` is addressed to the cluster).
Loading is idempotent: if any service exists, nothing is added.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.referrals.demo_data import FIELD_OFFERS, GROWTH_HOUSE_OFFERS
from services.referrals.models import OfferedService, ReferralCluster, directory
from services.referrals.schemas.directory import ActivityCreate, ServiceCreate
from services.referrals.schemas.joint_events import JointEventCreate
from services.referrals.schemas.referrals import ConsentIn, ContactIn, FirmIn, ReferralCreate
from services.referrals.service.activities import create_activity
from services.referrals.service.directory import create_service
from services.referrals.service.joint_events import propose
from services.referrals.service.referrals import Step, clock_days, move, send_referral
from shared.auth import acting_as
from shared.etag import etag


@dataclass
class DemoLoad:
    services: int = 0
    activities: int = 0
    referrals: int = 0
    joint_events: int = 0
    skipped: bool = False


async def ready(session: AsyncSession, clusters: int, cvrs: set[str]) -> bool:
    """Whether the referrals service knows ``clusters`` cluster profiles and the organisations
    with ``cvrs`` (they arrive as registry events; the loader waits for this)."""
    known_clusters = (
        await session.execute(select(func.count()).select_from(ReferralCluster))
    ).scalar_one()
    rows = await session.execute(select(directory.c.cvr).where(directory.c.cvr.in_(cvrs)))
    return known_clusters >= clusters and set(rows.scalars()) >= cvrs


def _cluster_offer(cluster: ReferralCluster) -> ServiceCreate:
    """One service from the cluster's fields: the first field's offer, the others' described."""
    fields = [f for f in cluster.fields if f in FIELD_OFFERS] or ["production"]
    title, text = FIELD_OFFERS[fields[0]]
    extra = " ".join(FIELD_OFFERS[f][1] for f in fields[1:])
    served = cluster.municipalities_served
    return ServiceCreate(
        name=f"{title} – {cluster.name.removesuffix(' (demo)')}",
        description=f"{text} {extra}".strip(),
        fields=fields,
        target_groups=["sme", "growth_firms", "knowledge_institutions"]
        if cluster.league != "emerging"
        else ["sme", "entrepreneurs"],
        area_kind="municipalities" if served else "national",
        area_codes=list(served),
        email=None,
        url=None,
    )


async def _load_services(session: AsyncSession, now: datetime) -> int:
    added = 0
    clusters = (
        await session.execute(
            select(ReferralCluster)
            .where(ReferralCluster.status == "active")
            .order_by(ReferralCluster.id)
        )
    ).scalars()
    for cluster in list(clusters):
        principal = acting_as(cluster.id, "cluster_organisation", "referrals:write")
        await create_service(session, _cluster_offer(cluster), principal, now)
        added += 1
    rows = await session.execute(
        select(directory.c.id, directory.c.kind, directory.c.cvr).where(
            directory.c.cvr.in_({o.cvr for o in GROWTH_HOUSE_OFFERS})
        )
    )
    by_cvr = {cvr: (id_, kind) for id_, kind, cvr in rows}
    for offer in GROWTH_HOUSE_OFFERS:
        if offer.cvr not in by_cvr:
            continue
        org_id, kind = by_cvr[offer.cvr]
        org = (
            (await session.execute(select(directory).where(directory.c.id == org_id)))
            .mappings()
            .one()
        )
        area_kind, codes = "national", []
        if offer.area == "region" and org["region_code"]:
            area_kind, codes = "regions", [org["region_code"]]
        elif offer.area == "municipality" and org["municipality_code"]:
            area_kind, codes = "municipalities", [org["municipality_code"]]
        body = ServiceCreate(
            name=offer.name,
            description=offer.description,
            fields=list(offer.fields),
            target_groups=list(offer.target_groups),
            area_kind=area_kind,
            area_codes=codes,
        )
        await create_service(session, body, acting_as(org_id, kind, "referrals:write"), now)
        added += 1
    return added


#: (cluster name, kind, title, days ahead, field, description) of the demo activities.
DEMO_ACTIVITIES: tuple[tuple[str, str, str, int, str, str], ...] = (
    (
        "Fødevareklyngen Nord (demo)",
        "conference",
        "Eksportdag for fødevarevirksomheder",
        21,
        "food_bio",
        "Mød importører fra Tyskland og Sverige og hør om eksport af fødevarer.",
    ),
    (
        "Syddansk Robotklynge (demo)",
        "workshop",
        "Robotter i små og mellemstore virksomheder",
        35,
        "robotics",
        "En dag i robotlaboratoriet: kom i gang med automatisering i produktionen.",
    ),
    (
        "Klynge for Grøn Energi (demo)",
        "matchmaking",
        "Matchmaking: energilagring og Power-to-X",
        49,
        "energy",
        "Virksomheder og forskere mødes om projekter inden for energilagring.",
    ),
)


async def _load_activities(session: AsyncSession, now: datetime) -> int:
    added = 0
    for name, kind, title, days, field, text in DEMO_ACTIVITIES:
        cluster = (
            await session.execute(select(ReferralCluster).where(ReferralCluster.name == name))
        ).scalar_one_or_none()
        if cluster is None:
            continue
        starts = (now + timedelta(days=days)).replace(hour=9, minute=0, second=0, microsecond=0)
        body = ActivityCreate(
            kind=kind,  # type: ignore[arg-type]
            title=title,
            description=text,
            starts_at=starts,
            ends_at=starts + timedelta(hours=7),
            place=f"{cluster.name.removesuffix(' (demo)')}s lokaler",
            municipality_code=cluster.home_municipality_code,
            target_groups=["sme"],
            fields=[field],
        )
        await create_activity(
            session, body, acting_as(cluster.id, "cluster_organisation", "referrals:write"), now
        )
        added += 1
    return added


async def _load_joint_events(session: AsyncSession, now: datetime) -> int:
    """A proposal from the demo growth house (Erhvervshus Nordjylland) to a cluster in its
    region, awaiting the cluster's answer."""
    house = (
        await session.execute(
            select(directory.c.id, directory.c.kind).where(directory.c.cvr == "96386192")
        )
    ).one_or_none()
    cluster = (
        await session.execute(
            select(ReferralCluster.id).where(ReferralCluster.name == "Fødevareklyngen Nord (demo)")
        )
    ).scalar_one_or_none()
    if house is None or cluster is None:
        return 0
    starts = (now + timedelta(days=56)).replace(hour=9, minute=0, second=0, microsecond=0)
    body = JointEventCreate(
        partner_id=cluster,
        kind="matchmaking",
        title="Eksportklar: fødevare-SMV'er møder indkøbere",
        description="Erhvervshuset og klyngen samler nordjyske fødevarevirksomheder om eksport.",
        target_groups=["sme"],
        fields=["food_bio"],
        starts_at=starts,
        ends_at=starts + timedelta(hours=6),
        place="Aalborg",
        municipality_code="0851",
    )
    await propose(session, body, acting_as(house.id, house.kind, "referrals:write"), now)
    return 1


def demo_firm_cvr(n: int) -> str:
    """A CVR number that passes the check digit, in the unissued 9xxxxxxx range."""
    base = 9_500_000 + 7 * n
    while True:
        digits = [int(d) for d in str(base)]
        check = -sum(w * d for w, d in zip((2, 7, 6, 5, 4, 3, 2), digits, strict=True)) % 11
        if check < 10:
            return f"{base}{check}"
        base += 1


#: Where the demo referrals end (index into a seeded choice): the closed loop's usual spread.
_OUTCOMES = (
    ["completed"] * 11 + ["rejected"] * 2 + ["failed"] + ["in_progress"] * 2 + ["accepted"]
    + ["requested"] * 2
)  # fmt: skip
_NEEDS = {
    "energy": "Vil nedbringe energiforbruget i produktionen og søger partnere til test",
    "food_bio": "Ønsker at eksportere fødevarer til Tyskland og mangler kontakter",
    "robotics": "Vil automatisere pakning med robotter og mangler en integrator",
    "digital": "Søger hjælp til data og kunstig intelligens i kundeservice",
    "maritime": "Vil udvikle grønne løsninger til skibsfarten sammen med forskere",
    "life_science": "Har et medicinsk produkt der skal afprøves på et hospital",
    "water_environment": "Søger testfaciliteter til ny vandrensningsteknologi",
}


async def _load_referrals(session: AsyncSession, now: datetime, settings: Any) -> int:
    """About forty referrals over the last ten months from the growth houses and the business
    service to clusters whose fields fit, moved along the closed loop at plausible times."""
    rng = random.Random(5)
    senders = list(
        (
            await session.execute(
                select(directory.c.id, directory.c.kind, directory.c.municipality_code).where(
                    directory.c.cvr.in_({o.cvr for o in GROWTH_HOUSE_OFFERS})
                )
            )
        ).all()
    )
    clusters = [
        c
        for c in (
            await session.execute(
                select(ReferralCluster)
                .where(ReferralCluster.status == "active")
                .order_by(ReferralCluster.id)
            )
        ).scalars()
        if set(c.fields) & set(_NEEDS)
    ]
    if not senders or not clusters:
        return 0
    days = clock_days(settings)
    made = 0
    for n in range(40):
        sender_id, sender_kind, sender_home = rng.choice(senders)
        cluster = rng.choice(clusters)
        field = rng.choice([f for f in cluster.fields if f in _NEEDS])
        start = now - timedelta(days=rng.randint(3, 300), hours=rng.randint(0, 8))
        outcome = rng.choice(_OUTCOMES) if start < now - timedelta(days=20) else "requested"
        body = ReferralCreate(
            recipient_id=cluster.id,
            firm=FirmIn(
                cvr=demo_firm_cvr(n),
                name=f"Demovirksomhed {n + 1} ApS",
                municipality_code=sender_home or "0751",
                employees=rng.choice([3, 8, 15, 24, 40, 75, 140]),
            ),
            need=_NEEDS[field],
            fields=[field],
            contact=ContactIn(name=f"Demo Kontakt {n + 1}", email=f"kontakt{n + 1}@firma.example"),
            consent=ConsentIn(
                given_at=start - timedelta(hours=1),
                given_by=f"Demo Kontakt {n + 1}",
                purpose="At klyngen kontakter virksomheden om behovet",
            ),
        )
        sender = acting_as(sender_id, sender_kind, "referrals:write")
        referral = await send_referral(session, body, sender, start, days)
        made += 1
        receiver = acting_as(cluster.id, "cluster_organisation", "referrals:write")
        when = start
        path = {
            "requested": [],
            "accepted": ["accept"],
            "rejected": ["reject"],
            "in_progress": ["accept", "start"],
            "completed": ["accept", "start", "complete"],
            "failed": ["accept", "start", "fail"],
        }[outcome]
        for action in path:
            when += timedelta(days=rng.randint(1, 6 if action != "complete" else 40))
            when = min(when, now - timedelta(hours=1))
            step = Step(
                reason="Uden for vores fagområde" if action in ("reject", "fail") else None,
                outcome="Virksomheden er kommet med i et innovationsprojekt"
                if action == "complete"
                else None,
                outcome_category="project_started" if action == "complete" else None,
            )
            referral = await move(
                session, referral.id, action, receiver, etag(referral.version), when, days, step
            )
    return made


async def load_demo(session: AsyncSession, now: datetime, settings: Any) -> DemoLoad:
    """Services, activities and referrals of the demo organisations (the caller commits)."""
    if (await session.execute(select(func.count()).select_from(OfferedService))).scalar_one():
        return DemoLoad(skipped=True)
    return DemoLoad(
        services=await _load_services(session, now),
        activities=await _load_activities(session, now),
        referrals=await _load_referrals(session, now, settings),
        joint_events=await _load_joint_events(session, now),
    )
