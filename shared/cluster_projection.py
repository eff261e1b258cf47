"""The cluster read model each consuming service keeps from the registry's cluster events.

Funding, referrals and evaluation each hold their own table of clusters (``FundingCluster``,
``ReferralCluster``, ``EvalCluster``), each with the columns it needs. This module is the one
projection of ``registry.cluster.*`` onto such a table: a column the table has is kept, one it
lacks is skipped. What a service does *after* the row changed (funding re-checks its
findings, evaluation takes the year's member snapshot) stays in the service's consumer.

Registry events of one stream arrive in order; a redelivered older event is still ignored:
``updated_at`` holds the time of the newest event applied (``is_newer``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import Select, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.events import contracts as ev
from shared.events.envelope import is_newer

log = structlog.get_logger("shared.cluster_projection")

REGISTERED = "registry.cluster.registered"

#: The profile facts a ``registered``/``updated`` event carries, by column name.
PROFILE_FACTS = (
    "name",
    "cluster_kind",
    "league",
    "status",
    "home_municipality_code",
    "home_region_code",
    "municipalities_served",
    "fields",
    "functions",
    "label_level",
    "label_valid_until",
    "merged_into_id",
)


_COLUMNS: dict[type[Any], frozenset[str]] = {}


def _columns(model: type[Any]) -> frozenset[str]:
    if model not in _COLUMNS:
        _COLUMNS[model] = frozenset(inspect(model).columns.keys())
    return _COLUMNS[model]


def _set_responsibility(row: Any, facts: ev.ResponsibilityFacts | None) -> None:
    """§1: who carries the base funding, as the registry computed (or the parties agreed) it."""
    if "responsibility_primary" not in _columns(type(row)):
        return
    row.responsibility_primary = list(facts.primary) if facts else []
    row.responsibility_also = list(facts.also) if facts else []
    row.responsibility_rule = facts.rule if facts else None


async def project_profile(
    session: AsyncSession, model: type[Any], facts: ev.ClusterFacts, when: datetime, type_: str
) -> Any:
    """``registered``/``updated`` carry the whole profile: upsert it. None when the event is
    older than what the row already holds."""
    columns = _columns(model)
    registered = type_ == REGISTERED
    row = await session.get(model, facts.cluster_id)
    if row is None:
        row = model(id=facts.cluster_id)
        session.add(row)
        if "registered_at" in columns:
            row.registered_at = when
    elif not is_newer(when, row.updated_at):
        return None
    elif registered and "registered_at" in columns:
        row.registered_at = when
    for name in PROFILE_FACTS:
        if name in columns:
            value = getattr(facts, name)
            setattr(row, name, list(value) if isinstance(value, list) else value)
    if facts.responsibility is not None or registered:
        _set_responsibility(row, facts.responsibility)
    row.updated_at = when
    return row


async def _newer(
    session: AsyncSession, model: type[Any], cluster_id: str, when: datetime, type_: str
) -> Any:
    """The row a change event applies to, its ``updated_at`` moved on; None when the cluster
    is unknown (its ``registered`` event not yet seen) or the event is older."""
    row = await session.get(model, cluster_id)
    if row is None:
        log.warning("cluster_event_before_registration", cluster_id=cluster_id, type=type_)
        return None
    if not is_newer(when, row.updated_at):
        return None
    row.updated_at = when
    return row


async def project_league(
    session: AsyncSession, model: type[Any], data: ev.ClusterLeagueChanged, when: datetime
) -> Any:
    row = await _newer(session, model, data.cluster_id, when, "registry.cluster.league_changed")
    if row is not None:
        row.league = data.to_league
    return row


async def project_status(
    session: AsyncSession, model: type[Any], data: ev.ClusterStatusChanged, when: datetime
) -> Any:
    row = await _newer(session, model, data.cluster_id, when, "registry.cluster.status_changed")
    if row is not None:
        row.status = data.to_status
        if "merged_into_id" in _columns(model):
            row.merged_into_id = data.merged_into_id
    return row


async def project_responsibility(
    session: AsyncSession,
    model: type[Any],
    data: ev.ClusterResponsibilityChanged,
    when: datetime,
) -> Any:
    row = await _newer(
        session, model, data.cluster_id, when, "registry.cluster.responsibility_changed"
    )
    if row is not None:
        row.league = data.league
        _set_responsibility(row, data.current)
    return row


def open_flags_lifted_by(flag_model: Any, data: ev.ClusterFlagLifted) -> Select[Any]:
    """The open rows of a service's table of evaluation's §4.3 flags (registry and funding each
    keep one) that an ``evaluation.cluster.flag_lifted`` lifts: the flag named by ``flag_id``,
    else (events from before flags had ids) the cluster's open flags of the same rule and
    account year."""
    stmt = select(flag_model).where(
        flag_model.cluster_id == data.cluster_id, flag_model.lifted_at.is_(None)
    )
    if data.flag_id:
        return stmt.where(flag_model.flag_id == data.flag_id)
    year = flag_model.account_year
    return stmt.where(
        flag_model.rule == data.rule,
        year.is_(None) if data.account_year is None else year == data.account_year,
    )
