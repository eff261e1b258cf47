"""Bulk import of cluster organisations and their members from two CSV files.

``python -m services.manage import-clusters clusters.csv members.csv`` (README "Bulk import").
Both files are UTF-8 (a byte-order mark is fine), comma-separated, with a header row naming
the columns in any order. Empty cells mean "not given"; list cells are separated by ``;``.

``clusters.csv`` — one row per cluster organisation, validated exactly as
``POST /registry/v1/clusters`` validates (``ClusterCreate``):

=========================  ========  ================================================
column                     required  meaning
=========================  ========  ================================================
cvr                        yes       CVR number (check digit verified), unique
name                       yes       name of the cluster organisation
cluster_kind               yes       ``cluster`` | ``innovation_network`` | ``network``
league                     yes       ``world_class`` | ``national`` | ``emerging``
home_municipality_code     yes       one of the 98 municipality codes (``0751``)
municipalities_served      no        municipality codes, ``;``-separated
fields                     no        field codes (``GET /registry/v1/fields``), ``;``-separated
functions                  no        ``bridge_builder;regional_ecosystem``
founded_on                 no        ``YYYY-MM-DD``
website                    no        ``https://…``
description                no        free text
short_name                 no        up to 60 characters
=========================  ========  ================================================

``members.csv`` — one row per member (``MemberIn``, as ``POST …/clusters/{id}/members``):

=================  ========  ========================================================
column             required  meaning
=================  ========  ========================================================
cluster_cvr        yes       CVR of a cluster in clusters.csv or already registered
kind               yes       ``firm`` | ``knowledge_institution`` |
                             ``education_institution`` | ``public_actor``
name               yes       the member's name
cvr                no        its CVR number; unique within one cluster
municipality_code  no        where it is (used for the §1 centre of gravity)
employees          no        head count (firms: the SME share)
joined_on          no        ``YYYY-MM-DD``
=================  ========  ========================================================

All or nothing: every row of both files is checked first (schema, duplicate CVRs inside a
file, CVRs already registered, members of unknown clusters) and every problem is reported
with file, line and column. If there is any, nothing is written. Otherwise everything is
written in one transaction with bulk inserts: the organisations and clusters, their search
index rows, members, the first league-history entry, each new cluster's responsibility
computed once from its members, and the same outbox events the API would send —
``registry.organisation.registered`` and ``registry.cluster.registered`` per new cluster,
and for an existing cluster that gains members the API's ``registry.cluster.updated`` (and
``…responsibility_changed`` when the answer changes). A running registry's outbox relay
publishes them to NATS (it polls, so the import need not reach NATS itself).
"""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.config import RuleConfig
from services.registry.importer.files import (
    CLUSTER_OPTIONAL,
    CLUSTER_REQUIRED,
    MEMBER_OPTIONAL,
    MEMBER_REQUIRED,
    check_files,
)
from services.registry.importer.progress import Progress
from services.registry.importer.write import ImportSummary, check_database, write_import
from services.registry.rules.responsibility import FIVU_RTI_ID
from services.registry.service.organisations import load_reference_parties
from shared.db import make_engine, make_session_factory
from shared.importing import ImportRejected, RowError

__all__ = [
    "CLUSTER_OPTIONAL",
    "CLUSTER_REQUIRED",
    "MEMBER_OPTIONAL",
    "MEMBER_REQUIRED",
    "ImportRejected",
    "ImportSummary",
    "Progress",
    "RowError",
    "import_clusters",
    "import_into",
]


async def import_clusters(
    session: AsyncSession,
    clusters_path: Path,
    members_path: Path | None,
    *,
    registered_by: str = FIVU_RTI_ID,
    config: RuleConfig | None = None,
    progress: Progress | None = None,
    load_reference: bool = True,
) -> ImportSummary:
    """Check both files, then write everything in the session's open transaction.

    Raises :class:`ImportRejected` with every error found, having written nothing (the
    caller rolls back). ``load_reference`` first adds missing reference parties (FIVU/RTI,
    growth forums, municipalities …), as the registry does at start-up.
    """
    started = time.perf_counter()
    progress = progress or Progress(None)
    config = config or RuleConfig()
    errors: list[RowError] = []
    checked = check_files(clusters_path, members_path, errors, progress)
    reference = await load_reference_parties(session) if load_reference else 0
    targets = await check_database(
        session,
        checked,
        registered_by,
        clusters_path.name,
        members_path.name if members_path else "members.csv",
        errors,
    )
    if errors:
        raise ImportRejected(errors)
    summary = await write_import(session, checked, targets, registered_by, config, progress)
    summary.reference_parties = reference
    summary.events += reference
    summary.seconds = time.perf_counter() - started
    return summary


async def import_into(
    database_url: str,
    clusters_path: Path,
    members_path: Path | None,
    *,
    registered_by: str = FIVU_RTI_ID,
    config: RuleConfig | None = None,
    progress: Progress | None = None,
    load_reference: bool = True,
) -> ImportSummary:
    """Open the database, import in one transaction, commit (or roll back on any error)."""
    started = time.perf_counter()
    engine = make_engine(database_url)
    try:
        factory = make_session_factory(engine)
        async with factory() as session:
            try:
                async with session.begin():
                    summary = await import_clusters(
                        session,
                        clusters_path,
                        members_path,
                        registered_by=registered_by,
                        config=config,
                        progress=progress,
                        load_reference=load_reference,
                    )
            except IntegrityError as exc:
                # Only a concurrent registration of the same CVR gets past the checks.
                raise ImportRejected(
                    [RowError(clusters_path.name, None, None, f"the database refused: {exc.orig}")]
                ) from exc
    finally:
        await engine.dispose()
    summary.seconds = time.perf_counter() - started
    return summary
