"""ESCA cluster-management labels, recorded by an issuer (issue 12).

A cluster cannot set its own label (it could claim gold): the Klyngeforum secretariat or an
organisation of kind ``label_issuer`` records it (``rules/authority.label_issuers``), with
level, issue and expiry dates and an evidence link. The label recorded last is the cluster's
current label (``Cluster.label_level``/``label_valid_until``, carried by ``ClusterFacts``), so
evaluation's expiry sweep keeps working from ``registry.cluster.updated``.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.config import RuleConfig
from services.registry.models import ClusterLabel, Organisation, messaging
from services.registry.rules import authority
from services.registry.schemas.labels import LabelIn
from services.registry.service.cluster_access import check
from services.registry.service.cluster_loading import get_cluster
from services.registry.service.responsibility import touch_cluster
from shared.auth import Principal
from shared.clock import utcnow
from shared.events import contracts as ev
from shared.events.outbox import record_event


async def label_issuer_ids(session: AsyncSession) -> list[str]:
    rows = await session.execute(select(Organisation.id).where(Organisation.kind == "label_issuer"))
    return list(rows.scalars())


async def record_label(
    session: AsyncSession,
    cluster_id: str,
    data: LabelIn,
    principal: Principal,
    config: RuleConfig,
) -> ClusterLabel:
    cluster = await get_cluster(session, cluster_id)
    check(
        principal,
        "record_label",
        authority.label_issuers(await label_issuer_ids(session)),
        rule="record_label",
        kind="not-a-label-issuer",
        what="A cluster's label is recorded by a label issuer, never by the cluster itself",
    )
    label = ClusterLabel(
        id=str(uuid.uuid4()),
        cluster_id=cluster.id,
        level=data.level,
        issued_on=data.issued_on,
        valid_until=data.valid_until,
        evidence_url=str(data.evidence_url) if data.evidence_url else None,
        issued_by=principal.organisation_id,
        recorded_at=utcnow(),
    )
    session.add(label)
    cluster.label_level = data.level
    cluster.label_valid_until = data.valid_until
    await session.flush()
    await record_event(
        session,
        messaging,
        "registry.cluster.label_recorded",
        ev.ClusterLabelRecorded(
            label_id=label.id,
            cluster_id=cluster.id,
            level=data.level,
            issued_on=data.issued_on,
            valid_until=data.valid_until,
            issued_by=principal.organisation_id,
        ),
        subject=cluster.id,
    )
    await touch_cluster(session, cluster, config, ["label"], cause="label_recorded")
    return label


async def label_history(session: AsyncSession, cluster_id: str) -> list[ClusterLabel]:
    """Every label recorded for the cluster, the latest first."""
    await get_cluster(session, cluster_id)
    return list(
        (
            await session.execute(
                select(ClusterLabel)
                .where(ClusterLabel.cluster_id == cluster_id)
                .order_by(ClusterLabel.recorded_at.desc(), ClusterLabel.id)
            )
        ).scalars()
    )
