"""Demo content of funding coordination for the embedded run (``make run``).

Once the funding service's read model has the demo clusters (registry events), the funders
act through the same use cases as the API: FIVU/RTI runs *Innovationsnetværk Danmark* and
gives base funding to the national and world-class clusters for 2023–2026 under the call it
ran and decided in 2022 (§3: one call every four years; written as it was then,
``shared.clock.history_as_of``); the growth forums give project funding to the emerging
networks in their regions and co-fund the national clusters they are primarily responsible
for (§1) — all but Limfjordens Maritime Klynge, the demo's one §1 coverage finding;
Vækstforum Bornholm gives Bornholmsk Mad og Oplevelser base funding without a call, on a
recorded exemption (§3, §4.1: a finding for the parties to see), and funds the Energiø
network's energy task, which the registry does not find supportable (§2: a warning);
FIVU/RTI and a growth forum co-finance a national cluster by an agreement both have
confirmed, and a growth forum's co-financing proposal waits for its region (§3, consent);
FIVU/RTI plans its next strategic call (2027–2030), which starts the dialogue with every other
party of the strategy — the sector ministries, the six growth forums and KL (§3) — three of
them have answered; Vækstforum Syddanmark has an open regional call. Everything is
fictitious. Idempotent: nothing is added if any programme exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.funding.config import CallConfig
from services.funding.models import DialogueRequest, FundingCluster, Programme
from services.funding.schemas.calls import (
    CallCreate,
    CriteriaPublish,
    Criterion,
    DialogueAnswerIn,
    ProgrammeCreate,
)
from services.funding.schemas.grants import (
    AgreementAnswerIn,
    AgreementCreate,
    AgreementParty,
    GrantCreate,
)
from services.funding.service.agreements import answer_agreement, propose_agreement
from services.funding.service.calls import answer_dialogue, move_call, plan_call, publish_criteria
from services.funding.service.grants import award_grant
from services.funding.service.programmes import create_programme
from shared.auth import Principal, acting_as
from shared.clock import DANISH_TIME, history_as_of
from shared.etag import etag
from shared.reference import GROWTH_FORUMS, growth_forum_for_region

FIVU = "fivu-rti"
#: Base funding a year by league (DKK), before a small per-cluster variation.
BASE_PER_YEAR = {"world_class": 6_000_000, "national": 2_500_000}
#: The national cluster whose growth forum, primarily responsible for it (§1), has not
#: co-funded it (yet): the demo's one coverage finding.
FORUM_NOT_FUNDING = "Limfjordens Maritime Klynge (demo)"
#: Base funding given without a call, on a recorded exemption (§3, §4.1).
EXEMPT = "Bornholmsk Mad og Oplevelser (demo)"
EXEMPTION = (
    "Bornholms eneste fødevare- og oplevelsesnetværk: et regionalt udbud ville have haft én "
    "mulig ansøger. Aftalt med Bornholms Regionskommune."
)
#: A grant for a societal task the registry does not find supportable (§2): the registry's
#: demo records that the network's energy task would crowd out its core functions.
UNSUPPORTED_TASK = ("Bornholms Energiø-netværk (demo)", "energy")


@dataclass
class DemoLoad:
    programmes: int = 0
    grants: int = 0
    calls: int = 0
    agreements: int = 0
    skipped: bool = False


async def clusters_known(session: AsyncSession) -> int:
    """How many clusters the funding read model has (the loader waits for the demo's)."""
    return int(
        (await session.execute(select(func.count()).select_from(FundingCluster))).scalar_one()
    )


def _criteria() -> list[Criterion]:
    return [
        Criterion(name="Relevans for virksomhederne", weight=40),
        Criterion(name="Samarbejde med videninstitutioner", weight=35),
        Criterion(name="Organisation og finansiering", weight=25),
    ]


async def _agreements(session: AsyncSession, clusters: list[FundingCluster], today: date) -> int:
    """§3 agreements with consent: one in force (FIVU/RTI and the home growth forum co-finance
    a national cluster, both confirmed), one proposal waiting for the region it names."""
    made = 0
    national = next((c for c in clusters if c.league == "national"), None)
    if national is not None:
        forum = growth_forum_for_region(
            national.home_region_code, national.home_municipality_code
        ).id
        proposal = await propose_agreement(
            session,
            AgreementCreate(
                kind="co_financing",
                title=f"Samfinansiering af {national.name}: internationalisering",
                cluster_id=national.id,
                parties=[
                    AgreementParty(party_id=FIVU, activities=["internationalisering"]),
                    AgreementParty(party_id=forum, activities=["internationalisering"]),
                ],
            ),
            acting_as(FIVU, "ministry", "funding:write"),
            today,
        )
        await answer_agreement(
            session,
            proposal.id,
            "confirm",
            AgreementAnswerIn(reason="Aftalt på vækstforums møde."),
            acting_as(forum, "growth_forum", "funding:write"),
        )
        made += 1
    emerging = next((c for c in clusters if c.league == "emerging"), None)
    if emerging is not None:
        forum = growth_forum_for_region(
            emerging.home_region_code, emerging.home_municipality_code
        ).id
        region = f"region-{emerging.home_region_code}"
        await propose_agreement(
            session,
            AgreementCreate(
                kind="co_financing",
                title=f"Fælles finansiering af netværksmøder i {emerging.name}",
                cluster_id=emerging.id,
                parties=[
                    AgreementParty(party_id=forum, activities=["netværksmøder"]),
                    AgreementParty(party_id=region, activities=["netværksmøder"]),
                ],
            ),
            acting_as(forum, "growth_forum", "funding:write"),
            today,
        )
        made += 1
    return made


def _morning(day: date) -> datetime:
    return datetime.combine(day, time(9), tzinfo=DANISH_TIME)


async def _decided_call(
    session: AsyncSession, programme_id: str, fivu: Principal, config: CallConfig
) -> str:
    """FIVU/RTI's call for Innovationsnetværk Danmark 2023–2026 as it ran in 2022: planned
    with the §3 dialogue (the growth forums answered), criteria published (§4.1), opened on
    its opening day, closed and decided — written at those times."""
    planned = date(2022, 3, 1)
    with history_as_of(_morning(planned)):
        call = await plan_call(
            session,
            CallCreate(
                programme_id=programme_id,
                title="Udbud: Innovationsnetværk Danmark 2023–2026",
                budget_dkk=400_000_000,
                opens_on=date(2022, 4, 1),
                closes_on=date(2022, 6, 1),
                decision_on=date(2022, 10, 1),
                strategic=True,
                criteria=_criteria(),
                dialogue_deadline=date(2022, 3, 22),
            ),
            fivu,
            config,
            planned,
        )
        call = await publish_criteria(session, call.id, CriteriaPublish(), fivu, etag(call.version))
        requests = (
            await session.execute(select(DialogueRequest).where(DialogueRequest.call_id == call.id))
        ).scalars()
        forums = {forum.id for forum in GROWTH_FORUMS}
        for request in list(requests):
            if request.recipient_id in forums:
                await answer_dialogue(
                    session,
                    request.id,
                    DialogueAnswerIn(
                        comment="Vi medfinansierer de nationale klynger med tyngdepunkt i "
                        "vores region (§1)."
                    ),
                    acting_as(request.recipient_id, "growth_forum", "funding:write"),
                )
    for day, action in (
        (date(2022, 4, 1), "open"),
        (date(2022, 6, 1), "close"),
        (date(2022, 10, 1), "decide"),
    ):
        with history_as_of(_morning(day)):
            await move_call(session, call.id, action, fivu, day)
    return call.id


class _ForumProgrammes:
    """Each growth forum's project programme for 2024–2027, made when first needed."""

    def __init__(self, session: AsyncSession, load: DemoLoad) -> None:
        self.session, self.load = session, load
        self.ids: dict[str, str] = {}

    async def of(self, forum: str) -> str:
        if forum not in self.ids:
            prog = await create_programme(
                self.session,
                ProgrammeCreate(
                    name="Regional klynge- og netværksudvikling 2024–2027",
                    kind="project",
                    source="eu_structural_funds",
                    starts_on=date(2024, 1, 1),
                    ends_on=date(2027, 12, 31),
                ),
                acting_as(forum, "growth_forum", "funding:write"),
            )
            self.ids[forum] = prog.id
            self.load.programmes += 1
        return self.ids[forum]


async def _forums_co_fund(
    session: AsyncSession, clusters: list[FundingCluster], forums: _ForumProgrammes, today: date
) -> int:
    """§1: a national cluster with its centre of gravity in a region is primarily the growth
    forum's responsibility; the forums co-fund theirs (other activities than FIVU/RTI's, so no
    agreement is needed) — all but one."""
    made = 0
    for cluster in clusters:
        if cluster.responsibility_rule != "national_with_centre" or cluster.name == (
            FORUM_NOT_FUNDING
        ):
            continue
        forum = cluster.responsibility_primary[0]
        await award_grant(
            session,
            GrantCreate(
                cluster_id=cluster.id,
                programme_id=await forums.of(forum),
                title=f"Regional forankring: {cluster.name}",
                amount_dkk=1_200_000,
                starts_on=date(2024, 1, 1),
                ends_on=date(2026, 12, 31),
                activities=["regional forankring", "kompetenceudvikling"],
                awarded_on=date(2023, 11, 1),
            ),
            acting_as(forum, "growth_forum", "funding:write"),
            today,
        )
        made += 1
    return made


async def _bornholm(
    session: AsyncSession, clusters: list[FundingCluster], forums: _ForumProgrammes, today: date
) -> int:
    """Vækstforum Bornholm: base funding without a call on a recorded exemption (§3, §4.1),
    and project money for a societal task the registry does not find supportable (§2)."""
    by_name = {c.name: c for c in clusters}
    forum = "vaekstforum-bornholm"
    bornholm = acting_as(forum, "growth_forum", "funding:write")
    made = 0
    exempt = by_name.get(EXEMPT)
    if exempt is not None:
        prog = await create_programme(
            session,
            ProgrammeCreate(
                name="Basisfinansiering af bornholmske netværk 2025–2026",
                kind="base",
                source="regional",
                starts_on=date(2025, 1, 1),
                ends_on=date(2026, 12, 31),
            ),
            bornholm,
        )
        await award_grant(
            session,
            GrantCreate(
                cluster_id=exempt.id,
                programme_id=prog.id,
                title=f"Basisfinansiering 2025–2026: {exempt.name}",
                amount_dkk=600_000,
                starts_on=date(2025, 1, 1),
                ends_on=date(2026, 12, 31),
                activities=["sekretariat"],
                awarded_on=date(2024, 12, 1),
                exemption_reason=EXEMPTION,
            ),
            bornholm,
            today,
        )
        made += 1
    name, task = UNSUPPORTED_TASK
    energy = by_name.get(name)
    if energy is not None and task in {t["task"] for t in energy.societal_tasks or ()}:
        await award_grant(
            session,
            GrantCreate(
                cluster_id=energy.id,
                programme_id=await forums.of(forum),
                title="Energiøen som demonstrationsplatform",
                amount_dkk=750_000,
                starts_on=date(2026, 1, 1),
                ends_on=date(2027, 12, 31),
                activities=["demonstrationsprojekter"],
                awarded_on=date(2025, 11, 1),
                societal_task=task,
            ),
            bornholm,
            today,
        )
        made += 1
    return made


async def load_demo(session: AsyncSession, today: date, config: CallConfig) -> DemoLoad:
    """Programmes, grants and calls of the demo funders (the caller commits)."""
    if (await session.execute(select(func.count()).select_from(Programme))).scalar_one():
        return DemoLoad(skipped=True)
    load = DemoLoad()
    fivu = acting_as(FIVU, "ministry", "funding:write")
    ind = await create_programme(
        session,
        ProgrammeCreate(
            name="Innovationsnetværk Danmark 2023–2026",
            kind="base",
            source="national",
            starts_on=date(2023, 1, 1),
            ends_on=date(2026, 12, 31),
            description="Basisfinansiering af klyngeorganisationer på nationalt niveau (§3).",
        ),
        fivu,
    )
    load.programmes += 1
    call_id = await _decided_call(session, ind.id, fivu, config)
    load.calls += 1
    clusters = list(
        (
            await session.execute(
                select(FundingCluster)
                .where(FundingCluster.status == "active")
                .order_by(FundingCluster.id)
            )
        ).scalars()
    )
    # the growth forums co-fund their national clusters first (§1), so FIVU/RTI's base
    # funding finds them funded: only the one left out is a coverage finding
    forums = _ForumProgrammes(session, load)
    load.grants += await _forums_co_fund(session, clusters, forums, today)
    for n, cluster in enumerate(c for c in clusters if c.league in BASE_PER_YEAR):
        yearly = BASE_PER_YEAR[cluster.league] + 250_000 * (n % 4)
        await award_grant(
            session,
            GrantCreate(
                cluster_id=cluster.id,
                programme_id=ind.id,
                call_id=call_id,
                title=f"Basisfinansiering 2023–2026: {cluster.name}",
                amount_dkk=4 * yearly,
                starts_on=date(2023, 1, 1),
                ends_on=date(2026, 12, 31),
                activities=["matchmaking", "innovationsprojekter", "internationalisering"],
                awarded_on=date(2022, 11, 15),
            ),
            fivu,
            today,
        )
        load.grants += 1

    # the growth forums' project money for the emerging networks at home in their region
    for n, cluster in enumerate(c for c in clusters if c.league == "emerging"):
        forum = growth_forum_for_region(cluster.home_region_code, cluster.home_municipality_code).id
        principal = acting_as(forum, "growth_forum", "funding:write")
        starts = date(2024, 1, 1) + timedelta(days=91 * (n % 4))
        await award_grant(
            session,
            GrantCreate(
                cluster_id=cluster.id,
                programme_id=await forums.of(forum),
                title=f"Netværksudvikling: {cluster.name}",
                amount_dkk=900_000 + 150_000 * (n % 5),
                starts_on=starts,
                ends_on=starts + timedelta(days=2 * 365),
                activities=["netværksmøder", "forprojekter"],
                awarded_on=starts - timedelta(days=30),
            ),
            principal,
            today,
        )
        load.grants += 1

    load.grants += await _bornholm(session, clusters, forums, today)
    load.agreements += await _agreements(session, clusters, today)

    # FIVU/RTI's next strategic call: the §3 dialogue runs; three parties have answered
    next_ind = await create_programme(
        session,
        ProgrammeCreate(
            name="Innovationsnetværk Danmark 2027–2030",
            kind="base",
            source="national",
            starts_on=date(2027, 1, 1),
            ends_on=date(2030, 12, 31),
            priority_fields=["energy", "life_science", "digital", "food_bio"],
        ),
        fivu,
    )
    load.programmes += 1
    opens = max(today + timedelta(days=60), date(today.year + 1, 2, 1))
    call = await plan_call(
        session,
        CallCreate(
            programme_id=next_ind.id,
            title="Udbud: Innovationsnetværk Danmark 2027–2030",
            budget_dkk=480_000_000,
            opens_on=opens,
            closes_on=opens + timedelta(days=60),
            decision_on=opens + timedelta(days=120),
            strategic=True,
            criteria=_criteria(),
            dialogue_deadline=today + timedelta(days=21),
        ),
        fivu,
        config,
        today,
    )
    load.calls += 1
    requests = (
        await session.execute(select(DialogueRequest).where(DialogueRequest.call_id == call.id))
    ).scalars()
    answered = {forum.id for forum in GROWTH_FORUMS[:3]}
    for request in list(requests):
        if request.recipient_id in answered:
            await answer_dialogue(
                session,
                request.id,
                DialogueAnswerIn(
                    comment="Vi medfinansierer klyngerne i vores region inden for vores "
                    "strategisk prioriterede områder.",
                    co_financing_dkk=20_000_000,
                ),
                acting_as(request.recipient_id, "growth_forum", "funding:write"),
            )

    # an open regional call for projects in Syddanmark
    syd = acting_as("vaekstforum-syddanmark", "growth_forum", "funding:write")
    syd_prog = forums.ids.get("vaekstforum-syddanmark")
    if syd_prog is not None:
        regional = await plan_call(
            session,
            CallCreate(
                programme_id=syd_prog,
                title="Klyngeprojekter om grøn omstilling i Syddanmark",
                budget_dkk=12_000_000,
                opens_on=today - timedelta(days=10),
                closes_on=today + timedelta(days=45),
                decision_on=today + timedelta(days=90),
                criteria=_criteria(),
            ),
            syd,
            config,
            today,
        )
        regional = await publish_criteria(
            session, regional.id, CriteriaPublish(), syd, etag(regional.version)
        )
        await move_call(session, regional.id, "open", syd, today)
        load.calls += 1
    return load


__all__ = ["DemoLoad", "clusters_known", "load_demo"]
