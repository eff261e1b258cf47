"""Demo content of evaluation for the embedded run (``make run``).

Once evaluation has heard of the demo clusters (registry events), each active demo cluster
reports its years up to the current one — collaboration projects, international partners,
firms with new competences, new ideas, new products, dedicated firms, private funding —
through the same use case as ``PUT …/reports/{year}``, with numbers drawn from a seeded
generator and scaled by the cluster's league (fictitious, like the clusters). FIVU/RTI
publishes last year's account (§4.1) when it may — from its earliest publishing day on
(``EVALUATION_ACCOUNT_PUBLISH_FROM``) and when any cluster existed then: an account holds only
the clusters registered by the end of its year, and the registry's demo writes its past at past
times (clusters registered two years ago, league changes last year: ``services.registry.demo``),
so last year's account holds the demo clusters in last year's leagues
(``DemoLoad.not_published`` says why when it cannot be published); this year's stays a
draft. The clearly synthetic employment example (``data/strongholds_example.csv``) is loaded
for the strongholds (§4.2). Idempotent: nothing is added if any report exists.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.evaluation.config import AccountConfig
from services.evaluation.models import EvalCluster, EvalGrant, Report
from services.evaluation.schemas.reports import ReportIn
from services.evaluation.service.account_publish import publish_account
from services.evaluation.service.accounts import account_clusters
from services.evaluation.service.derived import derived_values
from services.evaluation.service.reports import put_report
from services.evaluation.service.strongholds import load_example_employment
from shared.auth import acting_as

#: Scale of a cluster's activity by league (a world-class cluster does more).
_SCALE = {"world_class": 3.0, "national": 1.6, "emerging": 0.7}


@dataclass
class DemoLoad:
    reports: int = 0
    published: int | None = None
    not_published: str | None = None
    skipped: bool = False


async def clusters_known(session: AsyncSession) -> int:
    count = select(func.count()).select_from(EvalCluster)
    return int((await session.execute(count)).scalar_one())


async def grants_known(session: AsyncSession) -> int:
    count = select(func.count()).select_from(EvalGrant)
    return int((await session.execute(count)).scalar_one())


def _values(rng: random.Random, scale: float, growth: float) -> dict[str, float | None]:
    def count(base: float) -> int:
        return max(0, round(rng.gauss(base * scale * growth, base * scale * 0.35)))

    values: dict[str, float | None] = {
        "collaboration_projects": count(6),
        "international_partners": count(4),
        "firms_new_competences": count(14),
        "new_ideas": count(9),
        "new_products": count(3),
        "dedicated_firms": count(8),
        "private_funding": float(count(900_000)),
    }
    if rng.random() < 0.12:  # not every cluster reports everything: missing stays missing
        values[rng.choice(list(values))] = None
    return values


async def load_demo(session: AsyncSession, today: date, config: AccountConfig) -> DemoLoad:
    """Reports of the demo clusters, last year's account published (the caller commits)."""
    if (await session.execute(select(func.count()).select_from(Report))).scalar_one():
        return DemoLoad(skipped=True)
    load = DemoLoad()
    await load_example_employment(session)
    clusters = (
        await session.execute(
            select(EvalCluster).where(EvalCluster.status == "active").order_by(EvalCluster.id)
        )
    ).scalars()
    years = [today.year - 2, today.year - 1, today.year]
    for cluster in list(clusters):
        rng = random.Random(cluster.name)
        scale = _SCALE.get(cluster.league, 1.0) * rng.uniform(0.6, 1.4)
        trend = rng.uniform(-0.08, 0.12)  # some grow, some shrink
        principal = acting_as(cluster.id, "cluster_organisation", "evaluation:report")
        for n, year in enumerate(years):
            values = _values(rng, scale, (1 + trend) ** n)
            firms = (await derived_values(session, cluster.id, year)).get("participating_firms")
            if firms is not None and values["dedicated_firms"] is not None:
                values["dedicated_firms"] = min(values["dedicated_firms"], firms)
            body = ReportIn(
                values=values,
                comment="Demo: fiktive tal" if year == today.year else None,
            )
            await put_report(session, cluster.id, year, body, principal, None, today)
            load.reports += 1
    last = today.year - 1
    if today < config.earliest_publication(last):
        load.not_published = f"{last}: publishable from {config.earliest_publication(last)}"
    elif not await account_clusters(session, last):
        load.not_published = f"{last}: no demo cluster was registered by the end of {last}"
    else:
        fivu = acting_as("fivu-rti", "ministry", "evaluation:write")
        await publish_account(session, last, fivu, today, config)
        load.published = last
    return load
