"""ESCA labels: recorded by a label issuer (the secretariat or an organisation of kind
``label_issuer``); the history is public. A cluster's profile cannot set its label."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from services.registry.api.common import PREFIX, Caller, Config, Session, ref
from services.registry.models import ClusterLabel
from services.registry.schemas.labels import LabelIn, LabelOut
from services.registry.service import labels as label_service
from services.registry.service.cluster_loading import organisation_names

router = APIRouter(prefix=PREFIX, tags=["clusters"])


def label_out(label: ClusterLabel, names: dict[str, str]) -> LabelOut:
    return LabelOut(
        id=label.id,
        cluster_id=label.cluster_id,
        level=label.level,
        issued_on=label.issued_on,
        valid_until=label.valid_until,
        evidence_url=label.evidence_url,
        issued_by=ref(label.issued_by, names),
        recorded_at=label.recorded_at,
    )


@router.get(
    "/clusters/{cluster_id}/labels",
    response_model=list[LabelOut],
    summary="Every ESCA label recorded for the cluster, the latest first (public)",
)
async def list_labels(session: Session, cluster_id: str) -> list[LabelOut]:
    history = await label_service.label_history(session, cluster_id)
    names = await organisation_names(session, {h.issued_by for h in history})
    return [label_out(h, names) for h in history]


@router.post(
    "/clusters/{cluster_id}/labels",
    status_code=201,
    response_model=LabelOut,
    summary="Record the cluster's ESCA label (a label issuer: the secretariat or an "
    "organisation of kind label_issuer; scope labels:write)",
    responses={
        401: {"description": "No bearer token"},
        403: {"description": "Not a label issuer, or the token lacks labels:write"},
        404: {"description": "No such cluster"},
    },
)
async def record_label(
    session: Session, cluster_id: str, body: LabelIn, principal: Caller, config: Config
) -> JSONResponse:
    label = await label_service.record_label(session, cluster_id, body, principal, config)
    names = await organisation_names(session, {label.issued_by})
    return JSONResponse(label_out(label, names).model_dump(mode="json"), status_code=201)
