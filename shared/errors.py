"""RFC 9457 problem details for every error a service returns.

Validation errors, HTTP errors, domain errors (``Problem``; a role refusal,
``shared.refusal.Refusal``, 403; a consent step its state does not allow,
``shared.consent.Conflict``, 409) and unexpected failures all answer with
``application/problem+json``; an unexpected failure never leaks a traceback, but carries the
request id so the log line can be found.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from shared.consent import Conflict
from shared.refusal import STATUS as REFUSAL_STATUS
from shared.refusal import Refusal

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://klyngeforum.dk/problems/"

log = structlog.get_logger("errors")


class Problem(Exception):
    """A domain error that becomes a problem+json answer.

    ``kind`` becomes the last part of the ``type`` URI (e.g. ``invalid-cvr``).
    """

    def __init__(
        self,
        status: int,
        kind: str,
        detail: str,
        *,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.detail = detail
        self.title = title or HTTPStatus(status).phrase
        self.headers = headers
        self.extra = extra


def problem_response(
    request: Request,
    status: int,
    kind: str,
    detail: str,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + kind if kind != "about:blank" else kind,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    request_id = getattr(request.state, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


_KIND_BY_STATUS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    412: "precondition-failed",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation-error",
    428: "precondition-required",
    429: "too-many-requests",
    503: "service-unavailable",
}


def _jsonable_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for err in errors:
        out.append(
            {
                "loc": [str(p) for p in err.get("loc", ())],
                "msg": str(err.get("msg", "")),
                "type": str(err.get("type", "")),
            }
        )
    return out


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app serves on this path (RFC 9110: a 405's ``Allow``).
    Starlette names only the first route that matched the path, but FastAPI makes one route
    per method, so GET and POST on one path are two routes."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match != Match.NONE:
            methods.update(getattr(route, "methods", None) or ())
    return sorted(methods)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(
            request,
            exc.status,
            exc.kind,
            exc.detail,
            title=exc.title,
            headers=exc.headers,
            **exc.extra,
        )

    @app.exception_handler(Refusal)
    async def _refusal(request: Request, exc: Refusal) -> JSONResponse:
        return problem_response(
            request, REFUSAL_STATUS, exc.kind, exc.detail, **exc.problem_fields()
        )

    @app.exception_handler(Conflict)
    async def _consent_conflict(request: Request, exc: Conflict) -> JSONResponse:
        return problem_response(request, exc.STATUS, exc.kind, exc.detail, **exc.problem_fields())

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _jsonable_errors(list(exc.errors()))
        summary = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors[:5])
        return problem_response(
            request,
            422,
            "validation-error",
            f"The request is not valid: {summary}",
            title="Validation failed",
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        kind = _KIND_BY_STATUS.get(exc.status_code, "about:blank")
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": ", ".join(allowed_methods(request))}
        return problem_response(request, exc.status_code, kind, detail, headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_error", path=request.url.path, error=type(exc).__name__)
        # This answer is sent outside the request-id middleware, so it carries the header itself.
        request_id = getattr(request.state, "request_id", None)
        return problem_response(
            request,
            500,
            "internal-error",
            "An unexpected error occurred; nothing was changed. Quote the request id when "
            "reporting it.",
            headers={"X-Request-ID": request_id} if request_id else None,
        )
