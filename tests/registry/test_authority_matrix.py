"""Every row of the registry's authorisation table (``authority_matrix.ROWS``) through the
HTTP API: the status is the one the table says; a refusal is problem+json that names the
rule and who may act (issue 12)."""

from __future__ import annotations

from itertools import count
from typing import Any

import pytest

from tests.conftest import Suite
from tests.registry import authority_matrix as m
from tests.registry.test_clusters_api import cvr

API = "/registry/v1"
PROBLEM = "application/problem+json"
_n = count(1)

ENDPOINTS = sorted({(r.method, r.endpoint) for r in m.ROWS})


class World:
    """The organisations every row may act as, and the resources the rows write to."""

    def __init__(self, suite: Suite) -> None:
        self.suite = suite
        self.ids: dict[str, str] = {}
        self.shared: dict[str, str] | None = None

    async def setup(self) -> None:
        secretariat = await self.suite.auth("klyngeforum")
        for placeholder, kind in [
            (m.GROWTH_HOUSE, "growth_house"),
            (m.BUSINESS_SERVICE, "business_service"),
            (m.KNOWLEDGE_INSTITUTION, "knowledge_institution"),
            (m.LABEL_ISSUER, "label_issuer"),
        ]:
            r = await self.suite.http.post(
                f"{API}/organisations",
                json={"name": f"Matrix {kind}", "kind": kind},
                headers=secretariat,
            )
            assert r.status_code == 201, r.text
            self.ids[placeholder] = r.json()["id"]
        self.ids[m.OTHER_CLUSTER] = await self.cluster()

    async def cluster(self) -> str:
        r = await self.suite.http.post(
            f"{API}/clusters",
            json={
                "name": f"Matrixklyngen {next(_n)}",
                "cvr": cvr(),
                "cluster_kind": "innovation_network",
                "league": "national",
                "home_municipality_code": "0851",
            },
            headers=await self.suite.auth("fivu-rti"),
        )
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    async def resource(self, endpoint: str, fresh: bool) -> dict[str, str]:
        if not fresh and self.shared is not None:
            return self.shared
        s, res = self.suite, {"cluster_id": await self.cluster()}
        own = await s.auth(res["cluster_id"])
        base = f"{API}/clusters/{res['cluster_id']}"
        if "{member_id}" in endpoint:
            r = await s.http.post(
                f"{base}/members", json={"kind": "firm", "name": "Matrix A/S"}, headers=own
            )
            res["member_id"] = r.json()["id"]
        if "{seat_id}" in endpoint:
            r = await s.http.post(
                f"{base}/ministry-seats",
                json={
                    "ministry_id": "ministeriet-energi",
                    "group": "steering",
                    "offered_on": "2026-01-01",
                },
                headers=own,
            )
            res["seat_id"] = r.json()["id"]
        if "{override_id}" in endpoint:
            r = await s.http.post(
                f"{base}/responsibility-overrides",
                json=OVERRIDE,
                headers=await s.auth(m.NORD),
            )
            assert r.status_code == 201, r.text
            res["override_id"] = r.json()["id"]
        if not fresh:
            self.shared = res
        return res

    def caller(self, caller: str) -> str:
        return self.ids.get(caller, caller)


OVERRIDE = {"primary": [m.NORD], "also": ["kommune-0851"], "reason": "Aftalt i matrixen"}


async def _body(world: World, method: str, endpoint: str, res: dict[str, str]) -> Any:
    if endpoint == m.C:
        return {
            "name": f"Ny Matrixklynge {next(_n)}",
            "cvr": cvr(),
            "cluster_kind": "cluster",
            "league": "national",
            "home_municipality_code": "0851",
        }
    if endpoint.endswith("/members") or endpoint.endswith("{member_id}"):
        return None if method == "DELETE" else {"kind": "firm", "name": "Matrix ApS"}
    bodies: dict[str, Any] = {
        "/league-changes": {"league": "world_class", "reason": "Matrix"},
        "/status": {"status": "dissolved", "reason": "Matrix"},
        "/ministry-seats": {
            "ministry_id": "ministeriet-miljoe",
            "group": "follow_up",
            "offered_on": "2026-01-01",
        },
        "{seat_id}": {"taken": True},
        "/responsibility-overrides": OVERRIDE,
        "/labels": {"level": "silver", "issued_on": "2025-01-01", "valid_until": "2028-01-01"},
        "/organisations": {"name": f"Matrix org {next(_n)}", "kind": "growth_house"},
        "/clients": {"organisation_id": world.ids[m.GROWTH_HOUSE], "name": "matrix"},
        "{cluster_id}": {"description": "Matrix"},
    }
    for suffix, body in bodies.items():
        if endpoint.endswith(suffix):
            return body
    return None


@pytest.mark.parametrize(("method", "endpoint"), ENDPOINTS, ids=[f"{a} {b}" for a, b in ENDPOINTS])
async def test_every_row_of_the_authority_table(suite: Suite, method: str, endpoint: str) -> None:
    world = World(suite)
    await world.setup()
    rows = [r for r in m.ROWS if (r.method, r.endpoint) == (method, endpoint)]
    assert rows
    failures = []
    for row in rows:
        res = await world.resource(endpoint, fresh=row.expected < 400)
        url = endpoint.format(**res)
        headers: dict[str, str] = {}
        if row.caller is not None:
            caller = world.caller(row.caller)
            if caller == m.CLUSTER:
                caller = res["cluster_id"]
            scopes = ["webhooks:write"] if row.caller_kind == "narrowed_token" else None
            headers = await suite.auth(caller, scopes)
        if method == "PATCH":
            got = await suite.http.get(url)
            headers["If-Match"] = got.headers["etag"]
        body = await _body(world, method, endpoint, res)
        resp = await suite.http.request(method, url, json=body, headers=headers)
        if resp.status_code != row.expected:
            failures.append((row, resp.status_code, resp.text[:300]))
            continue
        if row.expected == 403:
            assert resp.headers["content-type"].startswith(PROBLEM)
            problem = resp.json()
            if row.caller_kind != "narrowed_token" and endpoint != "/registry/v1/organisations":
                assert "rule" in problem or "required_scope" in problem, problem
    assert not failures, "\n".join(f"{r}: got {s} {t}" for r, s, t in failures)
