"""The event stream: what a caller may see of the event log, read in batches, as SSE.

The log (``event_log``, see models.py) numbers events by ``seq`` and those numbers commit in
order, so "everything after N" is a plain range read: a stream resumed with
``Last-Event-ID: N`` reads ``seq > N`` and can miss nothing. Each read is one short session
(SQLite runs with a pool of one connection in embedded mode; a stream never holds a session
while it waits or while the client reads).

Who sees what (docs/architecture.md "The external contract"; issue 7):

- anonymous: public events only (``recipient`` is NULL);
- a token: public events and the events addressed to the token's organisation;
- the forum secretariat with scope ``admin`` asking ``all=true``: every event.

The rule is ``rules.visibility``: the query filters by it (``service.event_log.visible_filter``)
and every row is checked again before it is written (:meth:`View.allows`), so an addressed
event reaches no one else even if a query were wrong.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from fastapi import FastAPI
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.gateway.models import LoggedEvent
from services.gateway.rules.patterns import expand, split_patterns, validate_patterns
from services.gateway.rules.visibility import may_see_everything, visible_to
from services.gateway.service.event_log import LOG_WRITTEN, visible_filter
from shared.auth import Principal
from shared.errors import Problem
from shared.events.catalog import CATALOG

#: Events read per query (and written per chunk) while catching up.
BATCH = 500
#: ``replay=N`` may ask for at most this many past events.
MAX_REPLAY = 1000
#: Without a wake-up (an event logged by another replica), look at the log this often.
POLL_SECONDS = 2.0
#: The reconnection delay suggested to EventSource clients, in milliseconds.
RETRY_MS = 3000


class Waker(Protocol):
    async def wait(self, timeout: float) -> None: ...


class StreamEvent(NamedTuple):
    seq: int
    type: str
    recipient: str | None
    envelope: dict[str, Any]


@dataclass(frozen=True)
class View:
    """What one caller sees: which types, and which addressed events besides public ones."""

    #: The event types wanted; ``None``: every type.
    types: frozenset[str] | None
    #: The caller's organisation (its addressed events are visible); ``None``: anonymous.
    organisation_id: str | None
    #: Every event, whoever it is addressed to (the secretariat's ``all=true``).
    everything: bool = False

    def where(self) -> list[ColumnElement[bool]]:
        clauses: list[ColumnElement[bool]] = []
        if self.types is not None:
            clauses.append(LoggedEvent.type.in_(sorted(self.types)))
        clauses.extend(visible_filter(self.organisation_id, self.everything))
        return clauses

    def allows(self, event: StreamEvent) -> bool:
        if self.types is not None and event.type not in self.types:
            return False
        return visible_to(event.recipient, self.organisation_id, self.everything)


def view_for(principal: Principal | None, patterns: Iterable[str], everything: bool) -> View:
    """The view of a caller asking for ``patterns`` (empty: every type); problems raise.

    422 ``invalid-pattern`` names each bad pattern; 401 for ``all=true`` without a token,
    403 for ``all=true`` from anyone but the forum secretariat with scope ``admin``.
    """
    wanted = split_patterns(list(patterns))
    problems = validate_patterns(wanted)
    if problems:
        raise Problem(
            422,
            "invalid-pattern",
            "The type patterns are not valid: " + " ".join(problems),
            problems=problems,
            grammar=(
                "exact 'funding.call.planned'; a trailing '*' or '>' for the rest "
                "('funding.*', 'funding.call.*', '*'); an inner '*' for one segment "
                "('*.dialogue.*'); several comma-separated or repeated"
            ),
        )
    types = frozenset(expand(wanted)) if wanted else None
    if types is not None and types >= set(CATALOG):
        types = None  # every type: no filter
    if everything:
        if principal is None:
            raise Problem(
                401,
                "unauthorized",
                "all=true needs the forum secretariat's token with scope admin.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if not may_see_everything(principal.organisation_kind, principal.scopes):
            raise Problem(
                403,
                "not-allowed-everything",
                "Only the forum secretariat with scope admin may see every addressed event "
                "(all=true); leave it out to see public events and your organisation's.",
            )
    return View(
        types=types,
        organisation_id=principal.organisation_id if principal else None,
        everything=everything,
    )


def _columns() -> Any:
    return select(LoggedEvent.seq, LoggedEvent.type, LoggedEvent.recipient, LoggedEvent.envelope)


def _rows(result: Any) -> list[StreamEvent]:
    return [StreamEvent(row[0], row[1], row[2], row[3]) for row in result.all()]


async def live_end(session: AsyncSession) -> int:
    """The newest committed seq (0 for an empty log)."""
    return int((await session.execute(select(func.max(LoggedEvent.seq)))).scalar() or 0)


async def start_position(
    session: AsyncSession, view: View, resume_after: int | None, replay: int
) -> int:
    """The seq the stream starts after.

    Resuming (``Last-Event-ID`` or ``after``): that seq, but never beyond the newest event (a
    log that was reset starts again at its live end). Otherwise the live end, or with
    ``replay=N`` just before the N-th newest event the caller may see (all of them if fewer).
    """
    end = await live_end(session)
    if resume_after is not None:
        return min(resume_after, end)
    if replay <= 0:
        return end
    nth_newest = (
        await session.execute(
            select(LoggedEvent.seq)
            .where(*view.where(), LoggedEvent.seq <= end)
            .order_by(LoggedEvent.seq.desc())
            .offset(replay - 1)
            .limit(1)
        )
    ).scalar()
    return int(nth_newest) - 1 if nth_newest is not None else 0


async def read_after(
    session: AsyncSession, view: View, after: int, limit: int = BATCH
) -> tuple[list[StreamEvent], int, bool]:
    """Up to ``limit`` visible events after ``after``, oldest first.

    Returns the events, the seq the next read continues after (the newest seq looked at,
    so events the caller may not see are not scanned again), and whether more may follow
    at once (the batch was full).
    """
    end = await live_end(session)
    if end <= after:
        return [], after, False
    events = _rows(
        await session.execute(
            _columns()
            .where(*view.where(), LoggedEvent.seq > after, LoggedEvent.seq <= end)
            .order_by(LoggedEvent.seq)
            .limit(limit)
        )
    )
    if len(events) == limit:
        return events, events[-1].seq, True
    return events, end, False


async def newest(session: AsyncSession, view: View, limit: int) -> list[StreamEvent]:
    """The newest ``limit`` events the caller may see, newest first."""
    result = await session.execute(
        _columns().where(*view.where()).order_by(LoggedEvent.seq.desc()).limit(limit)
    )
    return [e for e in _rows(result) if view.allows(e)]


def sse_message(event: StreamEvent) -> str:
    """One SSE message: ``id`` = seq, ``event`` = type, ``data`` = the CloudEvent (one line)."""
    data = json.dumps(event.envelope, ensure_ascii=False, separators=(",", ":"))
    return f"id: {event.seq}\nevent: {event.type}\ndata: {data}\n\n"


def sse_preamble(start: int, retry_ms: int = RETRY_MS) -> str:
    """The first message: the retry hint and the start position as the last event id.

    A message with an ``id`` and no ``data`` dispatches no event, but sets the client's last
    event id (WHATWG HTML, "dispatch the event", step 1): a client that drops before the
    first event still resumes from where this stream began, not from a later live end.
    """
    return f"retry: {retry_ms}\nid: {start}\n\n"


KEEPALIVE = ": keep-alive\n\n"


@dataclass
class StreamStats:
    """Streams open in this process (a disconnected client's stream must end: tests check)."""

    open: int = 0


STATS = StreamStats()


async def event_stream(
    factory: async_sessionmaker[AsyncSession],
    view: View,
    start: int,
    *,
    waker: Waker,
    keepalive_seconds: float,
    closing: Callable[[], bool] = lambda: False,
    poll_seconds: float = POLL_SECONDS,
    batch: int = BATCH,
) -> AsyncIterator[str]:
    """The SSE text of a stream: the preamble, then every visible event after ``start``.

    Catches up in batches, then waits for ``waker`` (the in-process LOG_WRITTEN signal) or
    ``poll_seconds`` (events logged by another replica), writing a keep-alive comment when
    nothing was written for ``keepalive_seconds``. It runs until cancelled — the server
    cancels it when the client disconnects — or until ``closing()`` (server shutdown, see
    :func:`close_streams`), and holds no session while it waits or writes. (A wake-up that
    falls between a read and the wait is not lost for long: the next poll reads it.)
    """
    STATS.open += 1
    try:
        cursor = start
        yield sse_preamble(start)
        last_write = time.monotonic()
        while not closing():
            async with factory() as session:
                events, cursor, more = await read_after(session, view, cursor, batch)
            chunk = "".join(sse_message(e) for e in events if view.allows(e))
            if chunk:
                yield chunk
                last_write = time.monotonic()
            if more:
                continue
            idle = time.monotonic() - last_write
            if idle >= keepalive_seconds:
                yield KEEPALIVE
                last_write = time.monotonic()
                idle = 0.0
            await waker.wait(max(0.01, min(poll_seconds, keepalive_seconds - idle)))
    finally:
        STATS.open -= 1


async def open_stream(
    app: FastAPI, view: View, resume_after: int | None, replay: int
) -> AsyncIterator[str]:
    """The SSE text of a stream for ``view`` from the gateway ``app``: the start is fixed now,
    in a short read of its own (see :func:`start_position`), before the answer begins; then
    :func:`event_stream`, woken by ``LOG_WRITTEN``, until the client leaves or the server
    closes its streams."""
    factory = app.state.session_factory
    async with factory() as session:
        start = await start_position(session, view, resume_after, replay)
    return event_stream(
        factory,
        view,
        start,
        waker=LOG_WRITTEN,
        keepalive_seconds=app.state.settings.sse_keepalive_seconds,
        closing=lambda: streams_closing(app),
    )


def close_streams(app: Any) -> None:
    """End the open streams of the gateway ``app`` now (the server is shutting down).

    A server waits for open responses before it stops, and an event stream never ends by
    itself: without this, Ctrl-C waits for every browser with the live feed open (uvicorn's
    graceful-shutdown timeout would then cancel them with an error). Clients reconnect with
    ``Last-Event-ID`` once a server is back.
    """
    app.state.streams_closing = True
    LOG_WRITTEN.notify()


def streams_closing(app: Any) -> bool:
    return bool(getattr(app.state, "streams_closing", False))
