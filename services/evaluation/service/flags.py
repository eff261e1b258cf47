"""§4.3 flags: poor performance over published accounts, and funders' "no longer relevant" marks.

The rule is ``rules.flags`` (``FlagRule`` with the settings ``flag_quartile`` and
``flag_consecutive_years``). It reads **published** accounts only, from their frozen
snapshots: a cluster's standing in a year is its composite and the composite's percentile
within its league as published, and the league's bottom cut is computed from the same
snapshot. It runs when an account is published (in the same transaction): for every published
year from the newly published one on, since publishing a year can complete a run that ends in
a later, already published year.

One flag per unbroken run: ``evaluation.cluster.flagged`` is raised in the account year in which
the run of bottom-share years first reaches the rule's length (``FlagDecision.newly_flagged``),
with the window's years, composites and league cuts as evidence; the ``flags`` row is unique per
cluster, rule and account year, so a repeated evaluation raises nothing twice. A longer run does
not raise again; a run that breaks and reaches the length again does.

A mark (``POST /clusters/{id}/relevance``) is made by a funder with a grant in force to the
cluster or a party responsible for it under §1 (``rules.authority``); it raises a
``no_longer_relevant`` flag at once, resting on every mark standing then (``evidence.mark_ids``).
Withdrawing a mark (its author only) lifts each open flag whose every mark is withdrawn
(``rules.flags.relevance_basis_withdrawn``): the flag keeps its history and gets ``state``
``lifted``, ``lifted_at`` and ``lifted_reason``, and ``evaluation.cluster.flag_lifted`` tells
funding. Publishing a later account in which a flagged cluster is no longer in the bottom share
lifts its poor-performance flag the same way (``rules.flags.performance_basis_withdrawn``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.evaluation.config import AccountConfig
from services.evaluation.models import Account, EvalCluster, Flag, RelevanceMark, messaging
from services.evaluation.rules import authority
from services.evaluation.rules import flags as rules
from services.evaluation.rules.account import bottom_cut
from services.evaluation.schemas.flags import FlagOut, RelevanceIn, RelevanceMarkOut
from services.evaluation.service.clusters import funders_in_force, responsible_parties
from shared.auth import Principal
from shared.clock import as_utc, utcnow
from shared.errors import Problem
from shared.events import contracts as ev
from shared.events.outbox import record_event
from shared.queries import new_id, page

NO_LONGER_RELEVANT = "no_longer_relevant"


def flag_rule(config: AccountConfig) -> rules.FlagRule:
    return rules.FlagRule(quartile=config.flag_quartile, consecutive=config.flag_consecutive_years)


def flag_out(flag: Flag) -> FlagOut:
    return FlagOut.model_validate(flag, from_attributes=True)


async def list_flags(
    session: AsyncSession,
    *,
    cluster: str | None,
    year: int | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Flag], str | None]:
    """Flags raised, oldest first (by id); filter by cluster and by the account year a
    performance flag rests on (relevance flags have no year)."""
    stmt = select(Flag)
    if cluster:
        stmt = stmt.where(Flag.cluster_id == cluster)
    if year is not None:
        stmt = stmt.where(Flag.account_year == year)
    return await page(session, stmt, Flag.id, cursor, limit)


async def _raise(
    session: AsyncSession,
    cluster_id: str,
    rule: str,
    reason: str,
    evidence: dict[str, object],
    account_year: int | None,
    flag_id: str | None = None,
) -> Flag:
    flag = Flag(
        id=flag_id or new_id("flg"),
        cluster_id=cluster_id,
        rule=rule,
        reason=reason,
        evidence=evidence,
        account_year=account_year,
        raised_at=utcnow(),
    )
    session.add(flag)
    await session.flush()
    await record_event(
        session,
        messaging,
        "evaluation.cluster.flagged",
        ev.ClusterFlagged(
            cluster_id=cluster_id,
            rule=rule,
            reason=reason,
            evidence=evidence,
            account_year=account_year,
            flag_id=flag.id,
        ),
        subject=cluster_id,
    )
    return flag


async def _lift(session: AsyncSession, flag: Flag, reason: str) -> None:
    flag.state = "lifted"
    flag.lifted_at = utcnow()
    flag.lifted_reason = reason
    await session.flush()
    await record_event(
        session,
        messaging,
        "evaluation.cluster.flag_lifted",
        ev.ClusterFlagLifted(
            cluster_id=flag.cluster_id,
            rule=flag.rule,
            flag_id=flag.id,
            account_year=flag.account_year,
            reason=reason,
        ),
        subject=flag.cluster_id,
    )


# --- poor performance over published accounts -----------------------------------------------


def standings(snapshot: dict[str, object], rule: rules.FlagRule) -> dict[str, rules.Standing]:
    """cluster id → its standing in one published account (from the frozen snapshot)."""
    clusters = snapshot.get("clusters") or []
    assert isinstance(clusters, list)
    by_league: dict[str, list[float]] = defaultdict(list)
    picked: dict[str, tuple[str, float | None, float | None]] = {}
    for c in clusters:
        comp = (c.get("composites") or {}).get(rule.composite) or {}
        value, pct = comp.get("value"), comp.get("percentile")
        picked[c["cluster_id"]] = (c["league"], value, pct)
        if value is not None:
            by_league[c["league"]].append(float(value))
    cuts = {lg: bottom_cut(sorted(vals), rule.quartile) for lg, vals in by_league.items()}
    return {
        cid: rules.Standing(value, pct, league, cuts.get(league))
        for cid, (league, value, pct) in picked.items()
    }


async def evaluate_published(session: AsyncSession, year: int, config: AccountConfig) -> list[Flag]:
    """Run the §4.3 rule after ``year`` was published; returns the flags raised."""
    rule = flag_rule(config)
    published = (
        (await session.execute(select(Account).where(Account.state == "published"))).scalars().all()
    )
    history: dict[str, dict[int, rules.Standing]] = defaultdict(dict)
    years = []
    for account in published:
        if account.snapshot is None:
            continue
        years.append(account.year)
        for cid, standing in standings(account.snapshot, rule).items():
            history[cid][account.year] = standing
    later = sorted(y for y in years if y >= year)
    existing = {
        (f.cluster_id, f.account_year)
        for f in (
            await session.execute(
                select(Flag).where(Flag.rule == rule.name, Flag.account_year.in_(later))
            )
        ).scalars()
    }
    await _lift_performance(session, year, history, rule)
    raised = []
    for cid in sorted(history):
        for as_of in later:
            decision = rules.evaluate_flag(history[cid], rule, as_of_year=as_of)
            if not decision.newly_flagged or (cid, as_of) in existing:
                continue
            raised.append(
                await _raise(
                    session, cid, rule.name, decision.reason_text, decision.evidence, as_of
                )
            )
    return raised


async def _lift_performance(
    session: AsyncSession,
    year: int,
    history: dict[str, dict[int, rules.Standing]],
    rule: rules.FlagRule,
) -> None:
    """Lift the open flags of the rule raised before ``year`` whose cluster stands outside the
    bottom share in the published account of ``year``."""
    flags = (
        await session.execute(
            select(Flag)
            .where(Flag.rule == rule.name, Flag.state == "open", Flag.account_year < year)
            .order_by(Flag.id)
        )
    ).scalars()
    for flag in list(flags):
        later = history.get(flag.cluster_id, {}).get(year)
        if rules.performance_basis_withdrawn(later, rule):
            assert later is not None
            await _lift(
                session,
                flag,
                f"In the published account of {year} the cluster is no longer in the bottom "
                f"{round(rule.quartile * 100)} % of its league (percentile {later.percentile}).",
            )


# --- no longer relevant -----------------------------------------------------------------------


def _flag_id_of(mark_id: str) -> str:
    """The flag a mark raised shares the mark's id suffix (``rlv-…`` → ``flg-…``)."""
    return "flg-" + mark_id.removeprefix("rlv-")


def mark_out(mark: RelevanceMark) -> RelevanceMarkOut:
    return RelevanceMarkOut(
        id=mark.id,
        cluster_id=mark.cluster_id,
        funder_id=mark.funder_id,
        reason=mark.reason,
        marked_at=mark.marked_at,
        withdrawn_at=mark.withdrawn_at,
        flag_id=_flag_id_of(mark.id),
    )


async def _cluster(session: AsyncSession, cluster_id: str) -> EvalCluster:
    cluster = None if "\x00" in cluster_id else await session.get(EvalCluster, cluster_id)
    if cluster is None:
        raise Problem(404, "not-found", f"No cluster '{cluster_id[:64]}'.")
    return cluster


async def standing_marks(session: AsyncSession, cluster_id: str) -> list[RelevanceMark]:
    rows = await session.execute(
        select(RelevanceMark)
        .where(RelevanceMark.cluster_id == cluster_id, RelevanceMark.withdrawn_at.is_(None))
        .order_by(RelevanceMark.marked_at, RelevanceMark.id)
    )
    return list(rows.scalars())


def _rule_mark(m: RelevanceMark) -> rules.RelevanceMark:
    return rules.RelevanceMark(m.funder_id, as_utc(m.marked_at).date(), m.reason)


async def mark_not_relevant(
    session: AsyncSession, cluster_id: str, body: RelevanceIn, principal: Principal, today: date
) -> RelevanceMark:
    """A funder with a grant in force or a party responsible for the cluster (§4.3, §1;
    ``rules.authority``, else 403) marks the cluster no longer relevant: the flag is raised at
    once, with every standing mark as evidence. One standing mark per party and cluster (409)."""
    cluster = await _cluster(session, cluster_id)
    authority.check_may_mark_relevance(
        principal.organisation_id,
        responsible=responsible_parties(cluster),
        funders_in_force=await funders_in_force(session, cluster_id, today),
    )
    marks = await standing_marks(session, cluster_id)
    if any(m.funder_id == principal.organisation_id for m in marks):
        raise Problem(
            409,
            "already-marked",
            f"{principal.organisation_id} has already marked {cluster_id} no longer relevant; "
            "withdraw that mark first to state a new reason.",
        )
    now = utcnow()
    mark = RelevanceMark(
        id=new_id("rlv"),
        cluster_id=cluster_id,
        funder_id=principal.organisation_id,
        reason=body.reason,
        marked_at=now,
    )
    session.add(mark)
    await session.flush()
    flagged = rules.evaluate_flag({}, marks=[_rule_mark(m) for m in [*marks, mark]])
    evidence = {
        "mark_id": mark.id,
        "mark_ids": [m.id for m in [*marks, mark]],
        "no_longer_relevant": flagged.evidence["no_longer_relevant"],
    }
    await _raise(
        session,
        cluster_id,
        NO_LONGER_RELEVANT,
        flagged.reason_text,
        evidence,
        None,
        flag_id=_flag_id_of(mark.id),
    )
    return mark


async def get_mark(session: AsyncSession, cluster_id: str, mark_id: str) -> RelevanceMark:
    mark = None if "\x00" in mark_id else await session.get(RelevanceMark, mark_id)
    if mark is None or mark.cluster_id != cluster_id:
        raise Problem(404, "not-found", f"No relevance mark '{mark_id[:64]}' on {cluster_id[:64]}.")
    return mark


async def withdraw_mark(
    session: AsyncSession, cluster_id: str, mark_id: str, principal: Principal
) -> RelevanceMark:
    """The author withdraws its own mark (403 for another's, 409 when already withdrawn); each
    open relevance flag whose every mark is now withdrawn is lifted (§4.3)."""
    mark = await get_mark(session, cluster_id, mark_id)
    authority.check_may_withdraw_mark(principal.organisation_id, author=mark.funder_id)
    if mark.withdrawn_at is not None:
        raise Problem(409, "already-withdrawn", f"Mark {mark.id} was already withdrawn.")
    mark.withdrawn_at = utcnow()
    await session.flush()
    await _lift_relevance(session, cluster_id)
    return mark


async def _lift_relevance(session: AsyncSession, cluster_id: str) -> None:
    withdrawn = {
        m.id
        for m in (
            await session.execute(
                select(RelevanceMark).where(
                    RelevanceMark.cluster_id == cluster_id, RelevanceMark.withdrawn_at.is_not(None)
                )
            )
        ).scalars()
    }
    flags = (
        await session.execute(
            select(Flag)
            .where(
                Flag.cluster_id == cluster_id,
                Flag.rule == NO_LONGER_RELEVANT,
                Flag.state == "open",
            )
            .order_by(Flag.id)
        )
    ).scalars()
    for flag in list(flags):
        basis = flag.evidence.get("mark_ids") or [flag.evidence.get("mark_id")]
        if rules.relevance_basis_withdrawn([b for b in basis if b], withdrawn):
            await _lift(
                session,
                flag,
                "Every relevance mark the flag rested on was withdrawn: "
                + ", ".join(str(b) for b in basis)
                + ".",
            )


async def list_marks(session: AsyncSession, cluster_id: str) -> list[RelevanceMark]:
    await _cluster(session, cluster_id)
    rows = await session.execute(
        select(RelevanceMark)
        .where(RelevanceMark.cluster_id == cluster_id)
        .order_by(RelevanceMark.marked_at, RelevanceMark.id)
    )
    return list(rows.scalars())
