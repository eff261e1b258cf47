"""The outbox is transactional, and the relay is woken by the commit rather than a poll."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import select

from services.registry.models import Organisation
from shared.clock import utcnow
from shared.events.contracts import OrganisationRegistered
from shared.events.envelope import CloudEvent
from shared.events.outbox import record_event
from tests.conftest import Suite, eventually
from tests.streams import caught_up, jetstream, message_ids

CONSUMERS = ("funding", "referrals", "evaluation", "gateway")
TYPE = "registry.organisation.registered"


class Boom(Exception):
    pass


async def _record(session: Any, suite: Suite, org_id: str) -> CloudEvent:
    """What a registry use case does: the change and its event, in the session's transaction."""
    session.add(
        Organisation(id=org_id, name=org_id, kind="other", reference=False, created_at=utcnow())
    )
    await session.flush()
    return await record_event(
        session,
        suite.apps["registry"].state.tables,
        TYPE,
        OrganisationRegistered(organisation_id=org_id, name=org_id, kind="other"),
        subject=org_id,
    )


async def _outbox_ids(suite: Suite) -> dict[str, Any]:
    app = suite.apps["registry"]
    outbox = app.state.tables.outbox
    async with app.state.session_factory() as session:
        rows = await session.execute(select(outbox.c.event_id, outbox.c.published_at))
        return {row.event_id: row.published_at for row in rows}


async def _all_published(suite: Suite) -> bool:
    return all(published for published in (await _outbox_ids(suite)).values())


async def _in_directory(suite: Suite, service: str, org_id: str) -> bool:
    resp = await suite.http.get(f"/{service}/v1/organisations/{org_id}")
    assert resp.status_code in (200, 404), resp.text
    return resp.status_code == 200


async def _everywhere(suite: Suite, org_id: str) -> bool:
    for service in CONSUMERS:
        if not await _in_directory(suite, service, org_id):
            return False
    return True


async def test_event_of_a_rolled_back_transaction_is_never_published(suite: Suite) -> None:
    factory = suite.apps["registry"].state.session_factory
    await eventually(lambda: _all_published(suite))

    # A use case fails after recording its event: the request edge rolls the whole thing back.
    ghost: CloudEvent | None = None
    with pytest.raises(Boom):
        async with factory() as session, session.begin():
            ghost = await _record(session, suite, "ghost")
            raise Boom
    # Part of a transaction rolled back to a savepoint; the rest commits.
    async with factory() as session, session.begin():
        try:
            async with session.begin_nested():
                nested_ghost = await _record(session, suite, "nested-ghost")
                raise Boom
        except Boom:
            pass
        survivor = await _record(session, suite, "survivor")
    assert ghost is not None

    await eventually(lambda: _everywhere(suite, "survivor"))
    await eventually(lambda: _all_published(suite))
    outbox = await _outbox_ids(suite)
    assert survivor.id in outbox
    assert ghost.id not in outbox and nested_ghost.id not in outbox
    async with jetstream(suite.nats.url) as js:
        stored = await message_ids(js, "REGISTRY", 0)
        assert stored[survivor.id] == 1
        assert stored[ghost.id] == 0 and stored[nested_ghost.id] == 0
        assert set(stored) == set(outbox)  # the stream holds exactly what was committed
        for service in CONSUMERS:
            await eventually(lambda s=service: caught_up(js, "REGISTRY", f"{s}-directory"))
            assert not await _in_directory(suite, service, "ghost")
            assert not await _in_directory(suite, service, "nested-ghost")


@pytest.mark.parametrize("edge", ["http", "session"])
async def test_commit_wakes_the_relay(suite_factory: Any, edge: str) -> None:
    """With an hour's poll, only the commit's wake-up can bring events out within a minute
    (generous for a loaded machine; the poll alone would take an hour)."""
    suite: Suite = await suite_factory(
        registry={"relay_poll_interval": 3600, "announce_reference_data": True}
    )
    relay = suite.apps["registry"].state.messaging.relay
    assert relay.poll_interval == 3600
    headers = await suite.auth("fivu-rti")
    factory = suite.apps["registry"].state.session_factory
    # Start-up's own pass publishes the reference parties; after it the relay sleeps.
    await eventually(lambda: _all_published(suite), timeout=60)
    await eventually(lambda: _everywhere(suite, "kommune-0851"), timeout=60)

    for i in range(3):
        started = time.monotonic()
        if edge == "http":
            resp = await suite.http.post(
                "/registry/v1/organisations",
                json={"name": f"Prompt Klynge {i}", "kind": "cluster_organisation"},
                headers=headers,
            )
            assert resp.status_code == 201, resp.text
            org_id = resp.json()["id"]
        else:  # any commit with events, not only the request edge's
            org_id = f"prompt-{i}"
            async with factory() as session, session.begin():
                await _record(session, suite, org_id)
        await eventually(lambda org_id=org_id: _everywhere(suite, org_id), timeout=60)
        elapsed = time.monotonic() - started
        assert elapsed < 60, f"commit to every consumer took {elapsed:.2f}s"
    assert await _all_published(suite)
