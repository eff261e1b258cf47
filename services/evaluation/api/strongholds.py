"""Evaluation API: employment statistics and smart-specialisation strongholds (§4.2).

Uploading statistics is for the organisations that hold ``evaluation:write`` (ministries and
growth forums) and for the forum secretariat (``admin``); reading them and the strongholds
computed from them is public (aggregate statistics, no personal data).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.datastructures import UploadFile

from services.evaluation.api.common import PREFIX, Cursor, Limit, Session
from services.evaluation.rules.strongholds import StarRule
from services.evaluation.schemas.strongholds import (
    EmploymentOut,
    EmploymentUploaded,
    StrongholdsOut,
)
from services.evaluation.service import strongholds as service
from services.evaluation.service.employment_csv import MAX_BYTES
from shared.auth import Principal, current_principal
from shared.errors import Problem
from shared.pagination import DEFAULT_LIMIT, Page, decode_cursor, encode_cursor
from shared.validation import Text

router = APIRouter(prefix=PREFIX)
Year = Annotated[int | None, Query(ge=1900, le=2100)]


async def statistics_uploader(principal: Principal = Depends(current_principal)) -> Principal:
    """``evaluation:write`` (ministries, growth forums) or ``admin`` (the forum secretariat)."""
    if not (principal.has("evaluation:write") or principal.has("admin")):
        raise Problem(
            403,
            "insufficient-scope",
            "Uploading employment statistics needs the scope 'evaluation:write' or 'admin'.",
            required_scope="evaluation:write",
        )
    return principal


Uploader = Annotated[Principal, Depends(statistics_uploader)]

_CSV_SCHEMA = {"type": "string", "format": "binary"}
_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "description": "CSV with columns region_code, region_name (optional), category, year, "
        "employees, source (optional); lines starting with # are comments",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": _CSV_SCHEMA},
                    "required": ["file"],
                }
            },
        },
    }
}


#: The largest upload body taken: the file and a multipart envelope around it.
UPLOAD_LIMIT = MAX_BYTES + 100_000


async def _file_bytes(request: Request) -> bytes:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > UPLOAD_LIMIT:
        raise Problem(413, "file-too-large", f"The file is over {MAX_BYTES:,} bytes.")
    if media in ("text/csv", "text/plain", "application/csv"):
        return await request.body()
    if media == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=10, max_part_size=MAX_BYTES)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise Problem(422, "invalid-file", "Send the CSV file in the form field 'file'.")
        return await upload.read(MAX_BYTES + 1)
    raise Problem(
        415,
        "unsupported-media-type",
        "Send the statistics as text/csv, or as multipart/form-data with the field 'file'.",
    )


@router.post(
    "/employment",
    tags=["strongholds"],
    response_model=EmploymentUploaded,
    summary="Upload employment statistics (CSV; evaluation:write or admin)",
    openapi_extra=_UPLOAD_BODY,
    # The file and a multipart envelope around it (every other body: 1 MB, shared.guard).
    max_body_size=UPLOAD_LIMIT,
    responses={
        413: {"description": "File too large"},
        415: {"description": "Not CSV"},
        422: {"description": "Rows refused (each with its line); nothing stored"},
    },
)
async def upload_employment(
    request: Request,
    session: Session,
    _principal: Uploader,
    source: Annotated[Text | None, Query(max_length=200)] = None,
) -> EmploymentUploaded:
    """Employment by region × category × year (§4.2), for the Danish regions (1081–1085, or
    DK01–DK05) and neighbouring regions (NUTS codes). All rows or none: any problem answers
    422 with the line of each. Rows of the same region × category × year replace the stored
    ones, so sending a file again is safe. `source` names the statistics for rows without a
    source column. Categories: field codes (`energy`, `maritime`…) link to clusters; a NACE
    section letter links to the fields it feeds; a `TOTAL` row gives a region's all-sector
    employment."""
    data = await _file_bytes(request)
    return await service.upload_employment(session, data, default_source=source or "")


@router.get("/employment", tags=["strongholds"], response_model=Page[EmploymentOut])
async def list_employment(
    session: Session, year: Year = None, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> Page[EmploymentOut]:
    """The stored employment statistics (public), by year, region and category."""
    after = decode_cursor(cursor, int, str, str)
    rows, nxt = await service.list_employment(session, year, after, limit)
    return Page[EmploymentOut](
        items=[EmploymentOut.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=encode_cursor(nxt) if nxt else None,
    )


@router.get("/strongholds", tags=["strongholds"], response_model=StrongholdsOut)
async def get_strongholds(
    request: Request,
    session: Session,
    year: Year = None,
    min_stars: Annotated[int, Query(ge=0, le=3)] = 0,
) -> StrongholdsOut:
    """Regional strongholds of a year (public; default the latest year with data): per
    region × category the employees, share, location quotient and European Cluster Observatory
    stars (size, specialisation, focus), with the registered active clusters at home in each
    Danish region in the category's fields; and cooperation suggestions where two or more
    Danish regions are strong in the same category, with partners across the border.
    `min_stars` leaves out weaker cells (and raises the bar for suggestions). `reference`
    names what the stars rank against: the regions of the year's uploaded statistics; with
    fewer than `EVALUATION_STRONGHOLDS_MIN_REGIONS` (default 20) of them, no size or focus
    stars are given."""
    rule = StarRule(min_regions=request.app.state.settings.strongholds_min_regions)
    return await service.strongholds(session, year, min_stars, rule)
