"""The backbone end to end: registry event reaches all four consumers (real NATS, real DBs)."""

from __future__ import annotations

from typing import Any

from tests.conftest import Suite, eventually

CONSUMERS = ("funding", "referrals", "evaluation", "gateway")


async def test_reference_parties_reach_every_service(suite_factory: Any) -> None:
    # announced as in production (the suite fixture's default spares other tests the backlog)
    suite: Suite = await suite_factory(registry={"announce_reference_data": True})
    resp = await suite.http.get(
        "/registry/v1/organisations", params={"kind": "municipality", "limit": 1000}
    )
    assert resp.status_code == 200
    municipalities = resp.json()["items"]
    assert len(municipalities) == 98
    assert {m["code"] for m in municipalities} >= {"0101", "0751", "0400", "0851"}

    for service in CONSUMERS:

        async def seen(service: str = service) -> bool:
            r = await suite.http.get(f"/{service}/v1/organisations/kommune-0851")
            return r.status_code == 200

        await eventually(seen)


async def test_created_organisation_reaches_every_service(suite: Suite) -> None:
    headers = await suite.auth("fivu-rti")
    resp = await suite.http.post(
        "/registry/v1/organisations",
        json={
            "name": "Test Klynge",
            "kind": "cluster_organisation",
            "cvr": "13585628",
            "municipality_code": "0751",
        },
        headers=headers,
    )
    assert resp.status_code == 201, resp.text
    org = resp.json()
    assert org["region_code"] == "1082"
    for service in CONSUMERS:

        async def seen(service: str = service) -> dict | None:
            r = await suite.http.get(f"/{service}/v1/organisations/{org['id']}")
            return r.json() if r.status_code == 200 else None

        found = await eventually(seen)
        assert found["name"] == "Test Klynge"
        assert found["cvr"] == "13585628"
