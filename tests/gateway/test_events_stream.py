"""The event stream GET /gateway/v1/events (SSE) and GET /gateway/v1/events/recent (issue 7).

Streams are read from a real uvicorn server in the test's loop (see tests/gateway/sse.py for
why not ASGITransport); answers that end (problems, /recent) go through ``suite.http``.
Addressed events come from a strategic national call: one public ``funding.call.planned``,
seven ``funding.dialogue.requested`` (six growth forums and KL) and ``funding.call.announced``
to the secretariat. A programme created after the call is the sentinel: the funding events
reach the gateway's log in order, so once a stream shows the sentinel it has passed the call.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import date, timedelta
from typing import Any, NamedTuple

import httpx
import pytest
from sqlalchemy import select

from services.gateway.models import LoggedEvent
from services.gateway.service.stream import RETRY_MS, STATS, close_streams
from shared.events.catalog import CATALOG
from shared.reference import SECTOR_MINISTRIES
from tests.conftest import Suite, eventually
from tests.funding.helpers import FORUMS, assert_problem, plan_call, programme
from tests.gateway.sse import SseMessage, open_stream, serve

EVENTS = "/gateway/v1/events"
RECENT = "/gateway/v1/events/recent"
#: Everyone a strategic call consults (§3): FIVU/RTI, the sector ministries, the growth forums
#: and KL — minus the funder itself (the helper's calls are FIVU/RTI's).
PARTIES = [*FORUMS, "kl", *(m.id for m in SECTOR_MINISTRIES)]
NORDJYLLAND = "vaekstforum-nordjylland"


class Row(NamedTuple):
    seq: int
    type: str
    recipient: str | None


@pytest.fixture
async def http(suite: Suite) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        serve(suite.dispatcher) as base,
        httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(10.0, read=30.0)) as client,
    ):
        yield client


async def strategic_call(suite: Suite) -> tuple[dict[str, Any], str]:
    """A strategic national call and, after it, a sentinel programme (its id)."""
    call = await plan_call(suite, dialogue_deadline=str(date.today() + timedelta(days=30)))
    sentinel = await programme(suite, name="Vagtpost")
    return call, sentinel


def is_programme(programme_id: str) -> Callable[[SseMessage], bool]:
    def check(message: SseMessage) -> bool:
        return (
            message.event == "funding.programme.created"
            and message.json()["data"]["programme_id"] == programme_id
        )

    return check


async def log_rows(suite: Suite) -> list[Row]:
    factory = suite.apps["gateway"].state.session_factory
    async with factory() as session:
        result = await session.execute(
            select(LoggedEvent.seq, LoggedEvent.type, LoggedEvent.recipient).order_by(
                LoggedEvent.seq
            )
        )
        return [Row(*r) for r in result.all()]


async def logged_programme(suite: Suite, programme_id: str) -> int:
    """Wait until the gateway logged funding.programme.created of ``programme_id``; its seq."""
    factory = suite.apps["gateway"].state.session_factory

    async def seq() -> int | None:
        async with factory() as session:
            rows = await session.execute(
                select(LoggedEvent.seq, LoggedEvent.envelope).where(
                    LoggedEvent.type == "funding.programme.created"
                )
            )
            found = (s for s, e in rows.all() if e["data"]["programme_id"] == programme_id)
            return next(found, None)

    return int(await eventually(seq))


async def answer(suite: Suite, path: str, **kwargs: Any) -> httpx.Response:
    """A GET through the in-process transport, which waits for the whole body: a stream that
    started by mistake (it never ends) fails the test after a few seconds instead of hanging."""
    return await asyncio.wait_for(suite.http.get(path, **kwargs), 5.0)


async def no_open_streams() -> bool:
    return STATS.open == 0


def seqs(messages: list[SseMessage]) -> list[int]:
    return [int(m.id or "") for m in messages]


async def test_anonymous_stream_never_receives_an_addressed_event(
    suite: Suite, http: httpx.AsyncClient
) -> None:
    async with open_stream(http) as anonymous:
        call, sentinel = await strategic_call(suite)
        events = await anonymous.events_until(is_programme(sentinel))
        preamble = anonymous.seen[0]
    assert preamble.retry == RETRY_MS and preamble.id is not None and not preamble.is_event
    assert anonymous.response.headers["content-type"].startswith("text/event-stream")
    assert anonymous.response.headers["cache-control"] == "no-cache"
    assert anonymous.response.headers["x-accel-buffering"] == "no"

    planned = [e.json() for e in events if e.event == "funding.call.planned"]
    assert [p["subject"] for p in planned] == [call["id"]]
    assert planned[0]["type"] == "funding.call.planned" and planned[0]["specversion"] == "1.0"
    assert all(e.event == e.json()["type"] for e in events)
    assert "funding.dialogue.requested" not in {e.event for e in events}
    assert all("recipient" not in e.json() for e in events)

    # The seven requests and the announcement were logged inside the range the stream read,
    # and the stream sent exactly the public events of that range, in order.
    start, end = int(preamble.id), int(events[-1].id or "")
    in_range = [r for r in await log_rows(suite) if start < r.seq <= end]
    requested = [r.recipient for r in in_range if r.type == "funding.dialogue.requested"]
    assert sorted(requested) == sorted(PARTIES)  # type: ignore[type-var]
    assert seqs(events) == [r.seq for r in in_range if r.recipient is None]


async def test_the_addressed_party_receives_its_own_request_and_no_one_elses(
    suite: Suite, http: httpx.AsyncClient
) -> None:
    mine = await suite.auth(NORDJYLLAND)
    secretariat = await suite.auth("klyngeforum")
    async with (
        open_stream(http, headers=mine) as own,
        open_stream(http, params={"all": "true"}, headers=secretariat) as everything,
    ):
        call, sentinel = await strategic_call(suite)
        own_events = await own.events_until(is_programme(sentinel))
        all_events = await everything.events_until(is_programme(sentinel))

    requested = [e.json() for e in own_events if e.event == "funding.dialogue.requested"]
    assert [(r["recipient"], r["subject"]) for r in requested] == [(NORDJYLLAND, call["id"])]
    assert requested[0]["data"]["recipient_id"] == NORDJYLLAND
    assert "funding.call.planned" in {e.event for e in own_events}  # public events too
    assert "funding.call.announced" not in {e.event for e in own_events}  # the secretariat's
    assert {e.json().get("recipient") for e in own_events} == {None, NORDJYLLAND}

    # The forum secretariat with scope admin asking all=true sees every addressed event.
    every_request = [e.json() for e in all_events if e.event == "funding.dialogue.requested"]
    assert sorted(r["recipient"] for r in every_request) == sorted(PARTIES)
    assert "funding.call.announced" in {e.event for e in all_events}

    # all=true for anyone else is refused before streaming
    r = await answer(suite, EVENTS, params={"all": "true"}, headers=mine)
    assert_problem(r, 403, "not-allowed-everything")
    no_admin = await suite.auth("klyngeforum", scopes=["organisations:write"])
    r = await answer(suite, EVENTS, params={"all": "true"}, headers=no_admin)
    assert_problem(r, 403, "not-allowed-everything")
    r = await answer(suite, EVENTS, params={"all": "true"})
    assert_problem(r, 401, "unauthorized")


async def test_resuming_with_last_event_id_misses_nothing_after_a_dropped_connection(
    suite: Suite, http: httpx.AsyncClient
) -> None:
    mine = await suite.auth(NORDJYLLAND)
    params = {"types": "funding.*"}
    async with open_stream(http, params=params, headers=mine) as first:
        first_call = await plan_call(suite, dialogue_deadline=str(date.today() + timedelta(10)))
        # programme.created, call.planned, then our dialogue request: read two, then drop
        read = [await first.next_event(), await first.next_event()]
        start = int(first.seen[0].id or "")
    await eventually(no_open_streams)  # the server ended the dropped stream

    # While disconnected: another call, and the sentinel after it, reach the log.
    second_call, sentinel = await strategic_call(suite)
    end = await logged_programme(suite, sentinel)

    last_id = read[-1].id or ""
    async with open_stream(http, params=params, headers=mine | {"Last-Event-ID": last_id}) as again:
        rest = await again.events_until(is_programme(sentinel))
        assert again.seen[0].id == last_id  # the preamble keeps the resume position

    received = read + rest
    assert seqs(received) == sorted(set(seqs(received)))  # in order, no duplicates
    expected = [
        r.seq
        for r in await log_rows(suite)
        if start < r.seq <= end
        and r.type.startswith("funding.")
        and r.recipient in (None, NORDJYLLAND)
    ]
    assert seqs(received) == expected  # exactly the rest: nothing missed
    requests = [e.json()["subject"] for e in received if e.event == "funding.dialogue.requested"]
    assert requests == [first_call["id"], second_call["id"]]  # the first one came after the drop
    assert [e.event for e in read] == ["funding.programme.created", "funding.call.planned"]

    # an id beyond the newest event (a log that was reset) starts at the live end
    async with open_stream(http, headers={"Last-Event-ID": "999999999"}) as beyond:
        assert end <= int((await beyond.next_block()).id or "") < 999999999

    # after= resumes the same way (the header wins when both are given)
    async with open_stream(http, params=params | {"after": str(end - 1)}, headers=mine) as again:
        assert (await again.next_event()).id == str(end)
    async with open_stream(
        http, params=params | {"after": "0"}, headers=mine | {"Last-Event-ID": str(end - 1)}
    ) as again:
        assert (await again.next_event()).id == str(end)


async def test_type_patterns_filter_and_replay_sends_the_newest(
    suite: Suite, http: httpx.AsyncClient
) -> None:
    kl = await suite.auth("kl")
    call, sentinel = await strategic_call(suite)
    await logged_programme(suite, sentinel)

    # replay: the newest matching events first, then live ones; repeated and comma patterns
    params = [("types", "funding.dialogue.*,funding.call.planned"), ("types", "registry.*.x_")]
    r = await answer(suite, EVENTS, params=params, headers=kl)
    assert_problem(r, 422, "invalid-pattern")  # (a pattern matching no type is refused)
    params = [("types", "*.dialogue.*, funding.call.planned"), ("types", "funding.programme.*")]
    async with open_stream(http, params=[*params, ("replay", "1000")], headers=kl) as replayed:
        old = await replayed.events_until(is_programme(sentinel))
        later = await plan_call(suite, dialogue_deadline=str(date.today() + timedelta(days=9)))
        new = await replayed.events_until(
            lambda e: e.event == "funding.dialogue.requested" and e.json()["subject"] == later["id"]
        )
    assert [e.event for e in old] == [
        "funding.programme.created",
        "funding.call.planned",
        "funding.dialogue.requested",  # KL's own only
        "funding.programme.created",
    ]
    assert [e.json()["recipient"] for e in old if e.event == "funding.dialogue.requested"] == ["kl"]
    assert old[1].json()["subject"] == call["id"]
    assert [e.event for e in new] == [
        "funding.programme.created",
        "funding.call.planned",
        "funding.dialogue.requested",
    ]

    # replay=N: just the N newest the caller may see of those types
    async with open_stream(http, params={"types": "funding.call.planned", "replay": "1"}) as one:
        [planned] = await one.events_until(lambda e: True)
    assert planned.json()["subject"] == later["id"]


async def test_invalid_input_is_a_problem_before_streaming(suite: Suite) -> None:
    for pattern, says in [
        ("fundng.*", "Did you mean"),
        ("funding.call*", "whole segment"),
        ("Funding.*", "lower case"),
        ("funding..planned", "empty segment"),
    ]:
        r = await answer(suite, EVENTS, params={"types": pattern})
        body = assert_problem(r, 422, "invalid-pattern")
        assert says in body["problems"][0], body
        r = await answer(suite, RECENT, params={"types": pattern})
        assert_problem(r, 422, "invalid-pattern")
    distinct = list(CATALOG)[:21]
    r = await answer(suite, EVENTS, params={"types": ",".join(distinct)})
    assert_problem(r, 422, "invalid-pattern")
    r = await answer(suite, EVENTS, headers={"Last-Event-ID": "abc"})
    assert_problem(r, 422, "invalid-last-event-id")
    r = await answer(suite, EVENTS, headers={"Last-Event-ID": "-3"})
    assert_problem(r, 422, "invalid-last-event-id")
    for params in ({"replay": "1001"}, {"after": "-1"}, {"after": "x"}, {"replay": "-1"}):
        r = await answer(suite, EVENTS, params=params)
        assert_problem(r, 422, "validation-error")
    r = await answer(suite, RECENT, params={"limit": "101"})
    assert_problem(r, 422, "validation-error")


async def test_an_invalid_token_is_refused_not_read_as_anonymous(suite: Suite) -> None:
    for headers in (
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
    ):
        for path in (EVENTS, RECENT):
            r = await answer(suite, path, headers=headers)
            assert_problem(r, 401, "invalid-token")
            assert "Bearer" in r.headers["www-authenticate"]


async def test_recent_lists_the_newest_visible_events_newest_first(suite: Suite) -> None:
    call, sentinel = await strategic_call(suite)
    await logged_programme(suite, sentinel)

    r = await suite.http.get(RECENT, params={"types": "funding.*"})
    assert r.status_code == 200, r.text
    anonymous = r.json()
    assert [e["type"] for e in anonymous[:2]] == [
        "funding.programme.created",
        "funding.call.planned",
    ]
    assert [e["seq"] for e in anonymous] == sorted((e["seq"] for e in anonymous), reverse=True)
    assert all("recipient" not in e["event"] for e in anonymous)
    assert anonymous[0]["event"]["data"]["programme_id"] == sentinel

    mine = await suite.auth(NORDJYLLAND)
    r = await suite.http.get(RECENT, params={"types": "*.dialogue.*"}, headers=mine)
    assert [(e["event"]["recipient"], e["event"]["subject"]) for e in r.json()] == [
        (NORDJYLLAND, call["id"])
    ]
    r = await suite.http.get(RECENT, params={"types": "funding.*", "limit": 2}, headers=mine)
    assert [e["type"] for e in r.json()] == [
        "funding.programme.created",
        "funding.dialogue.requested",  # its own, logged after the public call.planned
    ]
    secretariat = await suite.auth("klyngeforum")
    r = await suite.http.get(
        RECENT, params={"types": "*.dialogue.*", "all": "true", "limit": 100}, headers=secretariat
    )
    assert sorted(e["event"]["recipient"] for e in r.json()) == sorted(PARTIES)


async def test_an_idle_stream_sends_keep_alives_and_ends_when_the_client_leaves(
    suite_factory: Callable[..., Any],
) -> None:
    suite = await suite_factory(gateway={"sse_keepalive_seconds": 0.2})
    async with (
        serve(suite.dispatcher) as base,
        httpx.AsyncClient(base_url=base, timeout=10.0) as client,
    ):
        # (no evaluation events happen here; the seed organisations' registry events that
        # arrive meanwhile are filtered out, so the stream stays idle)
        async with open_stream(client, params={"types": "evaluation.*"}) as idle:
            preamble = await idle.next_block()
            assert preamble.retry == RETRY_MS
            for _ in range(3):
                block = await idle.next_block(timeout=2.0)
                assert block.comments == ["keep-alive"] and not block.is_event, block
            assert STATS.open == 1
        await eventually(no_open_streams)

        # At server shutdown the streams end by themselves (services/run.py calls this as
        # uvicorn begins to stop; it waits for open responses).
        async with open_stream(client, params={"types": "evaluation.*"}) as closing:
            await closing.next_block()
            close_streams(suite.apps["gateway"])
            await asyncio.wait_for(closing.ended(), 5.0)
        assert STATS.open == 0
