"""The cluster lifecycle through the API: register, members, responsibility, league change."""

from __future__ import annotations

from typing import Any

from tests.conftest import Suite, eventually

CLUSTER = {
    "name": "Vindkraftklyngen Vest",
    "cvr": "31200458",
    "cluster_kind": "innovation_network",
    "league": "national",
    "home_municipality_code": "0657",  # Herning, Region Midtjylland
    "fields": ["energy"],
    "functions": ["bridge_builder", "regional_ecosystem"],
}


async def register(suite: Suite, body: dict[str, Any] | None = None) -> dict[str, Any]:
    resp = await suite.http.post(
        "/registry/v1/clusters", json=body or CLUSTER, headers=await suite.auth("fivu-rti")
    )
    assert resp.status_code == 201, resp.text
    return resp.json()


async def test_register_members_and_league_change_move_responsibility(suite: Suite) -> None:
    cluster = await register(suite)
    cid = cluster["id"]
    # No members yet: no centre of gravity, national → FIVU/RTI primary.
    resp = (await suite.http.get(f"/registry/v1/clusters/{cid}/responsibility")).json()
    assert [p["id"] for p in resp["primary"]] == ["fivu-rti"]
    assert resp["centre_of_gravity"]["forum"] is None

    own = await suite.auth(cid)
    for i, muni in enumerate(["0657", "0751", "0730", "0101", "0461", "0661"]):
        r = await suite.http.post(
            f"/registry/v1/clusters/{cid}/members",
            json={
                "kind": "firm",
                "name": f"Firma {i}",
                "municipality_code": muni,
                "employees": 20 + i,
            },
            headers=own,
        )
        assert r.status_code == 201, r.text
    # 4 of 6 located members in Midtjylland (≥ 50 %) → the growth forum is primary.
    resp = (await suite.http.get(f"/registry/v1/clusters/{cid}/responsibility")).json()
    assert [p["id"] for p in resp["primary"]] == ["vaekstforum-midtjylland"]
    assert [p["id"] for p in resp["also"]] == ["fivu-rti"]
    assert resp["rule"] == "national_with_centre"
    assert resp["centre_of_gravity"]["share"] == 4 / 6

    # A cluster cannot change its own league …
    got = await suite.http.get(f"/registry/v1/clusters/{cid}")
    r = await suite.http.patch(
        f"/registry/v1/clusters/{cid}",
        json={"league": "emerging"},
        headers={**own, "If-Match": got.headers["etag"]},
    )
    assert r.status_code == 403
    # … a growth forum can, with a reason.
    r = await suite.http.post(
        f"/registry/v1/clusters/{cid}/league-changes",
        json={"league": "world_class", "reason": "International evaluation 2026"},
        headers=await suite.auth("vaekstforum-midtjylland"),
    )
    assert r.status_code == 200, r.text
    resp = (await suite.http.get(f"/registry/v1/clusters/{cid}/responsibility")).json()
    assert [p["id"] for p in resp["primary"]] == ["fivu-rti"]
    assert [p["id"] for p in resp["also"]] == ["vaekstforum-midtjylland"]
    history = (await suite.http.get(f"/registry/v1/clusters/{cid}/league-history")).json()
    assert [h["to_league"] for h in history] == ["national", "world_class"]

    outbox = suite.apps["registry"].state.tables.outbox

    async def types() -> list[str]:
        async with suite.apps["registry"].state.session_factory() as s:
            return [
                r[0]
                for r in (await s.execute(outbox.select().with_only_columns(outbox.c.type))).all()
            ]

    seen = await types()
    assert "registry.cluster.registered" in seen
    assert "registry.cluster.league_changed" in seen
    # Responsibility changed three times: a fourth member brought Hovedstaden's forum into
    # "also" (national, no centre yet), the fifth made Midtjylland the centre, then the league.
    assert seen.count("registry.cluster.responsibility_changed") == 3
    await eventually(lambda: _published(suite))


async def _published(suite: Suite) -> bool:
    outbox = suite.apps["registry"].state.tables.outbox
    async with suite.apps["registry"].state.session_factory() as s:
        rows = (await s.execute(outbox.select().where(outbox.c.published_at.is_(None)))).all()
    return not rows
