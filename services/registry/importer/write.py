"""Checks against the registry, then the bulk write of one import (one transaction)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.config import RuleConfig
from services.registry.importer.files import Checked
from services.registry.importer.progress import Progress
from services.registry.models import (
    Cluster,
    ClusterField,
    ClusterMunicipality,
    LeagueChange,
    Member,
    Organisation,
    messaging,
)
from services.registry.rules.members import member_summary
from services.registry.rules.responsibility import FIVU_RTI_ID, centre_of_gravity
from services.registry.rules.responsibility import responsibility as matrix_responsibility
from services.registry.service.organisations import organisation_registered
from services.registry.service.responsibility import ResponsibilityState, touch_cluster
from shared.clock import utcnow
from shared.events import contracts as ev
from shared.events.outbox import PendingEvent, record_events
from shared.importing import RowError
from shared.reference import region_of_municipality

#: Who may register clusters (and so set their first league): as ``register_cluster``.
REGISTERING_KINDS = frozenset({"growth_forum", "forum_secretariat"})
CHUNK = 5000


@dataclass
class ImportSummary:
    clusters: int = 0
    members: int = 0
    members_of_existing_clusters: int = 0
    #: Outbox events written, including those announcing reference parties loaded first.
    events: int = 0
    #: Reference parties that were missing and were added (a fresh database).
    reference_parties: int = 0
    seconds: float = 0.0


async def _existing_by_cvr(
    session: AsyncSession, cvrs: set[str]
) -> dict[str, tuple[str, str, bool]]:
    """CVR → (organisation id, kind, is a cluster) for those already registered."""
    found: dict[str, tuple[str, str, bool]] = {}
    ordered = sorted(cvrs)
    for i in range(0, len(ordered), 1000):
        rows = await session.execute(
            select(Organisation.cvr, Organisation.id, Organisation.kind, Cluster.id)
            .outerjoin(Cluster, Cluster.id == Organisation.id)
            .where(Organisation.cvr.in_(ordered[i : i + 1000]))
        )
        for cvr, oid, kind, cid in rows:
            if cvr is not None:
                found[cvr] = (oid, kind, cid is not None)
    return found


async def check_database(
    session: AsyncSession,
    checked: Checked,
    registered_by: str,
    clusters_name: str,
    members_name: str,
    errors: list[RowError],
) -> dict[str, str]:
    """Checks against what is registered; returns CVR → id of existing clusters gaining members."""
    by = await session.get(Organisation, registered_by)
    if by is None or not (by.id == FIVU_RTI_ID or by.kind in REGISTERING_KINDS):
        errors.append(
            RowError(
                "--registered-by",
                None,
                None,
                f"'{registered_by}' is not FIVU/RTI, a growth forum or the Klyngeforum "
                "secretariat (only they register clusters with their first league)",
            )
        )
    outside = {cvr for _l, cvr, _m in checked.members if cvr not in checked.file_cvrs}
    existing = await _existing_by_cvr(session, {m.cvr for _l, m in checked.clusters} | outside)
    for line, model in checked.clusters:
        if model.cvr in existing:
            errors.append(
                RowError(
                    clusters_name,
                    line,
                    "cvr",
                    f"CVR {model.cvr} is already registered (organisation "
                    f"{existing[model.cvr][0]})",
                )
            )
    targets: dict[str, str] = {}
    for line, cvr, _m in checked.members:
        if cvr in checked.file_cvrs:
            continue
        if cvr not in existing:
            errors.append(
                RowError(
                    members_name,
                    line,
                    "cluster_cvr",
                    f"no cluster with CVR {cvr} in {clusters_name} or in the registry",
                )
            )
        elif not existing[cvr][2]:
            oid, kind, _ = existing[cvr]
            errors.append(
                RowError(
                    members_name,
                    line,
                    "cluster_cvr",
                    f"CVR {cvr} is organisation {oid} of kind '{kind}', not a cluster",
                )
            )
        else:
            targets[cvr] = existing[cvr][0]
    if targets:
        rows = await session.execute(
            select(Member.cluster_id, Member.cvr).where(
                Member.cluster_id.in_(list(targets.values())), Member.cvr.is_not(None)
            )
        )
        taken = set(rows.tuples())
        for line, cvr, m in checked.members:
            if cvr in targets and m.cvr and (targets[cvr], m.cvr) in taken:
                errors.append(
                    RowError(
                        members_name,
                        line,
                        "cvr",
                        f"CVR {m.cvr} is already a member of cluster {cvr} in the registry",
                    )
                )
    return targets


# --- writing ------------------------------------------------------------------------------


async def _insert(
    session: AsyncSession, table: Any, rows: list[dict[str, Any]], progress: Progress
) -> None:
    for i in range(0, len(rows), CHUNK):
        chunk = rows[i : i + CHUNK]
        await session.execute(table.insert(), chunk)
        progress.advance(len(chunk))


async def write_import(
    session: AsyncSession,
    checked: Checked,
    existing_targets: dict[str, str],
    registered_by: str,
    config: RuleConfig,
    progress: Progress,
) -> ImportSummary:
    """Write checked rows in the session's transaction (the caller commits)."""
    now = utcnow()
    ids = {model.cvr: str(uuid.uuid4()) for _l, model in checked.clusters}
    orgs: list[dict[str, Any]] = []
    clusters: list[dict[str, Any]] = []
    field_rows: list[dict[str, Any]] = []
    muni_rows: list[dict[str, Any]] = []
    leagues: list[dict[str, Any]] = []
    members: list[dict[str, Any]] = []
    located: dict[str, list[str | None]] = defaultdict(list)
    sized: dict[str, list[tuple[str, int | None]]] = defaultdict(list)
    for _line, cvr, m in checked.members:
        cluster_id = ids.get(cvr) or existing_targets[cvr]
        members.append(
            {"id": str(uuid.uuid4()), "cluster_id": cluster_id, "created_at": now, **m.model_dump()}
        )
        located[cluster_id].append(m.municipality_code)
        sized[cluster_id].append((m.kind, m.employees))
    events: list[PendingEvent] = []
    for _line, c in checked.clusters:
        cid = ids[c.cvr]
        region = region_of_municipality(c.home_municipality_code)
        org = {
            "id": cid,
            "name": c.name,
            "kind": "cluster_organisation",
            "short_name": c.short_name,
            "cvr": c.cvr,
            "code": None,
            "municipality_code": c.home_municipality_code,
            "region_code": region,
            "website": str(c.website) if c.website else None,
            "reference": False,
            "created_at": now,
        }
        orgs.append(org)
        cog = centre_of_gravity(located.get(cid, ()), config.cog)
        computed = matrix_responsibility(
            c.league,
            cog,
            home_municipality=c.home_municipality_code,
            municipalities_served=c.municipalities_served,
        )
        responsibility = ResponsibilityState(computed, cog, None).facts().model_dump(mode="json")
        clusters.append(
            {
                "id": cid,
                "cluster_kind": c.cluster_kind,
                "league": c.league,
                "founded_on": c.founded_on,
                "home_municipality_code": c.home_municipality_code,
                "home_region_code": region,
                "description": c.description,
                "functions": list(c.functions),
                "municipalities_served": list(c.municipalities_served),
                "fields": list(c.fields),
                "obligations": None,
                "obligations_declared_on": None,
                "status": "active",
                "merged_into_id": None,
                "status_changed_on": None,
                "label_level": None,
                "label_valid_until": None,
                "responsibility": responsibility,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
        field_rows += [{"cluster_id": cid, "field": f} for f in c.fields]
        muni_rows += [
            {"cluster_id": cid, "municipality_code": code}
            for code in sorted({c.home_municipality_code, *c.municipalities_served})
        ]
        leagues.append(
            {
                "cluster_id": cid,
                "from_league": None,
                "to_league": c.league,
                "reason": "registered (bulk import)",
                "changed_by": registered_by,
                "changed_at": now,
            }
        )
        # The same payloads as register_organisation and register_cluster/cluster_facts.
        events.append(
            PendingEvent(
                "registry.organisation.registered",
                organisation_registered(Organisation(**org)),
                subject=cid,
            )
        )
        events.append(
            PendingEvent(
                "registry.cluster.registered",
                ev.ClusterRegistered(
                    cluster_id=cid,
                    name=c.name,
                    cluster_kind=c.cluster_kind,
                    league=c.league,
                    status="active",
                    home_municipality_code=c.home_municipality_code,
                    home_region_code=region,
                    municipalities_served=list(c.municipalities_served),
                    fields=list(c.fields),
                    member_count=len(located.get(cid, ())),
                    merged_into_id=None,
                    responsibility=ev.ResponsibilityFacts.model_validate(responsibility),
                    functions=list(c.functions),
                    founded_on=c.founded_on,
                    **member_summary(sized.get(cid, ())),
                ),
                subject=cid,
            )
        )
    tables = [
        (Organisation.__table__, orgs),
        (Cluster.__table__, clusters),
        (ClusterField.__table__, field_rows),
        (ClusterMunicipality.__table__, muni_rows),
        (LeagueChange.__table__, leagues),
        (Member.__table__, members),
    ]
    progress.start("writing", sum(len(rows) for _t, rows in tables) + len(events))
    for table, rows in tables:
        await _insert(session, table, rows, progress)
    written = await record_events(
        session, messaging, events, chunk_size=CHUNK, on_chunk=progress.advance
    )
    # An existing cluster gaining members: exactly what adding a member through the API does
    # (version, responsibility recomputed and announced if it changed, cluster.updated).
    outbox = messaging.outbox
    before = (await session.execute(select(func.count()).select_from(outbox))).scalar_one()
    for cluster_id in sorted(set(existing_targets.values())):
        cluster = await session.get(Cluster, cluster_id)
        assert cluster is not None
        await touch_cluster(session, cluster, config, ["members"], cause="members_changed")
    after = (await session.execute(select(func.count()).select_from(outbox))).scalar_one()
    progress.finish()
    return ImportSummary(
        clusters=len(clusters),
        members=len(members),
        members_of_existing_clusters=sum(
            1 for _l, cvr, _m in checked.members if cvr in existing_targets
        ),
        events=written + after - before,
    )
