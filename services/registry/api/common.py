"""Dependencies and answer helpers the registry's cluster routers share."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.config import RuleConfig
from services.registry.models import Cluster
from services.registry.schemas.clusters import ClusterSummary, OrganisationRef
from shared.auth import Principal, current_principal
from shared.db import session_dependency

Session = Annotated[AsyncSession, Depends(session_dependency)]
Caller = Annotated[Principal, Depends(current_principal)]
IfMatch = Annotated[str | None, Header(description="ETag of the version you read")]
IdempotencyKey = Annotated[
    str | None, Header(description="Repeat a creating POST safely: a retry gets the first answer")
]
PREFIX = "/registry/v1"


def rule_config(request: Request) -> RuleConfig:
    return request.app.state.rule_config


Config = Annotated[RuleConfig, Depends(rule_config)]


def refs(ids: list[str], names: dict[str, str]) -> list[OrganisationRef]:
    """Organisations by id, with their names (the id where the name is unknown)."""
    return [OrganisationRef(id=i, name=names.get(i, i)) for i in ids]


def ref(organisation_id: str, names: dict[str, str]) -> OrganisationRef:
    return OrganisationRef(id=organisation_id, name=names.get(organisation_id, organisation_id))


def summary(cluster: Cluster, name: str, member_count: int) -> ClusterSummary:
    return ClusterSummary(
        id=cluster.id,
        name=name,
        cluster_kind=cluster.cluster_kind,
        league=cluster.league,
        status=cluster.status,
        home_municipality_code=cluster.home_municipality_code,
        home_region_code=cluster.home_region_code,
        fields=list(cluster.fields),
        label_level=cluster.label_level,
        member_count=member_count,
    )
