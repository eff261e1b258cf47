"""What a request must pass before its body is read (issue 14, item 4: abuse limits).

FastAPI reads and parses a request's body before it runs the route's dependencies, so a
token checked by a dependency comes too late: a 60 MB body or malformed JSON without a token
was read, and answered 422, before the 401. ``RequestGuard`` is a pure ASGI middleware that
finds the route a request is for (as FastAPI will route it) and, before a byte of the body is
read:

1. **Authentication.** A route that needs a caller (it depends, however indirectly, on
   ``shared.auth.current_principal``) answers 401 without a valid bearer token, whatever the
   body. The verified caller is handed on, so the token is verified once.
2. **Size.** Every route has a body limit: ``DEFAULT_BODY_LIMIT`` (1 MB), or its own
   ``max_body_size`` where an upload needs more. A ``Content-Length`` over it answers 413 at
   once; a body without one is counted as it arrives and cut off with 413 as soon as it passes
   the limit (FastAPI's per-route ``max_body_size``, set here for every route).
3. **Media type.** A JSON body must be ``application/json`` (or ``application/…+json``) in
   UTF-8: another media type or charset answers 415, and so does a body that starts like
   UTF-16 or UTF-32, or with a byte-order mark (JSON's own decoder would take those). A form
   body (the token endpoint) must be ``application/x-www-form-urlencoded`` or
   ``multipart/form-data``. A route that reads its body itself (the employment upload) checks
   its own media types.

Public routes stay public: they need no token, and a token they get is checked by their own
dependency as before. Every refusal is RFC 9457 problem+json.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.exceptions import HTTPException

from shared.auth import (
    VERIFIED_CALLER,
    JwksVerifier,
    bearer_token,
    current_principal,
    missing_token,
)
from shared.errors import Problem, problem_response

#: The body limit of a route that names none (bytes).
DEFAULT_BODY_LIMIT = 1_000_000

_JSON = "json"
_FORM = "form"
_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


@dataclass(frozen=True)
class RouteGuard:
    """What the guard checks for one route."""

    path_regex: re.Pattern[str]
    methods: frozenset[str]
    needs_caller: bool
    #: "json", "form" or None (no declared body: the route reads none, or reads it itself)
    body: str | None
    limit: int


def _depends_on(dependant: Dependant, call: Any) -> bool:
    return any(d.call is call or _depends_on(d, call) for d in dependant.dependencies)


def _guard_of(route: Any) -> RouteGuard:
    dependant: Dependant = route.dependant
    body = None
    if route.body_field is not None:
        kinds = {type(p.field_info).__name__ for p in dependant.body_params}
        body = _FORM if kinds & {"Form", "File"} else _JSON
    return RouteGuard(
        path_regex=route.path_regex,
        methods=frozenset(route.methods or ()),
        needs_caller=_depends_on(dependant, current_principal),
        body=body,
        limit=route.max_body_size if route.max_body_size is not None else DEFAULT_BODY_LIMIT,
    )


def _api_routes(app: FastAPI) -> Iterator[Any]:
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute):
            yield route


def route_guards(app: FastAPI) -> list[RouteGuard]:
    """One ``RouteGuard`` per FastAPI route, in routing order."""
    return [_guard_of(route) for route in _api_routes(app)]


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _media_problem(guard: RouteGuard, content_type: str | None) -> str | None:
    """Why the declared media type will not do for the route's body, or None."""
    media, _, params = (content_type or "").partition(";")
    media = media.strip().lower()
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    if guard.body == _JSON:
        main, _, sub = media.partition("/")
        if main != "application" or not (sub == "json" or sub.endswith("+json")):
            return "Send the body as application/json."
        if charset not in (None, "utf-8", "utf8"):
            return "Send JSON in UTF-8 (charset=utf-8, or no charset)."
    elif guard.body == _FORM:
        if media not in _FORM_TYPES:
            return "Send the form as application/x-www-form-urlencoded or multipart/form-data."
        if charset not in (None, "utf-8", "utf8"):
            return "Send the form in UTF-8."
    return None


def _not_utf8_json(head: bytes) -> bool:
    """The body starts as JSON in UTF-16/32 would (a NUL in one of its first two bytes, as
    ``json.detect_encoding`` reads it) or with a byte-order mark (RFC 8259 §8.1: JSON is UTF-8,
    without one)."""
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return True
    return len(head) >= 2 and b"\x00" in head[:2]


class RequestGuard:
    """Pure ASGI middleware: authentication, body size and media type before the body."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._guards: list[RouteGuard] | None = None

    def _guard_for(self, scope: dict[str, Any]) -> RouteGuard | None:
        if self._guards is None:
            self._guards = route_guards(scope["app"])
        root = scope.get("root_path", "")
        path = scope["path"]
        if root and path.startswith(root):
            path = path[len(root) :]
        for guard in self._guards:
            if scope["method"] in guard.methods and guard.path_regex.match(path):
                return guard
        return None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        guard = self._guard_for(scope)
        if guard is None:
            await self.app(scope, receive, send)
            return
        try:
            if guard.needs_caller:
                await self._authenticate(scope)
            has_body = self._check_size(scope, guard)
            if has_body and guard.body is not None:
                why = _media_problem(guard, _header(scope, b"content-type"))
                if why:
                    raise Problem(415, "unsupported-media-type", why)
        except Problem as exc:
            request = Request(scope)
            response = problem_response(
                request, exc.status, exc.kind, exc.detail, headers=exc.headers, **exc.extra
            )
            await response(scope, receive, send)
            return
        if guard.body == _JSON:
            receive = _utf8_checked(receive)
        await self.app(scope, receive, send)

    async def _authenticate(self, scope: dict[str, Any]) -> None:
        token = bearer_token(_header(scope, b"authorization"))
        if token is None:
            raise missing_token()
        verifier: JwksVerifier = scope["app"].state.verifier
        principal = await verifier.verify(token)
        scope.setdefault("state", {})[VERIFIED_CALLER] = (token, principal)

    @staticmethod
    def _check_size(scope: dict[str, Any], guard: RouteGuard) -> bool:
        """Whether a body comes; 413 when its declared length is over the route's limit."""
        declared = _header(scope, b"content-length")
        if declared is not None and declared.strip().isdigit():
            length = int(declared)
            if length > guard.limit:
                raise Problem(
                    413,
                    "payload-too-large",
                    f"The body is {length:,} bytes; this endpoint takes at most {guard.limit:,}.",
                    max_bytes=guard.limit,
                )
            return length > 0
        return _header(scope, b"transfer-encoding") is not None


def _utf8_checked(receive: Any) -> Any:
    """``receive`` that refuses (415) a JSON body that is not UTF-8: one that starts as UTF-16
    or UTF-32, or with a byte-order mark, or holds bytes UTF-8 cannot decode."""
    head = bytearray()
    decoder = codecs.getincrementaldecoder("utf-8")()
    done = False

    async def checked_receive() -> dict[str, Any]:
        nonlocal done
        message: dict[str, Any] = await receive()
        if done or message["type"] != "http.request":
            return message
        chunk: bytes = message.get("body", b"")
        last = not message.get("more_body", False)
        if len(head) < 4:
            head.extend(chunk[: 4 - len(head)])
            if (len(head) >= 4 or last) and _not_utf8_json(bytes(head)):
                raise HTTPException(415, "Send JSON in UTF-8, without a byte-order mark.")
        try:
            decoder.decode(chunk, final=last)
        except UnicodeDecodeError:
            raise HTTPException(
                415, "Send JSON in UTF-8: the body holds bytes that are not."
            ) from None
        done = last
        return message

    return checked_receive


def document_limits(app: FastAPI, schema: dict[str, Any]) -> dict[str, Any]:
    """Add what only the guard knows to the OpenAPI document: 413 with the route's limit
    (``x-max-body-bytes``) and 415 with the media it takes, where a body is taken. The 401 of
    a route that needs a caller follows from its security requirement, and every error's
    problem+json content is added after this (``shared.openapi.with_problems``)."""
    for route in _api_routes(app):
        if not route.include_in_schema:
            continue
        guard = _guard_of(route)
        for method in route.methods or ():
            operation = schema.get("paths", {}).get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            if guard.body is not None or route.max_body_size is not None:
                operation["x-max-body-bytes"] = guard.limit
                responses.setdefault(
                    "413", {"description": f"The body is over {guard.limit:,} bytes"}
                )
            if guard.body is not None:
                media = "application/json in UTF-8" if guard.body == _JSON else "a form"
                responses.setdefault("415", {"description": f"The body is not {media}"})
    return schema
