"""The event stream (Server-Sent Events) and the newest events, filtered by type and by what
the caller may see (issue 7; who sees what: rules/visibility.py; the stream:
service/stream.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.schemas.events import RecentEvent
from services.gateway.service import stream
from shared.auth import OPTIONAL_TOKEN, Principal, optional_principal
from shared.db import session_dependency
from shared.errors import Problem

PREFIX = "/gateway/v1"

router = APIRouter(prefix=PREFIX, tags=["events"])


async def viewer(
    request: Request, principal: Annotated[Principal | None, Depends(optional_principal)]
) -> Principal | None:
    """The caller, or ``None`` without an Authorization header.

    A header that is not a valid bearer token is refused (401), never read as anonymous: a
    partner whose token broke must notice, not quietly get only public events.
    """
    if principal is None and request.headers.get("authorization") is not None:
        raise Problem(
            401,
            "invalid-token",
            "The Authorization header must be 'Bearer <token>' (POST /registry/v1/oauth/token); "
            "leave it out to read public events only.",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    return principal


Viewer = Annotated[Principal | None, Depends(viewer)]
Types = Annotated[
    list[str] | None,
    Query(
        description="Type patterns, repeated or comma-separated: `funding.call.planned`, "
        "`funding.*`, `funding.call.*`, `*.dialogue.*`, `*` (every type; the default)",
    ),
]
Everything = Annotated[
    bool,
    Query(
        alias="all",
        description="Every event, whoever it is addressed to: only the forum secretariat "
        "with scope `admin`",
    ),
]

STREAM_DESCRIPTION = f"""
Server-Sent Events (`text/event-stream`) of the suite's events as the gateway logs them.

**Messages.** Each event is one message: `id: <seq>` (its place in the gateway's log),
`event: <type>`, `data: <the CloudEvent as one line of JSON>`. The stream begins with
`retry: {stream.RETRY_MS}` and `id: <where it starts>` (no event; it sets the client's last
event id, so a client that drops before the first event resumes from the start position).
An idle stream sends a comment `: keep-alive` every `GATEWAY_SSE_KEEPALIVE_SECONDS`.

**Types.** `types` takes patterns, repeated (`types=a&types=b`) or comma-separated:
`funding.call.planned` (exact), a trailing `*` or `>` for one or more remaining segments
(`funding.*` = every funding event, `funding.call.*`, `*` = all), an inner `*` for exactly one
segment (`*.dialogue.*`, `*.*.requested`). Lower-case names, at most 20 patterns; a bad
pattern, or one that matches no event type of the catalog, is a 422 problem before anything
is streamed.

**Where it starts.** `Last-Event-ID: N` (sent by EventSource on reconnection) or `after=N`
resumes after seq N: every event you may see with a higher seq follows, in order, none missed
(seqs commit in order). The header wins over `after`. A seq beyond the newest event (a log
that was reset) starts at the live end. Without either, the stream starts at the live end
(new events only), or with `replay=N` (at most {stream.MAX_REPLAY}) first sends the N newest
events you may see.

**Who sees what.** Without a token: public events only. With a bearer token: public events
and those addressed to your organisation (dialogue requests, referral notices, activity
announcements) — never anyone else's. `all=true`: every event, for the forum secretariat with
scope `admin` only (403 otherwise). An invalid token is a 401 problem, never read as
anonymous. Browsers' EventSource cannot send a token: in a browser it shows public events.
"""


@router.get(
    "/events",
    openapi_extra=OPTIONAL_TOKEN,
    summary="Stream events as Server-Sent Events (type patterns, Last-Event-ID resume)",
    description=STREAM_DESCRIPTION,
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "An endless event stream",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
        401: {"description": "Invalid token (problem+json)"},
        403: {"description": "all=true by someone other than the secretariat (problem+json)"},
        422: {"description": "Invalid pattern, Last-Event-ID, after or replay (problem+json)"},
    },
)
async def stream_events(
    request: Request,
    principal: Viewer,
    types: Types = None,
    after: Annotated[
        int | None, Query(ge=0, description="Resume after this seq (as Last-Event-ID)")
    ] = None,
    replay: Annotated[
        int,
        Query(
            ge=0,
            le=stream.MAX_REPLAY,
            description="Without Last-Event-ID/after: first send the N newest events",
        ),
    ] = 0,
    everything: Everything = False,
    last_event_id: Annotated[
        str | None,
        Header(alias="Last-Event-ID", description="Resume after this seq (EventSource sends it)"),
    ] = None,
) -> StreamingResponse:
    view = stream.view_for(principal, types or [], everything)
    resume_after = after
    if last_event_id is not None and last_event_id.strip():
        value = last_event_id.strip()
        if not value.isascii() or not value.isdigit() or len(value) > 19:
            raise Problem(
                422,
                "invalid-last-event-id",
                "Last-Event-ID must be the id (a seq, 0 or more) of an event this stream sent.",
            )
        resume_after = int(value)
    # The start is fixed before the answer begins.
    body = await stream.open_stream(request.app, view, resume_after, replay)
    return StreamingResponse(
        body,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get(
    "/events/recent",
    openapi_extra=OPTIONAL_TOKEN,
    response_model=list[RecentEvent],
    summary="The newest events you may see, newest first (the live feed's first fill)",
    description=(
        "The same types and visibility as the stream (`types`, token, `all=true`), as a list "
        "of at most `limit` events, newest first. Open the stream with `after=<the first "
        "item's seq>` to continue without a gap. Public without a token."
    ),
    responses={
        401: {"description": "Invalid token (problem+json)"},
        403: {"description": "all=true by someone other than the secretariat (problem+json)"},
        422: {"description": "Invalid pattern or limit (problem+json)"},
    },
)
async def recent_events(
    session: Annotated[AsyncSession, Depends(session_dependency)],
    principal: Viewer,
    types: Types = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    everything: Everything = False,
) -> list[RecentEvent]:
    view = stream.view_for(principal, types or [], everything)
    events = await stream.newest(session, view, limit)
    return [RecentEvent(seq=e.seq, type=e.type, event=e.envelope) for e in events]
