"""The coordination findings (§1, §2, §3, §4.1, §4.3): kept current and read.

Keeping them current: re-evaluate a cluster inside the transaction of the change that may
move its findings (grants, agreements, registry and evaluation events, the daily sweep for
grants whose period ended) with the pure checks of ``rules/coordination.py``, upsert by the
finding's stable key, raise or resolve with an outbox event. Never commits."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import lru_cache

from sqlalchemy import Text, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.funding.config import CoordinationConfig
from services.funding.models import (
    Agreement,
    ClusterFlag,
    Finding,
    FundingCluster,
    Grant,
    Recommendation,
    messaging,
)
from services.funding.rules import coordination as checks
from services.funding.rules import coordination_model as views
from services.funding.rules.coordination_model import SOCIETAL_TASK
from services.funding.settings import FundingSettings
from shared.clock import optional_utc, utcnow
from shared.events import contracts as ev
from shared.events.outbox import record_event
from shared.queries import get_or_404, new_id, page


@lru_cache(maxsize=1)
def check_config() -> CoordinationConfig:
    """The checks' limits from the environment's ``FundingSettings`` (read once)."""
    return CoordinationConfig.from_settings(FundingSettings())


def cluster_view(c: FundingCluster) -> views.ClusterView:
    return views.ClusterView(
        id=c.id,
        league=c.league,
        status=c.status,
        fields=tuple(c.fields or ()),
        primary=tuple(c.responsibility_primary or ()),
        also=tuple(c.responsibility_also or ()),
        responsibility_rule=c.responsibility_rule,
        registered_at=optional_utc(c.registered_at),
        founded_on=c.founded_on,
        societal_tasks=tuple(
            (str(t["task"]), bool(t.get("supportable"))) for t in c.societal_tasks or ()
        ),
        name=c.name,
    )


def grant_view(g: Grant) -> views.GrantView:
    return views.GrantView(
        id=g.id,
        funder_id=g.funder_id,
        cluster_id=g.cluster_id,
        kind=g.kind,
        amount_dkk=g.amount_dkk,
        starts_on=g.starts_on,
        ends_on=g.ends_on,
        activities=tuple(g.activities or ()),
        status=g.status,
        agreement_id=g.agreement_id,
        call_id=g.call_id,
        exemption_reason=g.exemption_reason,
        societal_task=g.societal_task,
    )


def agreement_view(a: Agreement) -> views.AgreementView:
    return views.AgreementView(
        id=a.id,
        kind=a.kind,
        party_ids=tuple(a.party_ids),
        cluster_id=a.cluster_id,
        party_cluster_ids=tuple(c for p in a.parties for c in p.get("cluster_ids", [])),
        party_activities=tuple((p["party_id"], tuple(p.get("activities", []))) for p in a.parties),
    )


def _facts(row: Finding) -> dict[str, object]:
    return {
        "finding_id": row.id,
        "key": row.key,
        "rule": row.rule,
        "section": row.section,
        "cluster_id": row.cluster_id,
        "funder_ids": list(row.funder_ids),
        "grant_ids": list(row.grant_ids),
        "summary": row.summary,
        "evidence": dict(row.evidence),
    }


def recommendation_view(r: Recommendation) -> views.RecommendationView:
    return views.RecommendationView(
        id=r.id,
        grant_id=r.grant_id,
        evaluation_id=r.evaluation_id,
        evaluation_kind=r.evaluation_kind,
        recommendation=r.recommendation,
        completed_on=r.completed_at.date(),
        acted=r.acted,
    )


async def _current(
    session: AsyncSession, cluster: FundingCluster, today: date
) -> list[views.Finding]:
    grants = (await session.execute(select(Grant).where(Grant.cluster_id == cluster.id))).scalars()
    # §3: only agreements in force count; §4.3: only flags evaluation has not lifted
    agreements = (
        await session.execute(select(Agreement).where(Agreement.state == "in_force"))
    ).scalars()
    flags = (
        await session.execute(
            select(ClusterFlag)
            .where(ClusterFlag.cluster_id == cluster.id, ClusterFlag.lifted_at.is_(None))
            .order_by(ClusterFlag.id)
        )
    ).scalars()
    recommendations = (
        await session.execute(
            select(Recommendation).where(
                Recommendation.cluster_id == cluster.id, Recommendation.acted.is_(None)
            )
        )
    ).scalars()
    others: list[views.ClusterView] = []
    if cluster.fields:
        rows = await session.execute(
            select(FundingCluster).where(
                FundingCluster.status == "active", FundingCluster.id != cluster.id
            )
        )
        wanted = set(cluster.fields)
        others = [cluster_view(o) for o in rows.scalars() if wanted & set(o.fields or ())]
    return checks.evaluate(
        cluster_view(cluster),
        [grant_view(g) for g in grants],
        agreements=[agreement_view(a) for a in agreements],
        flags=[views.FlagView(f.rule, f.reason, f.account_year) for f in flags],
        others=others,
        recommendations=[recommendation_view(r) for r in recommendations],
        today=today,
        config=check_config(),
    )


async def reevaluate(
    session: AsyncSession, cluster_ids: Iterable[str], cause: str, today: date | None = None
) -> None:
    """Bring the findings of these clusters up to date (in the caller's transaction).
    ``today`` (default: the clock's date) ends a grant's §2 warning once its period is over."""
    today = today or utcnow().date()
    for cluster_id in sorted(set(cluster_ids)):
        cluster = await session.get(FundingCluster, cluster_id)
        if cluster is None:
            continue
        await session.flush()
        now_found = {f.key: f for f in await _current(session, cluster, today)}
        stored = {
            r.key: r
            for r in (
                await session.execute(select(Finding).where(Finding.cluster_id == cluster_id))
            ).scalars()
        }
        now = utcnow()
        for key, found in now_found.items():
            row = stored.get(key)
            if row is None:
                row = Finding(id=new_id("fnd"), key=key, cluster_id=cluster_id, raised_at=now)
                session.add(row)
            reopened = row.state != "open"
            row.rule, row.section = found.rule, found.section
            row.funder_ids, row.grant_ids = list(found.funder_ids), list(found.grant_ids)
            row.summary, row.evidence = found.summary, found.evidence
            row.state, row.updated_at = "open", now
            if reopened:
                row.raised_at, row.resolved_at = now, None
                await session.flush()
                await record_event(
                    session,
                    messaging,
                    "funding.finding.raised",
                    ev.FindingRaised(**_facts(row)),
                    subject=row.id,
                )
        for key, row in stored.items():
            if key in now_found or row.state != "open":
                continue
            row.state, row.resolved_at, row.updated_at = "resolved", now, now
            await session.flush()
            await record_event(
                session,
                messaging,
                "funding.finding.resolved",
                ev.FindingResolved(**_facts(row), cause=cause),
                subject=row.id,
            )


async def sweep_ended(session: AsyncSession, today: date) -> int:
    """The daily sweep: re-evaluate the clusters whose open §2 warnings rest on a grant whose
    period is over by ``today`` (it ends the warning). Returns how many clusters it checked."""
    rows = await session.execute(
        select(Finding.cluster_id, Finding.grant_ids).where(
            Finding.rule == SOCIETAL_TASK, Finding.state == "open"
        )
    )
    open_on = {cluster_id: list(grant_ids) for cluster_id, grant_ids in rows}
    if not open_on:
        return 0
    grant_ids = [g for ids in open_on.values() for g in ids]
    ended = {
        g.cluster_id
        for g in (await session.execute(select(Grant).where(Grant.id.in_(grant_ids)))).scalars()
        if g.ends_on < today
    }
    await reevaluate(session, ended, "funding.sweep.grant_ended", today)
    return len(ended)


# --- reading them ---------------------------------------------------------------------------


async def findings_page(
    session: AsyncSession,
    *,
    rule: str | None,
    cluster: str | None,
    funder: str | None,
    state: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Finding], str | None]:
    """Findings, filtered by rule, cluster, funder and state: (rows, next cursor)."""
    stmt = select(Finding)
    if rule:
        stmt = stmt.where(Finding.rule == rule)
    if cluster:
        stmt = stmt.where(Finding.cluster_id == cluster)
    if state:
        stmt = stmt.where(Finding.state == state)
    if funder:
        # JSON membership differs per database; the funder ids are quoted strings in the list
        stmt = stmt.where(Finding.funder_ids.cast(Text).contains(f'"{funder}"', autoescape=True))
    return await page(session, stmt, Finding.id, cursor, limit)


async def get_finding(session: AsyncSession, finding_id: str) -> Finding:
    return await get_or_404(session, Finding, finding_id, "finding")
