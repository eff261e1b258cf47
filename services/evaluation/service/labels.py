"""ESCA cluster-management labels (bronze, silver, gold) of the registered clusters.

The registry announces each cluster's label level and valid-until date (ClusterFacts); the
consumers keep them on ``eval_clusters``. This lists the labels of active clusters with their
state as of a date (``rules.labels.label_state``: valid, expiring within
``settings.label_notice_days``, expired). The expiring notice is the label sweep's
(``service.sweeps.sweep_labels``). Never commits.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.evaluation.models import EvalCluster
from services.evaluation.rules import labels as rules
from services.evaluation.schemas.evaluations import LabelOut
from shared.queries import page


def _state_filter(state: str, as_of: date, within_days: int) -> Any:
    """``rules.labels.label_state`` as SQL on ``label_valid_until``."""
    horizon = as_of + timedelta(days=within_days)
    until = EvalCluster.label_valid_until
    if state == "expired":
        return until < as_of
    if state == "expiring":
        return until.between(as_of, horizon)
    return until > horizon


def label_out(cluster: EvalCluster, as_of: date, within_days: int) -> LabelOut:
    assert cluster.label_level is not None and cluster.label_valid_until is not None
    level: Any = cluster.label_level
    label = rules.Label(cluster.id, level, cluster.label_valid_until)
    return LabelOut(
        cluster_id=cluster.id,
        cluster_name=cluster.name,
        league=cluster.league,
        home_region_code=cluster.home_region_code,
        level=level,
        valid_until=cluster.label_valid_until,
        state=rules.label_state(label, as_of, within_days),
        days_left=label.days_left(as_of),
        notice_sent=cluster.label_notice_for == cluster.label_valid_until,
    )


async def list_labels(
    session: AsyncSession,
    as_of: date,
    within_days: int,
    *,
    state: str | None,
    level: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[LabelOut], str | None]:
    """Labels of active clusters, by cluster id; filter by state (as of ``as_of``) or level."""
    stmt = select(EvalCluster).where(
        EvalCluster.status == "active",
        EvalCluster.label_level.is_not(None),
        EvalCluster.label_valid_until.is_not(None),
    )
    if state:
        stmt = stmt.where(_state_filter(state, as_of, within_days))
    if level:
        stmt = stmt.where(EvalCluster.label_level == level)
    rows, nxt = await page(session, stmt, EvalCluster.id, cursor, limit)
    return [label_out(c, as_of, within_days) for c in rows], nxt
