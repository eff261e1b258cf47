"""Issue 13 in the registry: §2 supportability needs a core function (in the answer and in the
``registry.cluster.*`` events), and the §4.4 merger hints skip partners evaluation has flagged
(the registry consumes ``evaluation.cluster.flagged`` / ``flag_lifted``) and are announced
once per pair as ``registry.merger.suggested`` to both clusters and their growth forums."""

from __future__ import annotations

from typing import Any

import nats
from sqlalchemy import select

from services.registry.models import MergerAnnouncement, messaging
from services.registry.service.merger_hints import announce_merger_hints
from shared.events.bus import ensure_stream
from shared.events.outbox import build_envelope
from tests.conftest import Suite, eventually
from tests.registry.test_clusters_api import (
    API,
    MIDT,
    add_members,
    etag_of,
    events,
    register,
)

TASK = {
    "task": "transport",
    "backing_of_central_actors": True,
    "added_value_in_coordination": True,
    "resources_without_crowding_out": True,
}


async def test_a_societal_task_is_supportable_only_beside_a_core_function(suite: Suite) -> None:
    """§2: all three preconditions recorded, but no core function: not supportable, with a
    warning that says why; recording a core function makes it supportable — in the answer
    and in the ``registry.cluster.updated`` event, whose ``changed`` names the tasks."""
    out = await register(suite, league="emerging", functions=[], societal_tasks=[TASK])
    cid = out["id"]
    [task] = out["societal_tasks"]
    assert (task["supportable"], task["missing"]) == (False, ["core_function"])
    [warning] = [w for w in out["warnings"] if w["code"] == "task_not_supportable"]
    assert "no core function" in warning["message"]
    [registered] = await events(suite, "registry.cluster.registered", cid)
    assert registered["societal_tasks"] == [{"task": "transport", "supportable": False}]

    resp = await suite.http.patch(
        f"{API}/clusters/{cid}",
        json={"functions": ["regional_ecosystem"]},
        headers={**await suite.auth(cid), "If-Match": await etag_of(suite, cid)},
    )
    assert resp.status_code == 200, resp.text
    [task] = resp.json()["societal_tasks"]
    assert (task["supportable"], task["missing"]) == (True, [])
    assert "task_not_supportable" not in {w["code"] for w in resp.json()["warnings"]}
    [updated] = await events(suite, "registry.cluster.updated", cid)
    assert updated["societal_tasks"] == [{"task": "transport", "supportable": True}]
    assert updated["changed"] == ["functions", "societal_tasks"]


async def _publish(suite: Suite, type_: str, data: dict[str, Any]) -> None:
    """An event as evaluation would publish it."""
    envelope = build_envelope(type_, data)
    nc = await nats.connect(suite.nats.url)
    try:
        js = nc.jetstream()
        await ensure_stream(js, "evaluation")
        await js.publish(
            envelope.type, envelope.to_json_bytes(), headers={"Nats-Msg-Id": envelope.id}
        )
    finally:
        await nc.close()


async def _pairs(suite: Suite) -> list[tuple[str, str]]:
    resp = await suite.http.get(f"{API}/merger-suggestions")
    assert resp.status_code == 200, resp.text
    return [(s["small"]["id"], s["larger"]["id"]) for s in resp.json()]


async def _announce(suite: Suite) -> list[tuple[str, str]]:
    """What the periodic job ``registry-merger-hints`` does, once."""
    app = suite.apps["registry"]
    async with app.state.session_factory() as session, session.begin():
        done = await announce_merger_hints(session, app.state.rule_config)
    return [(s.small.id, s.larger.id) for s in done]


async def _suggested(suite: Suite) -> list[tuple[str | None, dict[str, Any]]]:
    outbox = messaging.outbox
    async with suite.apps["registry"].state.session_factory() as s:
        rows = await s.execute(
            select(outbox.c.envelope)
            .where(outbox.c.type == "registry.merger.suggested")
            .order_by(outbox.c.seq)
        )
        return [(e.get("recipient"), e["data"]) for e in rows.scalars()]


async def test_merger_hints_skip_flagged_partners_and_are_announced_once(suite: Suite) -> None:
    small = (await register(suite, name="Lokal Energi", league="emerging", fields=["energy"]))["id"]
    larger = (await register(suite, name="Energi Danmark", fields=["energy", "maritime"]))["id"]
    await add_members(suite, small, "0657", "0657")
    await add_members(suite, larger, *["0657"] * 6)
    assert await _pairs(suite) == [(small, larger)]

    # announced once: to both clusters and the growth forum responsible (Midtjylland)
    assert await _announce(suite) == [(small, larger)]
    assert await _announce(suite) == []
    sent = await _suggested(suite)
    assert [r for r, _ in sent] == [small, larger, MIDT]
    data = sent[0][1]
    assert (data["small_cluster_id"], data["larger_cluster_id"]) == (small, larger)
    assert data["recipients"] == [small, larger, MIDT] and data["shared_fields"] == ["energy"]
    async with suite.apps["registry"].state.session_factory() as s:
        assert len((await s.execute(select(MergerAnnouncement))).all()) == 1

    # evaluation flags the larger partner (§4.3): no hint while the flag is open (§4.4)
    flag = {"cluster_id": larger, "rule": "no_longer_relevant", "reason": "x", "flag_id": "f1"}
    await _publish(suite, "evaluation.cluster.flagged", flag)

    async def gone() -> bool:
        return await _pairs(suite) == []

    await eventually(gone)
    # a redelivered flag changes nothing; the lift brings the hint back — not announced again
    await _publish(suite, "evaluation.cluster.flag_lifted", flag | {"reason": "withdrawn"})

    async def back() -> bool:
        return await _pairs(suite) == [(small, larger)]

    await eventually(back)
    assert await _announce(suite) == []
    assert len(await _suggested(suite)) == 3
