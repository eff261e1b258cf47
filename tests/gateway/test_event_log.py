"""The gateway logs every event of the catalog from JetStream, numbered in commit order."""

from __future__ import annotations

from sqlalchemy import select

from services.gateway.models import LoggedEvent
from tests.conftest import Suite, eventually


async def test_events_of_every_producer_reach_the_gateway_log(suite: Suite) -> None:
    r = await suite.http.post(
        "/registry/v1/organisations",
        json={"name": "Logget Erhvervshus", "kind": "growth_house", "municipality_code": "0851"},
        headers=await suite.auth("klyngeforum"),
    )
    assert r.status_code == 201, r.text
    org_id = r.json()["id"]
    factory = suite.apps["gateway"].state.session_factory

    async def logged() -> list[LoggedEvent]:
        async with factory() as session:
            rows = await session.execute(select(LoggedEvent).order_by(LoggedEvent.seq))
            return [e for e in rows.scalars() if e.subject == org_id]

    (event,) = await eventually(logged)
    assert event.type == "registry.organisation.registered"
    assert event.recipient is None
    assert event.envelope["data"]["organisation_id"] == org_id
    async with factory() as session:
        seqs = list(
            (await session.execute(select(LoggedEvent.seq).order_by(LoggedEvent.seq))).scalars()
        )
    assert seqs == list(range(1, len(seqs) + 1))  # no gaps, starting at 1
