"""ETag / If-Match for updates: a stale write is refused (412), a blind one too (428)."""

from __future__ import annotations

from fastapi.responses import JSONResponse
from pydantic import BaseModel

from shared.errors import Problem


def etag(version: int) -> str:
    return f'"{version}"'


def require_if_match(if_match: str | None, version: int) -> None:
    if if_match is None:
        raise Problem(
            428,
            "precondition-required",
            "Send If-Match with the ETag of the version you read (GET it first), so that "
            "concurrent changes are not overwritten.",
            current_etag=etag(version),
        )
    candidates = [c.strip().removeprefix("W/") for c in if_match.split(",")]
    if "*" in candidates or etag(version) in candidates:
        return
    raise Problem(
        412,
        "stale-write",
        "The resource changed since you read it; GET it again and repeat your change.",
        current_etag=etag(version),
    )


def with_etag(body: BaseModel, version: int, status: int = 200, **headers: str) -> JSONResponse:
    """Answer ``body`` with the ETag of ``version`` (and any extra headers)."""
    return JSONResponse(
        body.model_dump(mode="json"), status_code=status, headers={"ETag": etag(version), **headers}
    )
