"""Demo organisations, demo clusters and one API client per organisation kind (embedded run).

The organisations are fictitious (marked "demo"); their CVR numbers pass the check digit but
belong to nobody we know of. The clusters and their members (``demo_data``) are loaded through
the service layer, acting as the parties who would do it through the API — FIVU/RTI or the
home growth forum registers a cluster, the cluster organisation adds its members and offers
seats, the ministry answers, the secretariat records labels, a growth forum proposes a
responsibility exception and the other concerned parties confirm it — so the same events
reach NATS.

Loading is idempotent: a second run adds nothing (a cluster whose CVR is present is left
alone) and reuses the clients recorded in ``var/demo-clients.json`` as long as they still
exist and act as the same organisation.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.config import RuleConfig
from services.registry.demo_data import (
    DEMO_CLUSTERS,
    LEAGUE_CHANGES,
    MERGERS,
    OVERRIDES,
    SEATS,
    DemoCluster,
    DemoOverride,
    demo_members,
)
from services.registry.models import ApiClient, Cluster, Organisation
from services.registry.rules.responsibility import FIVU_RTI_ID, forum_for_municipality
from services.registry.schemas.clusters import (
    ClusterCreate,
    LeagueChangeIn,
    MemberIn,
    Obligations,
    OverrideIn,
    SeatIn,
    SocietalTaskIn,
    StatusChangeIn,
)
from services.registry.schemas.labels import LabelIn
from services.registry.schemas.organisations import ClientCreate, OrganisationCreate
from services.registry.service.cluster_profiles import change_status, register_cluster
from services.registry.service.labels import record_label
from services.registry.service.leagues import change_league
from services.registry.service.members import add_members
from services.registry.service.merger_hints import announce_merger_hints
from services.registry.service.organisations import (
    create_client,
    get_organisation,
    register_organisation,
)
from services.registry.service.responsibility_exceptions import (
    confirm_exception,
    get_exception,
    propose_exception,
)
from services.registry.service.seats import answer_seat, offer_seat
from shared.auth import Principal, acting_as
from shared.clock import DANISH_TIME, history_as_of, utcnow

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
        name="Erhvervshus Nordjylland (demo)",
        kind="growth_house",
        cvr="96386192",
        municipality_code="0851",
    ),
    OrganisationCreate(
        name="Erhvervshus Fyn (demo)",
        kind="growth_house",
        cvr="94543169",
        municipality_code="0461",
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
    "growth_house": "cvr:96386192",  # Erhvervshus Nordjylland
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


#: The three demo cluster organisations above are registered with their cluster profiles
#: by :func:`load_demo_clusters` (same name, CVR and home), not as bare organisations.
_AS_CLUSTERS = {c.cvr for c in DEMO_CLUSTERS if c.cvr}


async def load_demo_organisations(session: AsyncSession) -> int:
    known = set((await session.execute(select(Organisation.cvr))).scalars())
    added = 0
    for demo in DEMO_ORGANISATIONS:
        if demo.cvr not in known and demo.cvr not in _AS_CLUSTERS:
            await register_organisation(session, demo)
            added += 1
    return added


async def _resolve(session: AsyncSession, ref: str) -> Organisation:
    if ref.startswith("cvr:"):
        org = (
            await session.execute(select(Organisation).where(Organisation.cvr == ref[4:]))
        ).scalar_one()
        return org
    return await get_organisation(session, ref)


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
        stored = await session.get(ApiClient, old.client_id) if old else None
        if old and stored is not None and stored.organisation_id == org.id:
            clients.append(old)
            continue
        client, secret = await create_client(
            session, ClientCreate(organisation_id=org.id, name=f"demo {kind}")
        )
        clients.append(
            DemoClient(kind, org.id, org.name, client.client_id, secret, client.scopes.split())
        )
    return clients


# --- demo clusters -------------------------------------------------------------------------

#: The day the demo clusters declare the §4.5 obligations.
OBLIGATIONS_DECLARED_ON = date(2014, 2, 1)


#: The Klyngeforum secretariat, which records the demo clusters' ESCA labels.
SECRETARIAT = acting_as("klyngeforum", "forum_secretariat", "labels:write", "admin")


def _authority(organisation_id: str) -> Principal:
    """FIVU/RTI or a growth forum (the parties that set leagues, §1)."""
    if organisation_id == FIVU_RTI_ID:
        return acting_as(organisation_id, "ministry", "organisations:write", "funding:write")
    return acting_as(organisation_id, "growth_forum", "organisations:write", "funding:write")


def _registrar(demo: DemoCluster) -> Principal:
    """FIVU/RTI registers national and world-class clusters; the home growth forum the rest."""
    if demo.league == "emerging":
        return _authority(forum_for_municipality(demo.home))
    return _authority(FIVU_RTI_ID)


def cluster_create(demo: DemoCluster, today: date) -> ClusterCreate:
    """The registration of a demo cluster (its label is recorded afterwards by the
    secretariat: ``demo_label``)."""
    return ClusterCreate(
        name=demo.name,
        cvr=demo.cvr_number,
        cluster_kind=demo.cluster_kind,  # type: ignore[arg-type]
        league=demo.league,  # type: ignore[arg-type]
        home_municipality_code=demo.home,
        short_name=demo.short_name,
        website=demo.website,  # type: ignore[arg-type]
        description=demo.description,
        founded_on=demo.founded_on,
        municipalities_served=list(demo.served),
        fields=list(demo.fields),
        functions=list(demo.functions),  # type: ignore[arg-type]
        societal_tasks=[SocietalTaskIn(**asdict(t)) for t in demo.tasks],
        obligations=(
            Obligations(
                neutral_platform=True,
                open_access=True,
                no_lobbying=True,
                declared_on=OBLIGATIONS_DECLARED_ON,
            )
            if demo.obligations
            else None
        ),
    )


def demo_label(demo: DemoCluster, today: date) -> LabelIn | None:
    """The demo cluster's ESCA label, as the secretariat records it: it runs out
    ``demo.label[1]`` days after ``today`` and was issued two years before that."""
    if not demo.label:
        return None
    valid_until = today + timedelta(days=demo.label[1])
    return LabelIn(
        level=demo.label[0],  # type: ignore[arg-type]
        issued_on=valid_until - timedelta(days=730),
        valid_until=valid_until,
        evidence_url=f"https://labels.example/esca/{demo.key}",  # type: ignore[arg-type]
    )


async def _add_members(
    session: AsyncSession, cluster: Cluster, demo: DemoCluster, config: RuleConfig
) -> int:
    """The cluster organisation adds its members as one batch (``add_members``): one new
    version and one ``registry.cluster.updated`` per cluster instead of one per member, which
    keeps start-up fast and the event stream readable; the bulk import does the same."""
    itself = acting_as(cluster.id, "cluster_organisation", "clusters:write")
    members = [MemberIn(**asdict(m)) for m in demo_members(demo)]
    added = await add_members(session, cluster.id, members, itself, config)
    return len(added)


async def _demo_exception(
    session: AsyncSession, cluster_id: str, override: DemoOverride, config: RuleConfig
) -> None:
    """Proposed by ``override.by``; confirmed by every concerned party but those waiting."""
    proposed = await propose_exception(
        session,
        cluster_id,
        OverrideIn(
            primary=list(override.primary), also=list(override.also), reason=override.reason
        ),
        _authority(override.by),
        config,
    )
    _, answers = await get_exception(session, cluster_id, proposed.id)
    for answer in answers:
        if answer.answer == "pending" and answer.party_id not in override.waiting_for:
            party = await get_organisation(session, answer.party_id)
            await confirm_exception(
                session,
                cluster_id,
                proposed.id,
                acting_as(party.id, party.kind, "organisations:write", "funding:write"),
                config,
            )


def registered_on(today: date) -> date:
    """The day the demo clusters entered the registry: 15 January two years ago."""
    return date(today.year - 2, 1, 15)


def leagues_changed_on(today: date) -> date:
    """The day the demo's league changes took effect: 1 May last year."""
    return date(today.year - 1, 5, 1)


def _morning(day: date) -> datetime:
    return datetime.combine(day, time(9), tzinfo=DANISH_TIME)


@dataclass
class DemoLoad:
    """What :func:`load_demo_clusters` did."""

    clusters: int = 0
    members: int = 0
    #: Demo clusters whose CVR an older demo run gave to a bare organisation (no profile).
    blocked: list[str] = field(default_factory=list)


async def load_demo_clusters(
    session: AsyncSession, config: RuleConfig, today: date | None = None
) -> DemoLoad:
    """Register the demo clusters that are missing, with members, league changes and the rest.

    A cluster whose CVR is already registered is left as it is, and so is everything that
    happens to it afterwards (league change, override, seats, merger): a second run adds
    nothing. Call inside one transaction, so a failure leaves nothing half-loaded.
    ``today`` (default: the real date, UTC) dates the labels, seat answers and the merger.

    The demo has a past, written as it would have been then (``shared.clock.history_as_of``),
    so the accounts of past years hold something (§4.1: an account as it was): the clusters
    and their members were registered on ``registered_on(today)``, two years ago; the league
    changes took effect on ``leagues_changed_on(today)``, last year; the rest happens today.
    """
    today = today or utcnow().date()
    held = dict(
        (
            await session.execute(
                select(Organisation.cvr, Organisation.id).where(Organisation.cvr.is_not(None))
            )
        )
        .tuples()
        .all()
    )
    profiles = set((await session.execute(select(Cluster.id))).scalars())
    ids: dict[str, str] = {}
    new: set[str] = set()
    done = DemoLoad()
    with history_as_of(_morning(registered_on(today))):
        for demo in DEMO_CLUSTERS:
            existing = held.get(demo.cvr_number)
            if existing is not None:
                if existing in profiles:
                    ids[demo.key] = existing
                else:
                    done.blocked.append(demo.name)
                continue
            cluster = await register_cluster(
                session, cluster_create(demo, today), _registrar(demo), config
            )
            ids[demo.key] = cluster.id
            new.add(demo.key)
            done.members += await _add_members(session, cluster, demo, config)
            done.clusters += 1

    with history_as_of(_morning(leagues_changed_on(today))):
        for change in LEAGUE_CHANGES:
            if change.key in new:
                await change_league(
                    session,
                    ids[change.key],
                    LeagueChangeIn(league=change.to_league, reason=change.reason),  # type: ignore[arg-type]
                    _authority(change.by),
                    config,
                )
    # From here on, today: the writes keep the order of their times (a read model ignores an
    # event older than the last one it applied).
    for demo in DEMO_CLUSTERS:
        label = demo_label(demo, today)
        if demo.key in new and label is not None:
            await record_label(session, ids[demo.key], label, SECRETARIAT, config)
    for override in OVERRIDES:
        if override.key in new:
            await _demo_exception(session, ids[override.key], override, config)
    for seat in SEATS:
        if seat.key in new:
            cluster_id = ids[seat.key]
            offered = await offer_seat(
                session,
                cluster_id,
                SeatIn(ministry_id=seat.ministry_id, group=seat.group, offered_on=seat.offered_on),  # type: ignore[arg-type]
                acting_as(cluster_id, "cluster_organisation", "clusters:write"),
            )
            if seat.taken is not None:
                await answer_seat(
                    session,
                    cluster_id,
                    offered.id,
                    seat.taken,
                    acting_as(seat.ministry_id, "ministry", "organisations:write"),
                    today,
                )
    for merger in MERGERS:
        if merger.key in new and merger.into in ids:
            cluster_id = ids[merger.key]
            await change_status(
                session,
                cluster_id,
                StatusChangeIn(
                    status="merged", reason=merger.reason, merged_into_id=ids[merger.into]
                ),
                acting_as(cluster_id, "cluster_organisation", "clusters:write"),
                config,
                today,
            )
    return done


async def load_demo_data(
    session: AsyncSession, config: RuleConfig, today: date | None = None
) -> DemoLoad:
    """Demo clusters first (three of them were plain demo organisations), then the rest."""
    done = await load_demo_clusters(session, config, today)
    await load_demo_organisations(session)
    # §4.4: the demo's merger hints are announced at once, not at the job's next run
    await announce_merger_hints(session, config)
    return done
